"""Pages for entering, correcting, listing and importing supervision records. The rules live in
``supervision.records`` and ``supervision.record_import``; these views check who asks and pass things on."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import capability_required
from accounts.audit import record_event
from accounts.roles import Capability
from cadres.models import Appointment, Cadre
from core.documents import download_name
from core.forms import SpreadsheetUploadForm
from supervision import record_import, records
from supervision.cadre_file import search_cadres
from supervision.clearance import check_may_read, readable_records
from supervision.forms import RecordEditForm, RecordForm
from supervision.models import Record, RecordAttachment, RecordImportBatch
from supervision.record_list import RecordFilter, record_list, records_xlsx
from supervision.recusal import check_not_recused, recused_cadre_ids

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECORDS_PER_PAGE = 30
ALERTS_NAMED = 10  # alerts named one by one after an import; the rest are counted


def cadre_file_url(cadre_pk: int) -> str:
    """The cadre's file page; the supervision start page while that page does not exist."""
    try:
        return reverse("supervision:cadre_file", kwargs={"cadre_pk": cadre_pk})
    except NoReverseMatch:
        return reverse("supervision:index")


def _current_posts(cadre: Cadre) -> list[Appointment]:
    return list(cadre.appointments.active_on(timezone.localdate()).select_related("unit").order_by("role"))


def _announce(request, saved: records.RecordSaved) -> None:
    if saved.follow_up is not None:
        messages.info(request, _("已按办理结果生成%(record)s") % {"record": saved.follow_up.describe()})
    for alert in saved.alerts:
        messages.warning(request, records.describe_alert(alert))


def _add_attachments(request, record: Record, files) -> None:
    for upload in files:
        records.add_attachment(record, upload, request.user, request=request)


