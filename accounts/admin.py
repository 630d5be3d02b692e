from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, UserProfile


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    autocomplete_fields = ("unit", "department")
    verbose_name_plural = _("用户资料")


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    inlines = [UserProfileInline]
    list_display = ("username", "profile_name", "is_active", "is_staff", "last_login")
    list_select_related = ("profile",)

    @admin.display(description=_("姓名"))
    def profile_name(self, user):
        profile = getattr(user, "profile", None)
        return profile.full_name if profile else ""


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "full_name", "unit", "department")
    search_fields = ("user__username", "full_name")
    autocomplete_fields = ("user", "unit", "department")
    list_select_related = ("user", "unit", "department")


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
