"""The data area: a department downloads its template, uploads its sheet, checks the preview and
commits; the assessment office follows every department's progress and can roll an upload back.
The work itself is in ``indicators.uploads``; these views check who is asking and pass things on."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import can, capability_required
from accounts.audit import record_event
from accounts.roles import Capability
from assessment.models import Period
from assessment.recompute import recompute_waits_for_queue
from assessment.workbooks import WorkbookRejected, check_upload
from cadres.models import Unit
from core import jobs
from indicators import selectors, uploads
from indicators.annotated_copy import annotated_copy
from indicators.forms import UploadForm
from indicators.models import ImportStatus
from indicators.statistics_template import statistics_template_bytes, statistics_template_filename

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@capability_required(Capability.VIEW_DATA_AREA)
def index(request):
    user = request.user
    context = {}
    if can(user, Capability.UPLOAD_STATISTICS):
        department = selectors.user_department(user)
        context["department"] = department
        if department is not None:
            context["department_periods"] = [
                (period, selectors.upload_progress(period, [department])[0:1],
                 selectors.may_upload(user, period))
                for period in selectors.periods_for_department(department)[:12]
            ]
            context["recent_batches"] = selectors.batches_visible_to(user)[:10]
    if can(user, Capability.REVIEW_UPLOADS):
        context["review_periods"] = Period.objects.select_related("scheme").order_by("-end_date", "scheme__name")[:20]
    return render(request, "indicators/index.html", context)


def _template_department(request, period: Period) -> Unit:
    """A department downloads its own template; the office may download any department's."""
    if can(request.user, Capability.REVIEW_UPLOADS) and request.GET.get("department"):
        providers = Unit.objects.filter(provided_indicators__scheme=period.scheme).distinct()
        return get_object_or_404(providers, code=request.GET["department"])
    department = selectors.user_department(request.user)
    if department is None or not can(request.user, Capability.UPLOAD_STATISTICS):
        raise PermissionDenied
    return department


@capability_required(Capability.VIEW_DATA_AREA)
def template_download(request, period_pk: int):
    period = get_object_or_404(Period.objects.select_related("scheme"), pk=period_pk)
    department = _template_department(request, period)
    record_event("statistics.template.downloaded", request=request, obj=period, department=department.code)
    return _xlsx_response(statistics_template_bytes(period, department),
                          statistics_template_filename(period, department))


@capability_required(Capability.UPLOAD_STATISTICS)
def upload(request, period_pk: int):
    period = get_object_or_404(Period.objects.select_related("scheme"), pk=period_pk)
    department = selectors.user_department(request.user)
    if department is None or not selectors.may_upload(request.user, period):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        filename = form.cleaned_data["file"].name
        try:
            check_upload(data, filename)
        except WorkbookRejected as rejected:
            for problem in rejected.problems:
                form.add_error("file", str(problem))
        else:
            with transaction.atomic():
                batch = uploads.batch_receive(data=data, filename=filename, period=period, department=department,
                                              user=request.user, mode=form.cleaned_data["mode"])
                record_event("statistics.upload.received", request=request, obj=batch, sha256=batch.sha256)
                check = jobs.enqueue(uploads.CHECK_JOB, key=str(batch.pk), payload={"batch_id": batch.pk})
            if jobs.left_waiting(check):
                messages.warning(request, _("文件已保存；后台队列暂不可用，将在队列恢复后自动检查"))
            return redirect("indicators:batch_detail", pk=batch.pk)
    return render(request, "indicators/upload.html", {
        "period": period, "department": department, "form": form,
        "max_mb": settings.UPLOAD_MAX_BYTES // 1024 // 1024,
        "progress": selectors.upload_progress(period, [department])[0:1],
    })


@capability_required(Capability.VIEW_DATA_AREA)
def batch_detail(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    return render(request, "indicators/batch_detail.html", {
        "batch": batch, "problems": uploads.problems_of(batch),
        "may_confirm": batch.status == ImportStatus.PREVIEWED and batch.uploaded_by_id == request.user.pk,
        "may_roll_back": (can(request.user, Capability.REVIEW_UPLOADS) and batch.status == ImportStatus.COMMITTED),
    })


@capability_required(Capability.VIEW_DATA_AREA)
def batch_status(request, pk: int):
    """Polled while a file is being checked; reloads the page when the check is done."""
    batch = selectors.batch_for(request.user, pk)
    response = render(request, "indicators/_batch_progress.html", {"batch": batch})
    if batch.status != ImportStatus.CHECKING and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@capability_required(Capability.UPLOAD_STATISTICS)
def batch_confirm(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    if batch.uploaded_by_id != request.user.pk:
        raise PermissionDenied
    try:
        uploads.batch_commit(batch, user=request.user, request=request,
                             accept_warnings=request.POST.get("accept_warnings") == "1")
    except uploads.UploadError as refused:
        messages.error(request, str(refused))
    else:
        if not batch.changes_anything:
            messages.success(request, _("已导入：文件中的数据与现有数据相同，没有任何修改"))
        elif recompute_waits_for_queue(batch.period):
            messages.warning(request, jobs.QUEUE_UNAVAILABLE)
        else:
            messages.success(request, _("已导入，正在重新计算考核结果"))
    return redirect("indicators:batch_detail", pk=batch.pk)


@require_POST
@capability_required(Capability.REVIEW_UPLOADS)
def batch_rollback(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    try:
        uploads.batch_rollback(batch, user=request.user, request=request)
    except uploads.UploadError as refused:
        messages.error(request, str(refused))
    else:
        if recompute_waits_for_queue(batch.period):
            messages.warning(request, _("已撤销该次导入，数据已恢复到导入之前；后台队列暂不可用，结果将在队列"
                                        "恢复后自动更新"))
        else:
            messages.success(request, _("已撤销该次导入，数据已恢复到导入之前，正在重新计算考核结果"))
    return redirect("indicators:batch_detail", pk=batch.pk)


@capability_required(Capability.VIEW_DATA_AREA)
def batch_file(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    record_event("statistics.upload.file_downloaded", request=request, obj=batch)
    with batch.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(batch.filename)}"
    return response


@capability_required(Capability.VIEW_DATA_AREA)
def batch_annotated(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    with batch.file.open("rb") as handle:
        data = handle.read()
    stem = batch.filename.rsplit(".", 1)[0]
    return _xlsx_response(annotated_copy(data, batch.filename, uploads.problems_of(batch)), f"{stem}_问题标注.xlsx")


@capability_required(Capability.VIEW_DATA_AREA)
def batch_list(request):
    batches = selectors.batches_visible_to(request.user)
    period_pk = request.GET.get("period", "")
    if period_pk.isdigit():
        batches = batches.filter(period_id=int(period_pk))
    department = request.GET.get("department", "").strip()
    if department:
        batches = batches.filter(department__code=department)
    status = request.GET.get("status", "")
    if status in ImportStatus.values:
        batches = batches.filter(status=status)
    page = Paginator(batches, 30).get_page(request.GET.get("page"))
    return render(request, "indicators/batch_list.html", {
        "page": page, "statuses": ImportStatus.choices, "status": status, "department": department,
        "period_pk": period_pk,
    })


@capability_required(Capability.REVIEW_UPLOADS)
def period_uploads(request, period_pk: int):
    period = get_object_or_404(Period.objects.select_related("scheme"), pk=period_pk)
    progress = selectors.upload_progress(period)
    return render(request, "indicators/period_uploads.html", {
        "period": period, "progress": progress,
        "complete": sum(1 for item in progress if item.missing_cells == 0),
    })