@capability_required(Capability.VIEW_SUPERVISION)
def record_create(request, cadre_pk: int):
    cadre = get_object_or_404(Cadre, pk=cadre_pk)
    check_not_recused(request, cadre)
    form = RecordForm(request.POST or None, request.FILES or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = records.create_record(cadre=cadre, user=request.user, request=request,
                                              outcome_date=form.cleaned_data["outcome_date"], **form.record_values())
                _add_attachments(request, saved.record, form.cleaned_data["attachments"])
        except ValidationError as refused:
            _attach_errors(form, refused)
        else:
            messages.success(request, _("已保存%(name)s的%(record)s") % {
                "name": cadre.name, "record": saved.record.describe()})
            _announce(request, saved)
            return redirect(cadre_file_url(cadre.pk))
    return render(request, "supervision/records/form.html", {
        "form": form, "cadre": cadre, "posts": _current_posts(cadre), "record": None,
        "sources": records.SOURCE_DEPARTMENTS, "back_url": cadre_file_url(cadre.pk),
        "max_mb": _attachment_max_mb(),
    })


def _attach_errors(form, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for name, errors in refused.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error("attachments", refused)


def _attachment_max_mb() -> int:
    return settings.DOCUMENT_MAX_BYTES // 1024 // 1024


def version_history(record: Record) -> list[dict]:
    """Each earlier version, newest first, with what the edit after it changed."""
    versions = list(record.versions.select_related("changed_by"))
    newer = records.record_snapshot(record)
    history = []
    for version in versions:
        history.append({"version": version, "changes": records.snapshot_changes(version.snapshot, newer)})
        newer = version.snapshot
    return history


@capability_required(Capability.VIEW_SUPERVISION)
def record_edit(request, record_pk: int):
    record = get_object_or_404(Record.objects.select_related("cadre", "record_type", "follows__record_type",
                                                              "import_batch", "entered_by"), pk=record_pk)
    check_not_recused(request, record.cadre)
    check_may_read(request, record)
    initial = {"record_type": record.record_type_id, "date": record.date, "source": record.source,
               "document_number": record.document_number, "summary": record.summary}
    form = RecordEditForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data["attachments"]
        try:
            with transaction.atomic():
                saved = records.update_record(record, form.record_values(), request.user, form.cleaned_data["reason"],
                                              request=request, outcome_date=form.cleaned_data["outcome_date"])
                _add_attachments(request, saved.record, files)
        except ValidationError as refused:
            _attach_errors(form, refused)
        else:
            if saved.changed:
                messages.success(request, _("已修改%(record)s，修改前的内容已存为历史版本") % {
                    "record": saved.record.describe()})
            elif files:
                messages.success(request, _("已为%(record)s添加%(count)d个附件") % {
                    "record": saved.record.describe(), "count": len(files)})
            else:
                messages.info(request, _("内容没有变化，未保存新版本"))
            _announce(request, saved)
            return redirect(cadre_file_url(record.cadre_id))
    if request.method == "GET":
        record_event("supervision.record.viewed", request=request, obj=record, cadre=record.cadre_id)
    return render(request, "supervision/records/form.html", {
        "form": form, "cadre": record.cadre, "posts": _current_posts(record.cadre), "record": record,
        "history": version_history(record),
        "attachments": record.attachments.select_related("uploaded_by"),
        "consequences": record.consequences.select_related("record_type"),
        "sources": records.SOURCE_DEPARTMENTS, "back_url": cadre_file_url(record.cadre_id),
        "max_mb": _attachment_max_mb(),
    })


@capability_required(Capability.VIEW_SUPERVISION)
def attachment_download(request, attachment_pk: int):
    attachment = get_object_or_404(RecordAttachment.objects.select_related("record__cadre", "record__record_type"),
                                   pk=attachment_pk)
    check_not_recused(request, attachment.record.cadre)
    check_may_read(request, attachment.record)
    try:
        handle = records.open_attachment(attachment, user=request.user, request=request)
    except FileNotFoundError as missing:
        raise Http404(_("附件文件不存在")) from missing
    return FileResponse(handle, as_attachment=True, filename=download_name(attachment),
                        content_type=attachment.content_type or "application/octet-stream")


@capability_required(Capability.VIEW_SUPERVISION)
def record_list_page(request):
    filterset = RecordFilter(request.GET or None,
                             queryset=readable_records(record_list(), request.user).exclude(
                                 cadre_id__in=recused_cadre_ids(request.user)))
    found = filterset.qs
    if request.GET.get("_export") == "xlsx":
        record_event("supervision.records.exported", request=request, rows=found.count(),
                     filters={key: value for key, value in request.GET.items() if key != "_export"})
        response = HttpResponse(records_xlsx(found), content_type=XLSX_CONTENT_TYPE)
        name = _("监督记录_%(day)s.xlsx") % {"day": timezone.localdate().strftime("%Y%m%d")}
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response
    page = Paginator(found, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "supervision/records/list.html", {
        "filter": filterset, "page": page, "sources": records.SOURCE_DEPARTMENTS,
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
    })


@capability_required(Capability.VIEW_SUPERVISION)
def record_cadre_choice(request):
    """Finding the cadre a new record is for, by name or ID number."""
    query = request.GET.get("q", "").strip()
    # The same search as the file's: name part, full ID number or its last digits.
    search = search_cadres(query, timezone.localdate())
    page = Paginator(search.cadres, 20).get_page(request.GET.get("page"))
    return render(request, "supervision/records/cadre_choice.html",
                  {"query": query, "page": page, "problem": search.problem})


@capability_required(Capability.VIEW_SUPERVISION)
def record_import_page(request):
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = record_import.import_records(upload.read(), upload.name, user=request.user, request=request)
        if result.committed:
            messages.success(request, _("已导入：读取%(rows_read)d行，新增记录%(created)d条，已有记录%(unchanged)d条") % (
                result.counts()))
            for alert in result.alerts[:ALERTS_NAMED]:
                messages.warning(request, records.describe_alert(alert))
            if len(result.alerts) > ALERTS_NAMED:
                messages.warning(request, _("另有%(count)d名干部触及标准线，已生成预警") % {
                    "count": len(result.alerts) - ALERTS_NAMED})
        else:
            messages.error(request, _("文件有%(count)d处错误，未导入任何记录，请按问题清单修改后重新上传") % {
                "count": len(result.errors)})
        return redirect("supervision:record_import_batch", batch_pk=result.batch.pk)
    batches = RecordImportBatch.objects.select_related("uploaded_by")
    page = Paginator(batches, 20).get_page(request.GET.get("page"))
    return render(request, "supervision/records/import.html", {"form": form, "page": page,
                                                               "columns": record_import.RECORD_COLUMNS})


@capability_required(Capability.VIEW_SUPERVISION)
def record_import_batch(request, batch_pk: int):
    batch = get_object_or_404(RecordImportBatch.objects.select_related("uploaded_by"), pk=batch_pk)
    stored = batch.records.select_related("cadre", "record_type").order_by("pk")
    page = Paginator(stored, 50).get_page(request.GET.get("page"))
    problems = record_import.problems_of(batch)
    return render(request, "supervision/records/batch_detail.html", {
        "batch": batch, "page": page, "problems": problems,
        "errors": [problem for problem in problems if problem.is_error],
    })


@capability_required(Capability.VIEW_SUPERVISION)
def record_import_file(request, batch_pk: int):
    batch = get_object_or_404(RecordImportBatch, pk=batch_pk)
    if not batch.file:
        raise Http404(_("该批次没有保存原始文件"))
    try:
        handle = batch.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("原始文件不存在")) from missing
    record_event("supervision.import.file_downloaded", request=request, obj=batch, sha256=batch.sha256)
    return FileResponse(handle, as_attachment=True, filename=batch.original_name,
                        content_type="application/octet-stream")
