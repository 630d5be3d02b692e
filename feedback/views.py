"""Feedback reports: the area's start page, a period's units, one unit's printable report and its
Excel form, the office's comments, and the period's zip made in the background. The rules live in
``feedback.reports``, ``feedback.batches`` and ``feedback.notes``; these views check who asks."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import can, capability_required, scoped_unit_id
from accounts.audit import record_event
from accounts.roles import Capability
from assessment.models import Period, UnitResult
from cadres.models import Unit
from feedback import batches, selectors
from feedback.forms import FeedbackNoteForm
from feedback.models import FINISHED_STATUSES, BatchStatus, FeedbackBatch, FeedbackNote, RectificationItem
from feedback.notes import feedback_note_save
from feedback.rectification import overdue_q
from feedback.reports import feedback_report, period_units
from feedback.workbook import feedback_xlsx

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _item_counts(items) -> dict[int, dict[str, int]]:
    """{key: {"total", "open", "overdue"}} for items grouped by the first value of ``items``."""
    counts = {}
    for key, total, still_open, overdue in items:
        counts[key] = {"total": total, "open": still_open, "overdue": overdue}
    return counts


def _counts_by(field: str, items=None) -> dict[int, dict[str, int]]:
    items = RectificationItem.objects.all() if items is None else items
    return _item_counts(items.values(field).annotate(
        total=Count("pk"), still_open=Count("pk", filter=~Q(status__in=FINISHED_STATUSES)),
        overdue=Count("pk", filter=overdue_q())).values_list(field, "total", "still_open", "overdue"))


def index(request):
    """Officers: every period with its feedback in numbers. A unit viewer: its own unit's published
    periods and its open rectification items."""
    selectors.require_feedback_reader(request.user)
    periods = selectors.feedback_periods_for(request.user).order_by("-start_date", "scheme__name")
    if selectors.reads_all_feedback(request.user):
        notes = Counter(FeedbackNote.objects.values_list("period_id", flat=True))
        latest_batches = {}
        for batch in FeedbackBatch.objects.order_by("requested_at", "pk"):
            latest_batches[batch.period_id] = batch
        return render(request, "feedback/index.html", {
            "periods": [(period, notes.get(period.pk, 0), latest_batches.get(period.pk)) for period in periods],
            "item_counts": _counts_by("period_id"),
            "may_manage": can(request.user, Capability.MANAGE_FEEDBACK),
        })
    unit = get_object_or_404(Unit, pk=scoped_unit_id(request.user))
    results = {result.period_id: result for result in UnitResult.objects.filter(unit=unit, period__in=periods)}
    items = selectors.rectifications_visible_to(request.user).exclude(status__in=FINISHED_STATUSES)
    return render(request, "feedback/own_index.html", {
        "unit": unit,
        "rows": [(period, results.get(period.pk),
                  period.scheme.tier_name(results[period.pk].tier) if period.pk in results else "")
                 for period in periods],
        "open_items": items.order_by("deadline", "pk"),
        "overdue_ids": set(items.filter(overdue_q()).values_list("pk", flat=True)),
    })


@capability_required(Capability.VIEW_FEEDBACK)
def period_feedback(request, period_pk: int):
    """A period's units with their result, whether comments are written, their items, and the zip."""
    period = selectors.feedback_period_for(request.user, period_pk)
    results = {result.unit_id: result for result in UnitResult.objects.filter(period=period).select_related("track")}
    noted = set(FeedbackNote.objects.filter(period=period).values_list("unit_id", flat=True))
    counts = _counts_by("unit_id", RectificationItem.objects.filter(period=period))
    rows = [{"unit": unit, "result": results.get(unit.pk),
             "tier_name": period.scheme.tier_name(results[unit.pk].tier) if unit.pk in results else "",
             "noted": unit.pk in noted, "items": counts.get(unit.pk)}
            for unit in period_units(period)]
    return render(request, "feedback/period.html", {
        "period": period, "rows": rows, "noted_count": len(noted),
        "batch": FeedbackBatch.objects.filter(period=period).select_related("requested_by").first(),
        "may_manage": can(request.user, Capability.MANAGE_FEEDBACK),
    })


