from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django_tables2 import RequestConfig

from accounts.access import can, capability_required, roles_of, scoped_unit_id
from accounts.roles import Capability
from assessment import selectors
from assessment.analysis import dimension_sentence, trends
from assessment.analysis.ranking import RankingFilter, RankingTable, ranking_data
from assessment.analysis_views import publishing_context
from assessment.models import Scheme, UnitResult
from cadres.models import Appointment, Cadre, Unit


@capability_required(Capability.VIEW_DASHBOARD)
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    context = {"roles": roles_of(user), "today": today}
    # A unit viewer sees its own unit, not a count of everybody's.
    if can(user, Capability.VIEW_UNITS) and scoped_unit_id(user) is None:
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
    if can(user, Capability.VIEW_RESULTS):
        context["latest_periods"] = selectors.periods_visible_to(user).order_by("-start_date", "scheme__name")[:4]
        context["may_review"] = can(user, Capability.REVIEW_UPLOADS)
    if can(user, Capability.VIEW_UNITS) and not can(user, Capability.VIEW_CADRES):
        unit_id = scoped_unit_id(user)
        context["own_unit"] = Unit.objects.filter(pk=unit_id).first() if unit_id else None
        if unit_id and can(user, Capability.VIEW_OWN_UNIT_RESULTS):
            context["own_results"] = (UnitResult.objects.filter(unit_id=unit_id, period__in=selectors.periods_visible_to(user))
                                      .select_related("period__scheme", "track").order_by("-period__start_date"))
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
    """The ranking of one track (排名): filtered by tier and name, sortable by any column."""
    period = selectors.period_for(request.user, pk)
    tracks = list(period.scheme.tracks.order_by("sort_order", "code"))
    track = next((t for t in tracks if str(t.pk) == request.GET.get("track")), tracks[0] if tracks else None)
    components = list(period.scheme.components.order_by("sort_order", "pk"))
    results = UnitResult.objects.filter(period=period, track=track)
    filterset = RankingFilter(request.GET, queryset=results, period=period)
    table = RankingTable(ranking_data(filterset.qs, components), period=period, components=components)
    RequestConfig(request, paginate=False).configure(table)
    return render(request, "assessment/period_detail.html", {
        "period": period, "tracks": tracks, "track": track, "filter": filterset, "table": table,
        "has_results": results.exists(), "may_review": can(request.user, Capability.REVIEW_UPLOADS),
        **publishing_context(request, period),
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
    """One unit's result: officers see every unit, a unit viewer its own once the period is published."""
    period, unit = selectors.unit_result_scope(request.user, pk, unit_pk)
    detail = selectors.unit_result_detail(period, unit)
    periods = trends.period_series(period, selectors.periods_visible_to(request.user))
    return render(request, "assessment/unit_result.html", {
        "period": period, "unit": unit, "detail": detail,
        "tier_name": period.scheme.tier_name(detail.result.tier) if detail.result else "",
        "strength_sentences": [dimension_sentence(d) for d in detail.strengths],
        "weakness_sentences": [dimension_sentence(d) for d in detail.weaknesses],
        "trend": trends.unit_trend(unit, periods),
        "attributions": selectors.attributed_scores(detail),
        "may_open_cadres": can(request.user, Capability.VIEW_CADRES),
        "may_see_ranking": can(request.user, Capability.VIEW_RESULTS),
    })
