"""The roles of SPEC §1 and what each may do. This table is the one place that grants anything.

Administration is split three ways (三员分立, GB/T 22239-2019 8.1.4.2): the system administrator keeps
users and reference data, the security administrator alone assigns roles, unlocks accounts and resets
second factors, and the audit administrator (``AUDITOR``) reads the audit log. No account holds two of
them, nor one of them together with a business role (``role_combination_problem``).

Every role is a Django group of the same name. ``CAPABILITIES`` grants the app's own actions
(checked by ``accounts.access``); ``MODEL_PERMISSIONS`` grants Django model permissions, which is
what Django admin checks. ``sync_role_groups`` writes the latter into the groups after migrations.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ASSESSMENT_OFFICER = "assessment_officer", _("考核办")
    SUPERVISION_OFFICER = "supervision_officer", _("干部监督")
    DATA_PROVIDER = "data_provider", _("职能部门填报员")
    UNIT_VIEWER = "unit_viewer", _("被考核单位")
    AUDITOR = "auditor", _("审计管理员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")


class Capability(models.TextChoices):
    """Things a user may do in the app; views name the one they need."""

    VIEW_DASHBOARD = "dashboard.view", _("查看工作台")
    VIEW_UNITS = "registry.view_units", _("查看单位")
    VIEW_CADRES = "registry.view_cadres", _("查看干部")
    VIEW_FULL_ID_NUMBER = "registry.view_full_id_number", _("查看完整身份证号和电话")
    IMPORT_CADRES = "registry.import_cadres", _("导入干部名册")
    VIEW_SCHEMES = "assessment.view_schemes", _("查看考核方案")
    MANAGE_SCHEMES = "assessment.manage_schemes", _("管理考核方案")
    VIEW_RESULTS = "assessment.view_results", _("查看各单位考核结果")
    VIEW_OWN_UNIT_RESULTS = "assessment.view_own_unit_results", _("查看本单位已发布的考核结果")
    MANAGE_GRADES = "assessment.manage_grades", _("评定干部年度考核等次")
    VIEW_DATA_AREA = "indicators.view_area", _("查看指标与数据")
    UPLOAD_STATISTICS = "indicators.upload_statistics", _("上传本部门统计数据")
    REVIEW_UPLOADS = "indicators.review_uploads", _("查看各部门填报情况并撤销导入")
    VIEW_SUPERVISION = "supervision.view_area", _("查看监督")
    VIEW_AUDIT_LOG = "audit.view_log", _("查看审计日志")
    PUBLISH_RESULTS = "assessment.publish_results", _("锁定、发布和解锁考核周期")
    MANAGE_FEEDBACK = "feedback.manage", _("编写反馈单、整改事项和评优")
    VIEW_FEEDBACK = "feedback.view", _("查看各单位反馈单、整改和光荣榜")
    UPDATE_OWN_RECTIFICATION = "feedback.update_own_rectification", _("填报本单位整改进展")
    MANAGE_ROLES = "accounts.manage_roles", _("查看用户并分配角色")
    UNLOCK_ACCOUNTS = "accounts.unlock_accounts", _("解锁被锁定的账号")
    RESET_SECOND_FACTOR = "accounts.reset_second_factor", _("重置用户的双因素认证")


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ASSESSMENT_OFFICER: frozenset({
        Capability.VIEW_DASHBOARD, Capability.VIEW_UNITS, Capability.VIEW_CADRES,
        Capability.IMPORT_CADRES, Capability.VIEW_SCHEMES, Capability.MANAGE_SCHEMES, Capability.VIEW_DATA_AREA,
        Capability.VIEW_RESULTS, Capability.MANAGE_GRADES, Capability.REVIEW_UPLOADS,
        Capability.PUBLISH_RESULTS, Capability.MANAGE_FEEDBACK, Capability.VIEW_FEEDBACK,
    }),
    Role.SUPERVISION_OFFICER: frozenset({
        Capability.VIEW_DASHBOARD, Capability.VIEW_UNITS, Capability.VIEW_CADRES,
        Capability.VIEW_FULL_ID_NUMBER, Capability.IMPORT_CADRES, Capability.VIEW_SUPERVISION,
        Capability.VIEW_RESULTS, Capability.VIEW_FEEDBACK,
    }),
    # A department sees the unit list (it fills in one row per unit) and its own data, nothing personal.
    Role.DATA_PROVIDER: frozenset({
        Capability.VIEW_DASHBOARD, Capability.VIEW_UNITS, Capability.VIEW_DATA_AREA, Capability.UPLOAD_STATISTICS,
    }),
    # A unit viewer's unit list is restricted to its own unit by accounts.access.units_visible_to.
    # Its own unit's results and feedback only once the period is published (assessment.selectors).
    Role.UNIT_VIEWER: frozenset({
        Capability.VIEW_DASHBOARD, Capability.VIEW_UNITS, Capability.VIEW_OWN_UNIT_RESULTS,
        Capability.UPDATE_OWN_RECTIFICATION,
    }),
    Role.AUDITOR: frozenset({Capability.VIEW_DASHBOARD, Capability.VIEW_AUDIT_LOG}),
    Role.SYSTEM_ADMIN: frozenset({
        Capability.VIEW_DASHBOARD, Capability.VIEW_UNITS, Capability.VIEW_CADRES,
        Capability.IMPORT_CADRES, Capability.VIEW_SCHEMES,
    }),
    # Accounts' permissions, not their contents: no unit, cadre, scheme or record.
    Role.SECURITY_ADMIN: frozenset({
        Capability.VIEW_DASHBOARD, Capability.MANAGE_ROLES, Capability.UNLOCK_ACCOUNTS,
        Capability.RESET_SECOND_FACTOR,
    }),
}

# 三员: the three administrators, each of whom checks on the other two.
ADMINISTRATOR_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


def role_combination_problem(roles) -> str | None:
    """Why these roles may not be held together by one account, or None when they may.

    Two administrators in one account would let it check on itself; an administrator who also does
    business work would administer (or audit) their own work. Business roles may be combined.
    """
    roles = set(roles)
    administrators = [role for role in Role if role in roles & ADMINISTRATOR_ROLES]
    if len(administrators) > 1:
        return _("三员分立：%(roles)s不能由同一账号担任") % {
            "roles": "、".join(str(role.label) for role in administrators)}
    business = [role for role in Role if role in roles - ADMINISTRATOR_ROLES]
    if administrators and business:
        return _("三员分立：%(admin)s不能同时担任业务角色（%(roles)s）") % {
            "admin": administrators[0].label, "roles": "、".join(str(role.label) for role in business)}
    return None


# Roles that work in Django admin (is_staff). The others use the app's own pages only.
STAFF_ROLES = frozenset({Role.ASSESSMENT_OFFICER, Role.SYSTEM_ADMIN, Role.AUDITOR})

_ALL = ("add", "change", "delete", "view")
_READ = ("view",)

# Model permissions for Django admin, as {app_label.model: actions}.
MODEL_PERMISSIONS: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.SYSTEM_ADMIN: {
        "auth.user": ("add", "change", "view"),
        "auth.group": _READ,
        "accounts.userprofile": ("add", "change", "view"),
        "cadres.unit": _ALL,
        "cadres.cadre": _ALL,
        "cadres.appointment": _ALL,
        "assessment.scheme": _ALL,
        "assessment.track": _ALL,
        "assessment.trackmembership": _ALL,
        "assessment.component": _ALL,
        "assessment.vetoitem": _ALL,
        "assessment.dimension": _ALL,
        "assessment.indicator": _ALL,
        "assessment.weight": _ALL,
        "assessment.weightoverride": _ALL,
        # Record types are reference data (names, impact periods, grade effects), not record contents;
        # their points change only through the versioned rules page of the supervision officers.
        "supervision.recordtype": ("add", "change", "view"),
        # Family ties declared by cadres decide recusal (supervision.recusal); kept with the registry.
        "cadres.kinship": _ALL,
    },
    Role.ASSESSMENT_OFFICER: {
        "cadres.unit": ("change", "view"),
        "cadres.cadre": _READ,
        "cadres.appointment": _READ,
        "assessment.scheme": _ALL,
        "assessment.track": _ALL,
        "assessment.trackmembership": _ALL,
        "assessment.component": _ALL,
        "assessment.period": _ALL,
        "assessment.componentscore": _ALL,
        "assessment.adjustment": _ALL,
        "assessment.verdict": _ALL,
        "assessment.vetoitem": _ALL,
        "assessment.cadregrade": ("view", "delete"),  # entered on the grading page, which applies the rules
        "assessment.dimension": _ALL,
        "assessment.indicator": _ALL,
        "assessment.weight": _ALL,
        "assessment.weightoverride": _ALL,
        "assessment.responsibility": _ALL,
        "assessment.statistic": _ALL,
        "feedback.feedbacknote": _ALL,
        "feedback.award": _ALL,
        "feedback.rectificationitem": ("change", "view"),  # raised on the app's page, which keeps the rules
        "feedback.feedbackbatch": _READ,
    },
    # The audit log is append-only: even its readers get no change or delete permission.
    Role.AUDITOR: {"accounts.auditevent": _READ},
}