def _report_objects(request, period_pk: int, unit_pk: int) -> tuple[Period, Unit]:
    selectors.require_feedback_reader(request.user)
    period = selectors.feedback_period_for(request.user, period_pk)
    unit = selectors.feedback_unit_for(request.user, unit_pk)
    if not period.scheme.memberships.filter(unit=unit).exists():
        raise Http404
    return period, unit


def report(request, period_pk: int, unit_pk: int):
    period, unit = _report_objects(request, period_pk, unit_pk)
    return render(request, "feedback/report.html", {
        "report": feedback_report(period, unit),
        "may_manage": can(request.user, Capability.MANAGE_FEEDBACK),
        "reads_all": selectors.reads_all_feedback(request.user),
    })


def report_xlsx(request, period_pk: int, unit_pk: int):
    period, unit = _report_objects(request, period_pk, unit_pk)
    content = feedback_xlsx(feedback_report(period, unit))
    record_event("feedback.report.downloaded", request=request, obj=unit, period=period.pk, format="xlsx")
    return attachment_response(content, batches.unit_workbook_name(unit), XLSX_CONTENT_TYPE)


@capability_required(Capability.MANAGE_FEEDBACK)
def note_edit(request, period_pk: int, unit_pk: int):
    period, unit = _report_objects(request, period_pk, unit_pk)
    note = FeedbackNote.objects.filter(period=period, unit=unit).select_related("written_by").first()
    form = FeedbackNoteForm(request.POST or None, initial={"comments": note.comments if note else ""})
    if request.method == "POST" and form.is_valid():
        saved = feedback_note_save(period=period, unit=unit, comments=form.cleaned_data["comments"],
                                   user=request.user, request=request)
        messages.success(request, _("已保存%(unit)s的反馈意见") % {"unit": unit.name} if saved
                         else _("已删除%(unit)s的反馈意见") % {"unit": unit.name})
        return redirect("feedback:report", period_pk=period.pk, unit_pk=unit.pk)
    return render(request, "feedback/note_form.html", {
        "form": form, "period": period, "unit": unit, "note": note,
        "report": feedback_report(period, unit),
    })


@require_POST
@capability_required(Capability.MANAGE_FEEDBACK)
def batch_start(request, period_pk: int):
    period = selectors.feedback_period_for(request.user, period_pk)
    batch = batches.start_feedback_batch(period, user=request.user, request=request)
    batch.refresh_from_db()
    if batch.status == BatchStatus.QUEUED and batches.waits_for_queue(batch):
        messages.warning(request, _("已记下生成反馈单的请求；后台队列暂不可用，恢复后将自动生成"))
    elif batch.status == BatchStatus.DONE:
        messages.success(request, _("已生成%(count)d个单位的反馈单") % {"count": batch.unit_count})
    elif batch.status == BatchStatus.FAILED:
        messages.error(request, _("生成反馈单失败：%(error)s") % {"error": batch.error})
    else:
        messages.info(request, _("正在后台生成反馈单，完成后可在本页下载"))
    return redirect("feedback:period", period_pk=period.pk)


def _batch_for(request, batch_pk: int) -> FeedbackBatch:
    batch = get_object_or_404(FeedbackBatch.objects.select_related("period__scheme"), pk=batch_pk)
    selectors.feedback_period_for(request.user, batch.period_id)
    return batch


@capability_required(Capability.VIEW_FEEDBACK)
def batch_status(request, batch_pk: int):
    """Polled while the zip is being made; reloads the page when it is done."""
    batch = _batch_for(request, batch_pk)
    response = render(request, "feedback/_batch_progress.html", {"batch": batch, "period": batch.period})
    if not batch.is_working and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@capability_required(Capability.VIEW_FEEDBACK)
def batch_download(request, batch_pk: int):
    batch = _batch_for(request, batch_pk)
    if batch.status != BatchStatus.DONE or not batch.file:
        raise Http404
    try:
        handle = batches.open_batch_file(batch, user=request.user, request=request)
    except FileNotFoundError as missing:
        raise Http404(_("文件不存在，请重新生成")) from missing
    return FileResponse(handle, as_attachment=True, filename=batches.zip_download_name(batch.period),
                        content_type="application/zip")
