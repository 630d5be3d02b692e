"""Writes on users and roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.models import UserProfile
from accounts.roles import MODEL_PERMISSIONS, STAFF_ROLES, Role


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


@transaction.atomic
def user_assign_roles(*, user, roles: list[Role], unit=None, department=None, full_name: str = "") -> None:
    """Give the user exactly these roles and scope; staff status follows from the roles."""
    groups = list(Group.objects.filter(name__in=[role.value for role in roles]))
    user.groups.set(groups)
    user.is_staff = any(role in STAFF_ROLES for role in roles)
    user.save(update_fields=["is_staff"])
    profile, _created = UserProfile.objects.get_or_create(user=user)
    profile.unit = unit if Role.UNIT_VIEWER in roles else None
    profile.department = department if Role.DATA_PROVIDER in roles else None
    if full_name:
        profile.full_name = full_name
    profile.full_clean()
    profile.save()
    user._cached_roles = None
