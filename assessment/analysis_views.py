"""The analysis pages (指标分析, 趋势分析, 领域分析), their chart data, the circular download and
the publishing moves (the 周期看板 is the site's: assessment/site/views.py). Reads are in ``assessment.analysis``, rules in ``assessment.publishing``; every
view, the JSON ones included, checks the user's capability and scope first."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import can, capability_required
from accounts.audit import record_event
from accounts.roles import Capability
from assessment import exports, publishing, selectors
from assessment.analysis import charts, distributions, domains, period_overview, trends
from assessment.analysis.forms import LockForm, PublishForm, UnlockForm, WithdrawForm
from assessment.models import Indicator, Period, PeriodState, Track, TrackMembership
from cadres.models import Unit

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chart_response(payload: dict) -> JsonResponse:
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, private=True, no_store=True)
    return response


def _indicator_of(period: Period, indicator_pk) -> Indicator:
    return get_object_or_404(Indicator.objects.select_related("dimension", "scheme"), pk=indicator_pk,
                             scheme_id=period.scheme_id)


def _track_of(period: Period, track_pk) -> Track:
    return get_object_or_404(Track, pk=track_pk, scheme_id=period.scheme_id)


def analysis_page(request, template: str, context: dict):
    """Render an analysis page; the period's tabs show the dashboard to those who may review uploads."""
    return render(request, template, {"may_review": can(request.user, Capability.REVIEW_UPLOADS), **context})


def _picked(request, name: str, choices: list, default=None):
    """The object among ``choices`` whose pk the query string names, else ``default``."""
    wanted = request.GET.get(name, "")
    return next((choice for choice in choices if str(choice.pk) == wanted), default)


# --- Overview and period dashboard -----------------------------------------------------------------


@capability_required(Capability.VIEW_RESULTS)
def index(request):
    periods = selectors.periods_visible_to(request.user).order_by("-start_date", "scheme__name", "code")
    return analysis_page(request, "assessment/analysis_index.html", {"periods": periods})


def publishing_context(request, period: Period) -> dict:
    """What the publishing card needs; on the period page and the period dashboard alike."""
    missing_units = publishing.units_with_missing_values(period)
    return {
        "may_publish": can(request.user, Capability.PUBLISH_RESULTS),
        "publish_blockers": publishing.publish_blockers(period) if period.state == PeriodState.LOCKED else [],
        "missing_units": missing_units,
        "lock_form": LockForm(),
        "publish_form": PublishForm(missing_units=missing_units),
        "unlock_form": UnlockForm(),
        "withdraw_form": WithdrawForm(),
    }


@capability_required(Capability.VIEW_RESULTS)
def tier_chart(request, period_pk: int):
    period = selectors.period_for(request.user, period_pk)
    return _chart_response(charts.tier_chart(period_overview.tier_counts(period), period.scheme))


# --- Publishing ------------------------------------------------------------------------------------


def _after_move(request, period: Period):
    # Back to the page the form was on: the period dashboard or the period page.
    if request.POST.get("back") == "period":
        return redirect("assessment:period_detail", pk=period.pk)
    return redirect("analysis:period_dashboard", period_pk=period.pk)


def _form_refusal(form) -> str:
    return "；".join(str(error) for errors in form.errors.values() for error in errors)


@require_POST
@capability_required(Capability.PUBLISH_RESULTS)
def period_lock(request, period_pk: int):
    period = get_object_or_404(Period, pk=period_pk)
    form = LockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未锁定：请勾选确认。"))
        return _after_move(request, period)
    try:
        publishing.period_lock(period=period, user=request.user, request=request)
    except publishing.PublishingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("已锁定%(period)s：统计数据不能再修改，请核对结果后发布。") % {"period": period})
    return _after_move(request, period)


@require_POST
@capability_required(Capability.PUBLISH_RESULTS)
def period_publish(request, period_pk: int):
    period = get_object_or_404(Period, pk=period_pk)
    form = PublishForm(request.POST, missing_units=publishing.units_with_missing_values(period))
    if not form.is_valid():
        messages.error(request, _("未发布：请勾选确认。"))
        return _after_move(request, period)
    try:
        publishing.period_publish(period=period, user=request.user, request=request,
                                  missing_confirmed=form.cleaned_data.get("missing_confirmed", False))
    except publishing.PublishingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("已发布%(period)s：各单位现在可以查看本单位的结果。") % {"period": period})
    return _after_move(request, period)


@require_POST
@capability_required(Capability.PUBLISH_RESULTS)
def period_withdraw(request, period_pk: int):
    return _move_with_reason(request, period_pk, WithdrawForm, publishing.period_withdraw,
                             missing=_("请填写撤回原因"), refused=_("未撤回："),
                             done=_("已撤回%(period)s的发布，各单位暂时看不到结果。"))


@require_POST
@capability_required(Capability.PUBLISH_RESULTS)
def period_unlock(request, period_pk: int):
    return _move_with_reason(request, period_pk, UnlockForm, publishing.period_unlock,
                             missing=_("请填写解锁原因"), refused=_("未解锁："),
                             done=_("已解锁%(period)s，各部门可以重新上传数据。"))


