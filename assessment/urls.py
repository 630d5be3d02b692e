from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from accounts.middleware import second_factor_not_required
from assessment import views

admin.site.site_header = _("干部考核与监督平台 · 管理后台")
admin.site.site_title = _("干部考核与监督平台")
admin.site.index_title = _("基础数据管理")

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "accounts/login/",
        # The password step; accounts.middleware.AccountGateMiddleware then asks for the second factor.
        second_factor_not_required(auth_views.LoginView.as_view(
            redirect_authenticated_user=True,
            extra_context={
                "failure_limit": settings.AXES_FAILURE_LIMIT,
                "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )),
        name="login",
    ),
    path("accounts/logout/", second_factor_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("i18n/setlang/", second_factor_not_required(login_not_required(set_language)), name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("assessment/", include("assessment.urls_assessment")),
    path("registry/", include("cadres.urls")),
    path("data/", include("indicators.urls")),
    path("supervision/", include("supervision.urls")),
    path("analysis/", include("assessment.urls_analysis")),
    path("feedback/", include("feedback.urls")),
    # Admin's login is the app's login and second factor (accounts.admin_site).
    path("admin/", admin.site.urls),
]
