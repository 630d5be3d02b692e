"""The account gate: after the password, nothing opens until the second factor and a current password.

Runs after django-otp's OTPMiddleware (which tells whether this session's second factor is verified) and
after LoginRequiredMiddleware (which has already sent anonymous visitors to the login page). For every
view, Django admin included, a signed-in session is sent

1. to the code form (or to enrolment, for an account without an authenticator) until it is verified;
2. then, if the password has expired or was chosen by an administrator, to the change-password form;

except to the few views that those steps need, marked with the decorators below. A break-glass superuser
whose grant has run out is logged out here as well.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import passwords, second_factor


def _mark(view, attribute: str):
    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    for name in ("second_factor_not_required", "password_change_not_required"):
        setattr(wrapped, name, getattr(view, name, False))
    setattr(wrapped, attribute, True)
    return wrapped


def second_factor_not_required(view):
    """The views a session needs before its second factor: the code form, enrolment, logout, language."""
    return _mark(_mark(view, "second_factor_not_required"), "password_change_not_required")


def password_change_not_required(view):
    """The views an expired password may still open: the change form itself and the account page's links."""
    return _mark(view, "password_change_not_required")


class AccountGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        if user.is_superuser:
            from accounts.break_glass import end_break_glass, expired_grant_holder

            if expired_grant_holder(user):
                end_break_glass(user, why="expired")
                logout(request)
                return redirect_to_login(request.get_full_path())
        next_url = request.get_full_path()
        if second_factor.second_factor_required(user) and not user.is_verified():
            if getattr(view_func, "second_factor_not_required", False):
                return None
            step = "accounts:verify" if second_factor.has_authenticator(user) else "accounts:enrol"
            return redirect(f"{reverse(step)}?{urlencode({'next': next_url})}")
        if getattr(view_func, "password_change_not_required", False):
            return None
        if passwords.password_change_reason(user) is not None:
            # The form says why (expired, or chosen by an administrator).
            return redirect(f"{reverse('accounts:password_change')}?{urlencode({'next': next_url})}")
        return None
