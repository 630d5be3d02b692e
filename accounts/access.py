"""The one place that answers "may this user see or do this?".

Views, exports, chart endpoints and admin go through these functions; nothing else looks at
groups. Roles and what they grant are declared in ``accounts.roles``.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.roles import CAPABILITIES, Capability, Role


def roles_of(user) -> frozenset[Role]:
    if not user or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_cached_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        user._cached_roles = cached
    return cached


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)


def can(user, capability: Capability) -> bool:
    # The superuser is the break-glass account (manage.py break_glass: a reason, a few hours, on the audit
    # log): it may do anything, and what it views is logged like anyone's.
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        return True
    return any(capability in CAPABILITIES[role] for role in roles_of(user))


def require(user, capability: Capability) -> None:
    if not can(user, capability):
        raise PermissionDenied


def capability_required(capability: Capability):
    """View decorator: 403 unless the user's roles grant the capability."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, capability)
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability
        return wrapped

    return decorator


def _profile(user):
    return getattr(user, "profile", None) if user.is_authenticated else None


def scoped_unit_id(user) -> int | None:
    """The unit a unit viewer is confined to (None for roles that are not confined to one)."""
    profile = _profile(user)
    return profile.unit_id if profile else None


def department_id(user) -> int | None:
    profile = _profile(user)
    return profile.department_id if profile else None


def units_visible_to(user, units: QuerySet) -> QuerySet:
    """Restrict a Unit queryset to what the user may open."""
    if not can(user, Capability.VIEW_UNITS):
        return units.none()
    if roles_of(user) & _UNCONFINED_UNIT_ROLES:
        return units
    # What is left is a unit viewer: its own unit and nothing else.
    unit_id = scoped_unit_id(user)
    return units.filter(pk=unit_id) if unit_id else units.none()


_UNCONFINED_UNIT_ROLES = frozenset(
    {Role.ASSESSMENT_OFFICER, Role.SUPERVISION_OFFICER, Role.DATA_PROVIDER, Role.SYSTEM_ADMIN}
)


def cadres_visible_to(user, cadres: QuerySet) -> QuerySet:
    return cadres if can(user, Capability.VIEW_CADRES) else cadres.none()


def may_see_full_id_number(user) -> bool:
    return can(user, Capability.VIEW_FULL_ID_NUMBER)
