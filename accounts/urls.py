from django.urls import path

from accounts import audit_views, login_views, security_views

app_name = "accounts"
urlpatterns = [
    # The steps after the password, and the user's own account.
    path("verify/", login_views.verify, name="verify"),
    path("enrol/", login_views.enrol, name="enrol"),
    path("enrol/qr.svg", login_views.enrol_qr, name="enrol_qr"),
    path("account/", login_views.account, name="account"),
    path("account/recovery-codes/", login_views.recovery_codes_replace, name="recovery_codes_replace"),
    path("password/", login_views.password_change, name="password_change"),
    # The security administrator.
    path("users/", security_views.user_list, name="user_list"),
    path("users/<int:user_pk>/", security_views.user_detail, name="user_detail"),
    path("users/<int:user_pk>/unlock/", security_views.user_unlock, name="user_unlock"),
    path("users/<int:user_pk>/reset-second-factor/", security_views.user_reset_second_factor,
         name="user_reset_second_factor"),
    # The audit administrator.
    path("audit/", audit_views.audit_log, name="audit_log"),
]
