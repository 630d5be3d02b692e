"""Reads of the registry for pages, restricted to what the user may see."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import cadres_visible_to, units_visible_to
from cadres.models import Appointment, Cadre, Unit


def unit_list(user) -> QuerySet[Unit]:
    today = timezone.localdate()
    current = Q(appointments__start_date__lte=today) & (
        Q(appointments__end_date__isnull=True) | Q(appointments__end_date__gte=today)
    )
    return units_visible_to(user, Unit.objects.all()).select_related("parent").annotate(
        cadre_count=Count("appointments__cadre", filter=current, distinct=True)
    )


def unit_detail(user, pk: int) -> Unit:
    return get_object_or_404(units_visible_to(user, Unit.objects.select_related("parent")), pk=pk)


def unit_team(unit: Unit, on: date | None = None) -> list[Appointment]:
    """The unit's leadership at a date: principals first, then deputies, then members."""
    order = {"principal": 0, "deputy": 1, "member": 2}
    appointments = list(
        Appointment.objects.active_on(on or timezone.localdate()).filter(unit=unit).select_related("cadre")
    )
    return sorted(appointments, key=lambda item: (order.get(item.role, 9), item.start_date, item.cadre.name))


def unit_tracks(unit: Unit) -> list:
    """The unit's places in the schemes' tracks, latest year first (the assessment app's memberships)."""
    return list(unit.track_memberships.select_related("track", "scheme").order_by("-scheme__year"))


def cadre_list(user) -> QuerySet[Cadre]:
    today = timezone.localdate()
    current = Appointment.objects.active_on(today).select_related("unit").order_by("role", "start_date")
    return cadres_visible_to(user, Cadre.objects.all()).prefetch_related(
        Prefetch("appointments", queryset=current, to_attr="current_posts")
    )


def cadre_detail(user, pk: int) -> Cadre:
    return get_object_or_404(cadres_visible_to(user, Cadre.objects.all()), pk=pk)


def cadre_appointments(cadre: Cadre) -> list[Appointment]:
    return list(cadre.appointments.select_related("unit").order_by("-start_date", "-pk"))
