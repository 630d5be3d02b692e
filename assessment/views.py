from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.access import can, capability_required, roles_of, scoped_unit_id
from accounts.roles import Capability
from assessment import selectors
from assessment.models import Scheme
from cadres.models import Appointment, Cadre, Unit


@capability_required(Capability.VIEW_DASHBOARD)
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    context = {"roles": roles_of(user), "today": today}
    if can(user, Capability.VIEW_UNITS):
        context["unit_count"] = Unit.objects.active().count()
    if can(user, Capability.VIEW_CADRES):
        context["cadre_count"] = Cadre.objects.count()
        context["appointment_count"] = Appointment.objects.active_on(today).count()
        context["recent_appointments"] = (
            Appointment.objects.select_related("cadre", "unit").order_by("-start_date", "-pk")[:8]
        )
    if can(user, Capability.VIEW_SCHEMES):
        context["schemes"] = Scheme.objects.annotate(
            track_count=Count("tracks", distinct=True), unit_count=Count("memberships", distinct=True)
        )
    if can(user, Capability.VIEW_UNITS) and not can(user, Capability.VIEW_CADRES):
        unit_id = scoped_unit_id(user)
        context["own_unit"] = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    return render(request, "dashboard.html", context)


@capability_required(Capability.VIEW_SCHEMES)
def scheme_list(request):
    schemes = Scheme.objects.annotate(
        track_count=Count("tracks", distinct=True), unit_count=Count("memberships", distinct=True)
    )
    return render(request, "assessment/scheme_list.html", {"schemes": schemes})


@capability_required(Capability.VIEW_SCHEMES)
def scheme_detail(request, pk: int):
    scheme = get_object_or_404(Scheme, pk=pk)
    tracks = scheme.tracks.prefetch_related("memberships__unit")
    return render(request, "assessment/scheme_detail.html", {"scheme": scheme, "tracks": tracks})


@capability_required(Capability.VIEW_RESULTS)
def period_list(request):
    periods = selectors.periods_visible_to(request.user).order_by("-start_date", "scheme__name")
    return render(request, "assessment/period_list.html", {"periods": periods})


@capability_required(Capability.VIEW_RESULTS)
def period_detail(request, pk: int):
    period = selectors.period_for(request.user, pk)
    tracks = list(period.scheme.tracks.order_by("sort_order", "code"))
    track = next((t for t in tracks if str(t.pk) == request.GET.get("track")), tracks[0] if tracks else None)
    components, rows = selectors.ranking_rows(period, track) if track else ([], [])
    return render(request, "assessment/period_detail.html", {
        "period": period, "tracks": tracks, "track": track, "components": components, "rows": rows,
    })


@capability_required(Capability.VIEW_RESULTS)
def period_status(request, pk: int):
    """Polled by the period page while a recompute is pending; reloads the page when it is done."""
    period = selectors.period_for(request.user, pk)
    response = render(request, "assessment/_period_status.html", {"period": period, "polling": True})
    if not period.recompute_pending and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def unit_result(request, pk: int, unit_pk: int):
    if not (can(request.user, Capability.VIEW_RESULTS) or can(request.user, Capability.VIEW_OWN_UNIT_RESULTS)):
        raise PermissionDenied
    period = selectors.period_for(request.user, pk)
    unit = get_object_or_404(Unit, pk=unit_pk)
    if not selectors.may_see_unit_result(request.user, unit):
        raise Http404
    detail = selectors.unit_result_detail(period, unit)
    return render(request, "assessment/unit_result.html", {
        "period": period, "unit": unit, "detail": detail,
        "tier_name": period.scheme.tier_name(detail.result.tier) if detail.result else "",
        "may_open_cadres": can(request.user, Capability.VIEW_CADRES),
        "may_see_ranking": can(request.user, Capability.VIEW_RESULTS),
    })
