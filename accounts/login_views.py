"""The steps after the password: the code form, enrolment with a QR code, recovery codes, the password
change that an expired password forces, the user's own account page, and Django admin's login."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import passwords, second_factor
from accounts.audit import record_event
from accounts.forms import CodeForm
from accounts.middleware import password_change_not_required, second_factor_not_required
from accounts.second_factor import VerificationResult


def _next_url(request, default: str = "dashboard") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse(default)


@never_cache
@second_factor_not_required
def verify(request):
    """Step two of logging in: a code from the authenticator app, or one recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not second_factor.has_authenticator(user):
        return redirect(f"{reverse('accounts:enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = second_factor.verify(request, form.cleaned_data["token"])
        if result == VerificationResult.VERIFIED:
            left = second_factor.recovery_codes_left(user)
            if left <= 3:
                messages.warning(request, _("您只剩%(count)d个恢复码，请在“账号安全”中重新生成。") % {"count": left})
            return redirect(_next_url(request))
        if result == VerificationResult.THROTTLED:
            form.add_error("token", _("验证失败次数过多，请稍等片刻再试。"))
        else:
            form.add_error("token", _("验证码不正确或已使用，请重新输入。"))
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@second_factor_not_required
def enrol(request):
    """First login: scan the QR code into an authenticator app and confirm it with its first code."""
    user = request.user
    if second_factor.has_authenticator(user):
        # Replacing an authenticator goes through the security administrator's reset, never this page.
        return redirect(_next_url(request) if user.is_verified() else reverse("accounts:verify"))
    device = second_factor.pending_authenticator(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(request, device, form.cleaned_data["token"])
        if codes is not None:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("token", _("验证码不正确，请核对手机时间后重新输入。"))
    return render(request, "accounts/enrol.html", {
        "form": form, "next": _next_url(request), "secret": second_factor.secret_for_typing(device),
    })


@never_cache
@second_factor_not_required
def enrol_qr(request):
    """The pending authenticator's QR code as SVG (an <img> of this server, allowed by the CSP)."""
    if second_factor.has_authenticator(request.user):
        raise Http404
    device = second_factor.pending_authenticator(request.user)
    response = HttpResponse(second_factor.qr_code_svg(device), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def account(request):
    """The user's own account: second factor, recovery codes left, password age."""
    user = request.user
    return render(request, "accounts/account.html", {
        "authenticator": second_factor.authenticator(user),
        "recovery_codes_left": second_factor.recovery_codes_left(user),
        "password_expires_at": passwords.password_expires_at(user),
        "profile": getattr(user, "profile", None),
    })


@never_cache
@require_POST
def recovery_codes_replace(request):
    codes = second_factor.replace_recovery_codes(request.user)
    record_event("auth.recovery_codes.replaced", request=request, obj=request.user, count=len(codes))
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:account")})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's change form; it says why when the gate sent the user here, and is logged."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("dashboard")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "reason": passwords.password_change_reason(self.request.user),
                "next": _next_url(self.request)}

    def form_valid(self, form):
        reason = passwords.password_change_reason(self.request.user)
        response = super().form_valid(form)
        record_event("auth.password.changed", request=self.request, obj=self.request.user, forced_by=reason or "")
        messages.success(self.request, _("密码已修改。"))
        return response

    def get_success_url(self):
        return _next_url(self.request)


password_change = password_change_not_required(PasswordChangeView.as_view())


@login_not_required
def admin_login(request):
    """Django admin has no login of its own (accounts.admin_site): the app's login, with its second factor,
    is the only way in. Admin's password form is never shown, so it cannot be used to skip the code."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
    if not user.is_verified():
        return redirect(f"{reverse('accounts:verify')}?{request.GET.urlencode()}")
    if user.is_staff:
        return redirect(_next_url(request, default="admin:index"))
    raise PermissionDenied
