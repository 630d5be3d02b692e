"""Users' scope (which unit or department they act for), their password's age, break-glass grants and
the append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class Clearance(models.IntegerChoices):
    """How classified a supervision record a user may read (涉密权限); records carry the same scale."""

    NORMAL = 1, _("普通")
    SENSITIVE = 2, _("敏感")
    CORE = 3, _("核心")


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="profile"
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    unit = models.ForeignKey(
        "cadres.Unit", verbose_name=_("所属被考核单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="viewer_profiles", help_text=_("被考核单位用户只能看到本单位"),
    )
    department = models.ForeignKey(
        "cadres.Unit", verbose_name=_("填报部门"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="provider_profiles", help_text=_("职能部门填报员只能填报本部门提供的指标"),
    )
    # Set by the security administrator with the roles; 核心 is given to few (supervision.clearance).
    clearance = models.PositiveSmallIntegerField(_("涉密权限"), choices=Clearance.choices, default=Clearance.SENSITIVE)
    # Written whenever the password is saved (accounts.validators.PasswordAgeValidator.password_changed).
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Set when someone other than the user chose the password (admin, bootstrap): it is changed at next login.
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户资料")
        verbose_name_plural = _("用户资料")

    def __str__(self) -> str:
        return self.full_name or self.user.get_username()


class BreakGlassGrant(models.Model):
    """A superuser granted by ``manage.py break_glass``: why, by whom at the console, and until when.

    A superuser passes every capability (accounts.access.can), so the grant is short and ends by itself:
    the next request after ``expires_at`` and the hourly sweep both take the superuser flag away."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT,
                             related_name="break_glass_grants")
    reason = models.TextField(_("原因"))
    granted_by = models.CharField(_("操作人（操作系统账号）"), max_length=150)
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("应急超级用户授权")
        verbose_name_plural = _("应急超级用户授权")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.granted_at:%Y-%m-%d %H:%M}"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("审计日志只能追加，不能修改"))

    def delete(self):
        raise PermissionDenied(_("审计日志只能追加，不能删除"))


class AuditEvent(models.Model):
    """One security-relevant event. Rows are only ever added; nothing in the app edits or deletes them."""

    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    # The name is kept as typed so that failed logins and later-renamed users stay readable.
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    action = models.CharField(_("事件"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-occurred_at", "-pk"]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(_("审计日志只能追加，不能修改"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("审计日志只能追加，不能删除"))


def role_names_for_display(user) -> list[str]:
    codes = set(user.groups.values_list("name", flat=True))
    return [str(role.label) for role in Role if role.value in codes]