def _move_with_reason(request, period_pk: int, form_class, move, *, missing: str, refused: str, done: str):
    """A move back (withdraw, unlock) that needs the officer's reason, which the service logs."""
    period = get_object_or_404(Period, pk=period_pk)
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise publishing.PublishingRefused(missing)
        move(period=period, user=request.user, reason=form.cleaned_data["reason"], request=request)
    except publishing.PublishingRefused as refusal:
        messages.error(request, refused + refusal.message)
    else:
        messages.success(request, done % {"period": period})
    return _after_move(request, period)


# --- The circular -----------------------------------------------------------------------------------


@capability_required(Capability.VIEW_RESULTS)
def ranking_workbook(request, period_pk: int):
    period = selectors.period_for(request.user, period_pk)
    content = exports.circular_xlsx_bytes(period)
    record_event("assessment.results.exported", request=request, obj=period, format="xlsx", layout="circular",
                 state=period.state, results_version=period.results_version)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(exports.circular_filename(period))}"
    return response


# --- One unit's charts (its own unit for a unit viewer, published periods only) ---------------------


def unit_radar_chart(request, period_pk: int, unit_pk: int):
    period, unit = selectors.unit_result_scope(request.user, period_pk, unit_pk)
    detail = selectors.unit_result_detail(period, unit)
    return _chart_response(charts.radar_chart(detail.dimensions))


def unit_trend_chart(request, period_pk: int, unit_pk: int):
    period, unit = selectors.unit_result_scope(request.user, period_pk, unit_pk)
    periods = trends.period_series(period, selectors.periods_visible_to(request.user))
    return _chart_response(charts.unit_trend_chart(trends.unit_trend(unit, periods)))


# --- Indicator, trend and domain analysis ----------------------------------------------------------


@capability_required(Capability.VIEW_RESULTS)
def indicator_analysis(request, period_pk: int):
    period = selectors.period_for(request.user, period_pk)
    indicators = distributions.indicators_with_scores(period)
    indicator = _picked(request, "indicator", indicators, indicators[0] if indicators else None)
    context = {"period": period, "indicator": indicator,
               "indicator_groups": distributions.group_by_dimension(indicators)}
    if indicator is not None:
        context["distribution"] = distributions.indicator_distribution(period, indicator)
        context["lost_points"] = distributions.indicator_lost_points(period, indicator)
    return analysis_page(request, "assessment/indicator_analysis.html", context)


@capability_required(Capability.VIEW_RESULTS)
def indicator_chart(request, period_pk: int, indicator_pk: int):
    period = selectors.period_for(request.user, period_pk)
    indicator = _indicator_of(period, indicator_pk)
    return _chart_response(charts.indicator_boxplot(distributions.indicator_distribution(period, indicator),
                                                    indicator.measure))


@capability_required(Capability.VIEW_RESULTS)
def trend_analysis(request, period_pk: int):
    period = selectors.period_for(request.user, period_pk)
    periods = trends.period_series(period, selectors.periods_visible_to(request.user))
    tracks = list(period.scheme.tracks.order_by("sort_order", "code"))
    track = _picked(request, "track", tracks, tracks[0] if tracks else None)
    units = list(Unit.objects.filter(pk__in=TrackMembership.objects.filter(scheme=period.scheme).values("unit_id"))
                 .order_by("code"))
    unit = _picked(request, "unit", units)
    indicators = distributions.indicators_with_scores(period)
    indicator = _picked(request, "indicator", indicators)
    return analysis_page(request, "assessment/trend_analysis.html", {
        "period": period, "periods": periods, "tracks": tracks, "track": track, "units": units, "unit": unit,
        "indicator_groups": distributions.group_by_dimension(indicators), "indicator": indicator,
        "track_trend": trends.track_trend(track, periods) if track else None,
        "unit_trend": trends.unit_trend(unit, periods) if unit else None,
        "indicator_trend": trends.indicator_trend(indicator, periods) if indicator else None,
    })


@capability_required(Capability.VIEW_RESULTS)
def track_trend_chart(request, period_pk: int, track_pk: int):
    period = selectors.period_for(request.user, period_pk)
    track = _track_of(period, track_pk)
    periods = trends.period_series(period, selectors.periods_visible_to(request.user))
    return _chart_response(charts.track_trend_chart(trends.track_trend(track, periods)))


@capability_required(Capability.VIEW_RESULTS)
def indicator_trend_chart(request, period_pk: int, indicator_pk: int):
    period = selectors.period_for(request.user, period_pk)
    indicator = _indicator_of(period, indicator_pk)
    periods = trends.period_series(period, selectors.periods_visible_to(request.user))
    return _chart_response(charts.indicator_trend_chart(trends.indicator_trend(indicator, periods),
                                                        [p.code for p in periods], indicator.measure))


@capability_required(Capability.VIEW_RESULTS)
def domain_analysis(request, period_pk: int):
    period = selectors.period_for(request.user, period_pk)
    return analysis_page(request, "assessment/domain_analysis.html", {
        "period": period, "comparison": domains.domain_comparison(period)})


@capability_required(Capability.VIEW_RESULTS)
def domain_chart(request, period_pk: int):
    period = selectors.period_for(request.user, period_pk)
    return _chart_response(charts.domain_chart(domains.domain_comparison(period)))
