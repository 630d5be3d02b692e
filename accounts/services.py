"""Writes on users and roles: the role table into groups, role assignment (三员分立), unlocking, and the
nightly deactivation of unused accounts. Each write that matters goes to the audit log with it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import AuditOutcome, UserProfile
from accounts.roles import MODEL_PERMISSIONS, STAFF_ROLES, Role, role_combination_problem


def sync_role_groups() -> None:
    """Create one group per role and give it exactly the model permissions the roles table grants."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for model_label, actions in MODEL_PERMISSIONS.get(role, {}).items():
            app_label, model = model_label.split(".")
            codenames = [f"{action}_{model}" for action in actions]
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
        group.permissions.set(wanted)


def roles_held(user) -> list[Role]:
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in Role if role.value in names]


@transaction.atomic
def user_assign_roles(*, user, roles: list[Role], unit=None, department=None, full_name: str = "",
                      clearance: int | None = None) -> None:
    """Give the user exactly these roles and scope; staff status follows from the roles.

    Refuses (ValidationError) roles that one account may not hold together (三员分立)."""
    problem = role_combination_problem(roles)
    if problem:
        raise ValidationError(problem, code="separation_of_duties")
    groups = list(Group.objects.filter(name__in=[role.value for role in roles]))
    user.groups.set(groups)
    # A break-glass superuser keeps admin until its grant ends (accounts.break_glass).
    user.is_staff = user.is_superuser or any(role in STAFF_ROLES for role in roles)
    user.save(update_fields=["is_staff"])
    profile, _created = UserProfile.objects.get_or_create(user=user)
    profile.unit = unit if Role.UNIT_VIEWER in roles else None
    profile.department = department if Role.DATA_PROVIDER in roles else None
    if full_name:
        profile.full_name = full_name
    if clearance is not None:
        profile.clearance = clearance
    profile.full_clean()
    profile.save()
    user._cached_roles = None


def _scope_codes(user) -> dict:
    profile = UserProfile.objects.filter(user=user).select_related("unit", "department").first()
    return {
        "unit": profile.unit.code if profile and profile.unit else "",
        "department": profile.department.code if profile and profile.department else "",
        "clearance": profile.clearance if profile else None,
    }


def user_change_roles(*, actor, user, roles: list[Role], unit=None, department=None, clearance: int | None = None,
                      request=None) -> None:
    """The security administrator's assignment of roles, refused and logged when it breaks 三员分立."""
    problem = None
    if actor.pk == user.pk:
        problem = _("不能修改自己的角色，请由另一位安全管理员操作")
    problem = problem or role_combination_problem(roles)
    if problem:
        # Logged before refusing, outside any transaction that the refusal would roll back.
        record_event("accounts.roles.refused", user=actor, request=request, obj=user,
                     outcome=AuditOutcome.DENIED, wanted=[role.value for role in roles], reason=str(problem))
        raise ValidationError(problem, code="separation_of_duties")
    with transaction.atomic():
        before = {"roles": [role.value for role in roles_held(user)], **_scope_codes(user)}
        user_assign_roles(user=user, roles=roles, unit=unit, department=department, clearance=clearance)
        after = {"roles": [role.value for role in roles], **_scope_codes(user)}
        if after != before:
            record_event("accounts.roles.changed", user=actor, request=request, obj=user,
                         before=before, after=after)


# --- Lockout (django-axes) ------------------------------------------------------------------

def locked_usernames(usernames=None) -> set[str]:
    """Which of these accounts are locked out now by repeated password failures."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    )
    if usernames is not None:
        attempts = attempts.filter(username__in=list(usernames))
    return set(attempts.values_list("username", flat=True))


def account_unlock(*, actor, user, request=None) -> int:
    """Forget the account's failed logins (django-axes) so that it can log in at once."""
    from axes.utils import reset

    was_locked = user.get_username() in locked_usernames([user.get_username()])
    removed = reset(username=user.get_username())
    record_event("accounts.unlocked", user=actor, request=request, obj=user, was_locked=was_locked,
                 attempts_cleared=removed)
    return removed


# --- Accounts nobody uses ------------------------------------------------------------------

def inactive_accounts(now=None):
    """Active accounts with no login in ACCOUNT_INACTIVE_DAYS (or none since they were created that long ago)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCOUNT_INACTIVE_DAYS)
    return get_user_model().objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))


@transaction.atomic
def disable_inactive_accounts(*, now=None) -> list:
    """Deactivate every account unused for ACCOUNT_INACTIVE_DAYS; each one is written to the audit log.

    A deactivated account cannot log in and its open sessions end; the system administrator can
    reactivate it in admin."""
    disabled = []
    for user in inactive_accounts(now).order_by("pk"):
        user.is_active = False
        user.save(update_fields=["is_active"])
        record_event("accounts.user.disabled_inactive", obj=user, days=settings.ACCOUNT_INACTIVE_DAYS,
                     last_login=user.last_login.isoformat() if user.last_login else None)
        disabled.append(user)
    return disabled
