"""The sidebar: the four areas, each shown only to users whose role opens it."""

from django.utils.translation import gettext_lazy as _

from accounts.access import can, roles_of
from accounts.roles import Capability, Role

NAVIGATION = (
    (
        _("考核"),
        (
            ("assessment:period_list", _("考核结果"), Capability.VIEW_RESULTS),
            ("analysis:index", _("考核分析"), Capability.VIEW_RESULTS),
            ("assessment:scheme_list", _("考核方案"), Capability.VIEW_SCHEMES),
            ("assessment:grade_index", _("干部年度等次"), Capability.MANAGE_GRADES),
        ),
    ),
    (
        _("反馈与整改"),
        (
            ("feedback:index", _("反馈单"), Capability.VIEW_FEEDBACK),
            ("feedback:rectification_list", _("整改事项"), Capability.VIEW_FEEDBACK),
            ("feedback:honours", _("光荣榜"), Capability.VIEW_FEEDBACK),
            # A unit viewer's own unit: its published feedback and its items (the same pages, scoped).
            ("feedback:index", _("本单位反馈单"), Capability.VIEW_OWN_UNIT_RESULTS),
            ("feedback:rectification_list", _("本单位整改"), Capability.UPDATE_OWN_RECTIFICATION),
        ),
    ),
    (_("指标与数据"), (("indicators:index", _("指标与填报"), Capability.VIEW_DATA_AREA),)),
    (
        _("干部"),
        (
            ("cadres:unit_list", _("单位"), Capability.VIEW_UNITS),
            ("cadres:cadre_list", _("干部"), Capability.VIEW_CADRES),
            ("cadres:roster_import", _("导入干部名册"), Capability.IMPORT_CADRES),
        ),
    ),
    (
        _("监督"),
        (
            ("supervision:index", _("一人一档"), Capability.VIEW_SUPERVISION),
            ("supervision:alert_list", _("触线预警"), Capability.VIEW_SUPERVISION),
            ("supervision:warning_overview", _("单位预警"), Capability.VIEW_SUPERVISION),
            ("supervision:efficiency_warnings", _("效能预警"), Capability.VIEW_SUPERVISION),
            ("supervision:precheck", _("任前研判"), Capability.VIEW_SUPERVISION),
            ("supervision:record_list", _("监督记录"), Capability.VIEW_SUPERVISION),
            ("supervision:record_import", _("导入监督记录"), Capability.VIEW_SUPERVISION),
            ("supervision:lists", _("三类名单"), Capability.VIEW_SUPERVISION),
            ("supervision:reports", _("分析报告"), Capability.VIEW_SUPERVISION),
            ("supervision:rule_versions", _("预警规则"), Capability.VIEW_SUPERVISION),
        ),
    ),
    (_("安全管理"), (("accounts:user_list", _("用户与角色"), Capability.MANAGE_ROLES),)),
    (_("审计"), (("accounts:audit_log", _("审计日志"), Capability.VIEW_AUDIT_LOG),)),
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    sections = []
    for title, items in NAVIGATION:
        visible = [(url_name, label) for url_name, label, capability in items if can(user, capability)]
        if visible:
            sections.append({"title": title, "items": visible})
    return {
        "nav_sections": sections,
        "user_role_labels": [role.label for role in Role if role in roles_of(user)],
        "show_admin_link": user.is_staff,
    }
