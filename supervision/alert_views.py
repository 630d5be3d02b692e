"""Pages of alerts (触线预警), unit and efficiency warnings, and rule versions. The work is in
``supervision.alerts``, ``warnings``, ``efficiency``, ``rules`` and ``rule_preview``; these views check
who is asking, read the filters and pass things on."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required
from accounts.audit import record_event
from accounts.roles import Capability
from cadres.models import Appointment, Unit
from supervision import warnings
from supervision.alert_forms import (
    AlertFilterForm,
    AlertHandlingForm,
    EfficiencyFilterForm,
    RuleChangeForm,
    WarningFilterForm,
)
from supervision.alerts import AlertTransitionRefused, alert_inbox, close_alert, handle_alert
from supervision.clearance import mark_readable
from supervision.efficiency import recent_efficiency_counts, recent_efficiency_warnings
from supervision.models import (
    Alert,
    AlertStatus,
    CadrePointsState,
    EfficiencyWarning,
    RecordType,
    RuleVersion,
)
from supervision.recusal import check_not_recused, recused_cadre_ids
from supervision.rule_preview import rule_preview
from supervision.rules import in_force, rule_draft_problems, rule_version_create, rules_of, type_points_of
from supervision.warning_exports import XLSX_CONTENT_TYPE, overview_xlsx_bytes

PAGE_SIZE = 25


@capability_required(Capability.VIEW_SUPERVISION)
def alert_list(request):
    form = AlertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    unit = None
    if filters.get("unit"):
        unit = Unit.objects.filter(code=filters["unit"].strip()).first()
    alerts = alert_inbox(status=filters.get("status", ""), line=filters.get("line", ""),
                         unit_id=unit.pk if unit else (-1 if filters.get("unit") else None)
                         ).exclude(cadre_id__in=recused_cadre_ids(request.user))
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/alerts/alert_list.html", {
        "form": form, "page": page, "open_count": Alert.objects.filter(status=AlertStatus.OPEN).count(),
    })


@capability_required(Capability.VIEW_SUPERVISION)
def alert_detail(request, alert_pk: int):
    alert = get_object_or_404(Alert.objects.select_related("cadre", "rule_version", "closed_by"), pk=alert_pk)
    check_not_recused(request, alert.cadre)
    form = AlertHandlingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            handle_alert(alert, form.cleaned_data["action"], form.cleaned_data["date"], form.cleaned_data["note"],
                         request.user)
        except AlertTransitionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("已登记处置，预警转为“已处置”"))
            return redirect("supervision:alert_detail", alert_pk=alert.pk)
    record_event("supervision.alert.viewed", request=request, obj=alert, cadre_id=alert.cadre_id)
    points = type_points_of(alert.rule_version)  # the points the alert was raised with
    records = list(alert.records.select_related("record_type").order_by("date", "pk"))
    mark_readable(records, request.user)
    return render(request, "supervision/alerts/alert_detail.html", {
        "alert": alert, "form": form,
        "records": [(record, points.get(record.record_type_id, record.record_type.points)) for record in records],
        "handlings": alert.handlings.select_related("handled_by").order_by("date", "pk"),
        "appointments": Appointment.objects.active_on(timezone.localdate()).filter(cadre=alert.cadre)
                                            .select_related("unit"),
    })


@require_POST
@capability_required(Capability.VIEW_SUPERVISION)
def alert_close(request, alert_pk: int):
    alert = get_object_or_404(Alert, pk=alert_pk)
    try:
        close_alert(alert, request.user)
    except AlertTransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("预警已办结"))
    return redirect("supervision:alert_detail", alert_pk=alert.pk)


_WARNING_SORTS = {
    "level": ("severity", "-share", "unit__code"),
    "share": ("-share", "severity", "unit__code"),
    "code": ("unit__sort_order", "unit__code"),
    "points": ("-cadres_with_points", "severity", "unit__code"),
}


@capability_required(Capability.VIEW_SUPERVISION)
def warning_overview(request):
    form = WarningFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    states = warnings.latest_unit_warnings()
    counts = warnings.count_by_level(states)
    if filters.get("level"):
        states = states.filter(level=filters["level"])
    if filters.get("kind"):
        states = states.filter(unit__kind=filters["kind"])
    if filters.get("q"):
        states = states.filter(Q(unit__name__icontains=filters["q"]) | Q(unit__code__icontains=filters["q"]))
    states = states.order_by(*_WARNING_SORTS.get(filters.get("sort") or "level"))
    if request.GET.get("_export") == "xlsx":
        rows = list(states)
        record_event("supervision.warnings.exported", request=request, rows=len(rows), format="xlsx")
        response = HttpResponse(overview_xlsx_bytes(rows), content_type=XLSX_CONTENT_TYPE)
        filename = _("单位预警_%(day)s.xlsx") % {"day": timezone.localdate().isoformat()}
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response
    page = Paginator(states, PAGE_SIZE).get_page(request.GET.get("page"))
    efficiency = recent_efficiency_warnings([state.unit_id for state in page.object_list])
    for state in page.object_list:
        state.efficiency = efficiency.get(state.unit_id, [])
    return render(request, "supervision/warnings/overview.html", {
        "form": form, "page": page, "total": sum(counts.values()),
        "efficiency_counts": recent_efficiency_counts(),
        "level_counts": [(level.value, level.label, counts[level.value]) for level in warnings.LEVEL_ORDER],
    })


@capability_required(Capability.VIEW_SUPERVISION)
def unit_warning(request, unit_pk: int):
    unit = get_object_or_404(Unit, pk=unit_pk)
    today = timezone.localdate()
    team = (CadrePointsState.objects
            .filter(cadre__in=Appointment.objects.active_on(today).filter(unit=unit).values("cadre_id"))
            .select_related("cadre").order_by(F("points").desc(), "cadre__name"))
    history = list(warnings.unit_warning_history(unit))
    return render(request, "supervision/warnings/unit_warning.html", {
        "unit": unit, "latest": history[0] if history else None, "history": history, "team": team,
    })


@capability_required(Capability.VIEW_SUPERVISION)
def efficiency_warnings(request):
    form = EfficiencyFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = EfficiencyWarning.objects.select_related("unit", "period__scheme").order_by(
        "-period__end_date", "unit__code", "kind")
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("period"):
        rows = rows.filter(period__code=filters["period"].strip().upper())
    if filters.get("q"):
        rows = rows.filter(Q(unit__name__icontains=filters["q"]) | Q(unit__code__icontains=filters["q"]))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/warnings/efficiency_list.html", {"form": form, "page": page})


@capability_required(Capability.VIEW_SUPERVISION)
def rule_versions(request):
    today = timezone.localdate()
    current = in_force(today).version
    versions = RuleVersion.objects.select_related("created_by").order_by("-valid_from", "-pk")
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/rules/version_list.html", {"page": page, "current": current})


@capability_required(Capability.VIEW_SUPERVISION)
def rule_version(request, version_pk: int):
    version = get_object_or_404(RuleVersion.objects.select_related("created_by"), pk=version_pk)
    points = type_points_of(version)
    types = [(record_type, points.get(record_type.pk, record_type.points))
             for record_type in RecordType.objects.order_by("sort_order", "name", "subtype")]
    return render(request, "supervision/rules/version_detail.html", {
        "version": version, "types": types, "rules": rules_of(version),
        "alert_count": version.alerts.count(),
    })


@capability_required(Capability.VIEW_SUPERVISION)
def rule_change(request):
    """Edit the rules, see what they would have done over three years, then save them as a version."""
    today = timezone.localdate()
    current = in_force(today)
    form = RuleChangeForm(request.POST or None, current=current)
    preview = None
    if request.method == "POST" and form.is_valid():
        draft = form.draft()
        problems = rule_draft_problems(draft)
        for problem in problems:
            form.add_error(None, problem)
        if not problems and request.POST.get("action") == "save":
            try:
                version = rule_version_create(draft=draft, valid_from=form.cleaned_data["valid_from"],
                                              note=form.cleaned_data["note"], user=request.user)
            except ValidationError as refused:
                for message in refused.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已保存新的预警规则，自 %(date)s 起施行；正在按新规则重新评估全部干部和单位") % {
                    "date": version.valid_from.isoformat()})
                return redirect("supervision:rule_version", version_pk=version.pk)
        if not form.errors:
            preview = rule_preview(draft, current, today)
    return render(request, "supervision/rules/rule_change.html", {
        "form": form, "preview": preview, "current": current,
    })
