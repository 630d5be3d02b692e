"""Authentication events go to the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.audit import record_event
from accounts.models import AuditOutcome


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    record_event("auth.login", user=user, request=request)


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event("auth.logout", user=user, request=request)


@receiver(user_login_failed)
def log_login_failure(sender, credentials, request=None, **kwargs):
    record_event(
        "auth.login_failed", request=request, outcome=AuditOutcome.FAILURE,
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def log_lockout(sender, request, username=None, ip_address=None, **kwargs):
    record_event("auth.locked_out", request=request, outcome=AuditOutcome.DENIED, username=username or "")
