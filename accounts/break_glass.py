"""Break-glass: the only way to a superuser, for an emergency the three administrators cannot handle.

``manage.py break_glass USERNAME --reason … --hours N`` (run at the server's console, so the operator
is whoever holds it) makes the account a superuser for a few hours and writes why to the audit log. The
grant ends by itself: the account's next request after it expires, and the hourly sweep, take the
superuser flag away. The sweep also takes it from any superuser made some other way (``createsuperuser``,
a shell), and every account that becomes a superuser is logged whichever way it happened
(``accounts.signals``). The superuser still logs in with a password and a second factor.
"""

from __future__ import annotations

import getpass
import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import AuditOutcome, BreakGlassGrant
from accounts.roles import STAFF_ROLES

MIN_REASON_LENGTH = 10


def console_operator() -> str:
    """The operating-system account running the command: who broke the glass."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def generated_password(length: int = 20) -> str:
    """A random password that meets the configured policy (all four character classes)."""
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "!@#$%^&*-_=+")
    while True:
        password = "".join(secrets.choice("".join(classes)) for _index in range(length))
        if all(any(ch in chars for ch in password) for chars in classes):
            return password


def active_grant(user, now=None) -> BreakGlassGrant | None:
    now = now or timezone.now()
    return user.break_glass_grants.filter(ended_at__isnull=True, expires_at__gt=now).first()


@transaction.atomic
def grant_break_glass(*, username: str, reason: str, hours: int, operator: str) -> tuple:
    """Make ``username`` a superuser for ``hours``; create the account if there is none.

    Returns (user, grant, password): the password is set only for a new account, to be shown once."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(_("请写明使用应急超级用户的原因（至少%(count)d个字）") % {"count": MIN_REASON_LENGTH})
    if not 1 <= hours <= settings.BREAK_GLASS_MAX_HOURS:
        raise ValidationError(_("时长须在1到%(max)d小时之间") % {"max": settings.BREAK_GLASS_MAX_HOURS})
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    password = None
    if user is None:
        password = generated_password()
        user = User.objects.create_user(username=username, password=password)
    user.is_superuser = True
    user.is_staff = True
    user.is_active = True
    user._break_glass = True  # tells the superuser signal that this one is granted, not smuggled
    user.save(update_fields=["is_superuser", "is_staff", "is_active"])
    grant = BreakGlassGrant.objects.create(
        user=user, reason=reason, granted_by=operator, expires_at=timezone.now() + timedelta(hours=hours))
    record_event("auth.break_glass.granted", obj=user, username=user.get_username(), reason=reason,
                 hours=hours, expires_at=grant.expires_at.isoformat(), operator=operator, new_account=bool(password))
    return user, grant, password


@transaction.atomic
def end_break_glass(user, *, why: str, operator: str = "") -> None:
    """Take the superuser flag away; admin stays only if the account's own roles give it."""
    from accounts.access import roles_of

    now = timezone.now()
    ended = user.break_glass_grants.filter(ended_at__isnull=True).update(ended_at=now)
    user._cached_roles = None
    user.is_superuser = False
    user.is_staff = any(role in STAFF_ROLES for role in roles_of(user))
    user.save(update_fields=["is_superuser", "is_staff"])
    record_event("auth.break_glass.ended", obj=user, username=user.get_username(), why=why,
                 grants_ended=ended, operator=operator,
                 outcome=AuditOutcome.SUCCESS if ended else AuditOutcome.DENIED)


def expired_grant_holder(user, now=None) -> bool:
    """A superuser whose every grant has run out (accounts made superuser otherwise are left to the sweep)."""
    if not user.is_superuser:
        return False
    grants = user.break_glass_grants.all()
    return grants.exists() and not grants.filter(ended_at__isnull=True, expires_at__gt=now or timezone.now()).exists()


def end_expired_break_glass(now=None) -> list:
    """The hourly sweep: every superuser without a running grant stops being one."""
    now = now or timezone.now()
    ended = []
    for user in get_user_model().objects.filter(is_superuser=True).order_by("pk"):
        if active_grant(user, now) is None:
            had_grant = user.break_glass_grants.exists()
            end_break_glass(user, why="expired" if had_grant else "not_granted_by_break_glass")
            ended.append(user)
    return ended
