"""Django admin behind the app's own login and second factor.

``settings.INSTALLED_APPS`` names ``accounts.admin_site.AdminConfig`` instead of ``django.contrib.admin``,
so ``admin.site`` (where every app registers its models) is this site: its login page is the app's
login, and it opens only to a session whose second factor is verified, even without the account gate."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


class VerifiedAdminSite(admin.AdminSite):
    def has_permission(self, request):
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and callable(is_verified) and is_verified()

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        from accounts.login_views import admin_login

        return admin_login(request)


class AdminConfig(DjangoAdminConfig):
    default_site = "accounts.admin_site.VerifiedAdminSite"
