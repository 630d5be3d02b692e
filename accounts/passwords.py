"""How old a password is, and when its owner must change it before doing anything else.

GB/T 22239-2019 reviewers expect passwords to be changed periodically (PASSWORD_MAX_AGE_DAYS, 90 by
default, 0 turns it off); OWASP ASVS 2.1.10 advises against forced rotation. This product follows the
level-3 requirement; docs/security.md states the deviation. A password chosen by someone else (an
administrator in admin, the bootstrap command) is changed at its owner's next login as well.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import UserProfile

EXPIRED = "expired"
SET_BY_SOMEONE_ELSE = "set_by_someone_else"


def record_password_saved(user) -> None:
    """Called whenever a password is saved (by the password validators' ``password_changed`` hook)."""
    if user is None or user.pk is None:
        return
    profile, _created = UserProfile.objects.get_or_create(user=user)
    profile.password_changed_at = timezone.now()
    profile.must_change_password = False
    profile.save(update_fields=["password_changed_at", "must_change_password"])


def require_change_at_next_login(user) -> None:
    profile, _created = UserProfile.objects.get_or_create(user=user)
    profile.must_change_password = True
    profile.save(update_fields=["must_change_password"])


def start_clock_if_unknown(user) -> None:
    """Accounts whose password predates this record start their clock at their next login."""
    profile = UserProfile.objects.filter(user=user).first()
    if profile is None or profile.password_changed_at is None:
        profile = profile or UserProfile(user=user)
        profile.password_changed_at = timezone.now()
        profile.save()


def password_expires_at(user):
    profile = getattr(user, "profile", None) if user.pk else None
    days = settings.PASSWORD_MAX_AGE_DAYS
    if profile is None or profile.password_changed_at is None or days <= 0:
        return None
    return profile.password_changed_at + timedelta(days=days)


def password_change_reason(user, now=None) -> str | None:
    """Why the user must change their password now, or None. Accounts without a password are not asked."""
    if not user.has_usable_password():
        return None
    profile = UserProfile.objects.filter(user=user).only("password_changed_at", "must_change_password").first()
    if profile is None:
        return None
    if profile.must_change_password:
        return SET_BY_SOMEONE_ELSE
    days = settings.PASSWORD_MAX_AGE_DAYS
    changed_at = profile.password_changed_at
    if days > 0 and changed_at is not None and (now or timezone.now()) - changed_at >= timedelta(days=days):
        return EXPIRED
    return None
