"""Users in Django admin, for the system administrator: create, name, deactivate. Not roles.

Roles (groups), model permissions and the superuser flag are not on these forms at all: the security
administrator assigns roles in the app (accounts.security_views), and a superuser exists only through
``manage.py break_glass``. The system administrator may not edit the accounts of the two administrators
who check on them (security and audit). Every change made here is also written to the audit log."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import record_event
from accounts.models import AuditEvent, BreakGlassGrant, UserProfile
from accounts.passwords import require_change_at_next_login
from accounts.roles import Role

admin.site.unregister(User)
# Second-factor secrets are nobody's to read: the security administrator resets a device in the app.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)

# Accounts that the system administrator may look at but not change (三员分立: no one edits their checker).
PROTECTED_ROLES = (Role.SECURITY_ADMIN, Role.AUDITOR)

# Scope (unit, department) decides what a user sees: it is set with the roles, by the security administrator.
SCOPE_FIELDS = ("unit", "department", "password_changed_at", "must_change_password")


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    fields = ("full_name", *SCOPE_FIELDS)
    readonly_fields = SCOPE_FIELDS
    verbose_name_plural = _("用户资料")



@admin.register(User)
class AccountAdmin(UserAdmin):
    inlines = [UserProfileInline]
    list_display = ("username", "profile_name", "role_names", "is_active", "last_login")
    list_filter = ("is_active", "groups")
    list_select_related = ("profile",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("状态"), {"fields": ("is_active", "role_names", "last_login", "date_joined")}),
    )
    readonly_fields = ("role_names", "last_login", "date_joined")

    @admin.display(description=_("姓名"))
    def profile_name(self, user):
        profile = getattr(user, "profile", None)
        return profile.full_name if profile else ""

    @admin.display(description=_("角色（由安全管理员分配）"))
    def role_names(self, user):
        names = set(user.groups.values_list("name", flat=True)) if user.pk else set()
        labels = [str(role.label) for role in Role if role.value in names]
        if user.is_superuser:
            labels.append(str(_("应急超级用户")))
        return "、".join(labels) or "—"

    def get_inline_instances(self, request, obj=None):
        # On the add page the profile is made when the password is saved; the inline follows on the change page.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.pk != request.user.pk and not request.user.is_superuser:
            names = set(obj.groups.values_list("name", flat=True))
            if obj.is_superuser or any(role.value in names for role in PROTECTED_ROLES):
                return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # The administrator chose this password: its owner replaces it at first login.
            require_change_at_next_login(obj)
            record_event("accounts.user.created", request=request, obj=obj)
        elif form.changed_data:
            record_event("accounts.user.changed", request=request, obj=obj, fields=sorted(form.changed_data),
                         is_active=obj.is_active)

    def user_change_password(self, request, id, form_url=""):
        before = self.get_object(request, id)
        response = super().user_change_password(request, id, form_url)
        after = self.get_object(request, id)
        if before is not None and after is not None and after.password != before.password:
            if after.pk != request.user.pk:
                require_change_at_next_login(after)
            record_event("accounts.password.set_by_administrator", request=request, obj=after,
                         usable=after.has_usable_password())
        return response


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "full_name", "unit", "department")
    search_fields = ("user__username", "full_name")
    autocomplete_fields = ("user",)
    fields = ("user", "full_name", *SCOPE_FIELDS)
    readonly_fields = SCOPE_FIELDS
    list_select_related = ("user", "unit", "department")


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(admin.ModelAdmin):
    """Read-only: grants are made by ``manage.py break_glass`` at the console."""

    list_display = ("user", "granted_at", "expires_at", "ended_at", "granted_by", "reason")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone: the log is append-only, in admin as everywhere else."""

    list_display = ("occurred_at", "username", "action", "outcome", "object_repr", "ip_address")
    list_filter = ("outcome", "action")
    search_fields = ("username", "action", "object_repr")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
