"""What of the feedback area a user may open (SPEC §1, §3).

Officers with ``VIEW_FEEDBACK`` see every unit's feedback and rectification items in every period; a
unit viewer sees its own unit's, and only in published periods. Anything else answers 404, so that a
unit viewer cannot even learn whether another unit's report or item exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.access import can, scoped_unit_id
from accounts.roles import Capability
from assessment.models import Period, PeriodState
from cadres.models import Unit
from feedback.models import RectificationEvidence, RectificationItem


def reads_all_feedback(user) -> bool:
    return can(user, Capability.VIEW_FEEDBACK)


def reads_own_feedback(user) -> bool:
    """A unit viewer: its own unit's published report."""
    return can(user, Capability.VIEW_OWN_UNIT_RESULTS) and scoped_unit_id(user) is not None


def reads_own_rectification(user) -> bool:
    return can(user, Capability.UPDATE_OWN_RECTIFICATION) and scoped_unit_id(user) is not None


def require_feedback_reader(user) -> None:
    """403 for roles that have no feedback page at all (before any object is looked up)."""
    if not (reads_all_feedback(user) or can(user, Capability.VIEW_OWN_UNIT_RESULTS)):
        raise PermissionDenied


def require_rectification_reader(user) -> None:
    if not (reads_all_feedback(user) or can(user, Capability.UPDATE_OWN_RECTIFICATION)):
        raise PermissionDenied


def feedback_periods_for(user) -> QuerySet[Period]:
    periods = Period.objects.select_related("scheme")
    if reads_all_feedback(user):
        return periods
    if reads_own_feedback(user) or reads_own_rectification(user):
        return periods.filter(state=PeriodState.PUBLISHED)
    return periods.none()


def feedback_period_for(user, pk: int) -> Period:
    try:
        return feedback_periods_for(user).get(pk=pk)
    except Period.DoesNotExist as exc:
        raise Http404 from exc


def feedback_unit_for(user, unit_pk: int) -> Unit:
    """The unit whose report is asked for: any unit for officers, only its own for a unit viewer."""
    unit = get_object_or_404(Unit, pk=unit_pk)
    if reads_all_feedback(user) or unit.pk == scoped_unit_id(user):
        return unit
    raise Http404


def rectifications_visible_to(user) -> QuerySet[RectificationItem]:
    items = RectificationItem.objects.select_related("period__scheme", "unit")
    if reads_all_feedback(user):
        return items
    if reads_own_rectification(user):
        return items.filter(unit_id=scoped_unit_id(user), period__state=PeriodState.PUBLISHED)
    return items.none()


def rectification_for(user, pk: int) -> RectificationItem:
    try:
        return rectifications_visible_to(user).get(pk=pk)
    except RectificationItem.DoesNotExist as exc:
        raise Http404 from exc


def evidence_for(user, pk: int) -> RectificationEvidence:
    evidence = get_object_or_404(RectificationEvidence.objects.select_related("item"), pk=pk)
    if not rectifications_visible_to(user).filter(pk=evidence.item_id).exists():
        raise Http404
    return evidence


def may_update_progress(user, item: RectificationItem) -> bool:
    """Only the unit itself reports progress on its items; the office confirms or returns them."""
    return (can(user, Capability.UPDATE_OWN_RECTIFICATION) and item.unit_id == scoped_unit_id(user)
            and item.period.state == PeriodState.PUBLISHED)
