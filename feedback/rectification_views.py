"""Rectification pages: the list (filters, pages, Excel), raising and editing an item (the office), the
unit's progress with its evidence, and the office's 销号 or return. Rules in ``feedback.rectification``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import can, capability_required
from accounts.audit import record_event
from accounts.roles import Capability
from core.documents import download_name
from feedback import rectification, selectors
from feedback.forms import (
    ProgressForm,
    RectificationEditForm,
    RectificationFilter,
    RectificationItemForm,
    ReviewForm,
    attach_errors,
)
from feedback.models import RectificationItem, RectificationStatus
from feedback.rectification_export import rectifications_xlsx
from feedback.views import XLSX_CONTENT_TYPE, attachment_response

ITEMS_PER_PAGE = 30


def rectification_list(request):
    selectors.require_rectification_reader(request.user)
    reads_all = selectors.reads_all_feedback(request.user)
    filterset = RectificationFilter(request.GET or None, queryset=selectors.rectifications_visible_to(request.user),
                                    periods=selectors.feedback_periods_for(request.user),
                                    restrict_units=not reads_all)
    found = filterset.qs.order_by("deadline", "unit__code", "pk")
    if request.GET.get("_export") == "xlsx":
        record_event("feedback.rectification.exported", request=request, count=found.count(),
                     filters={key: value for key, value in request.GET.items() if key != "_export"})
        name = _("整改事项_%(date)s.xlsx") % {"date": timezone.localdate().isoformat()}
        return attachment_response(rectifications_xlsx(found), name, XLSX_CONTENT_TYPE)
    page = Paginator(found, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "feedback/rectification_list.html", {
        "filter": filterset, "page": page, "filtered": bool(request.GET),
        "overdue_ids": {item.pk for item in page.object_list if rectification.is_overdue(item, today)},
        "overdue_total": found.filter(rectification.overdue_q(today)).count(),
        "latest": rectification.latest_updates(page.object_list),
        "may_manage": can(request.user, Capability.MANAGE_FEEDBACK),
        "reads_all": reads_all,
    })


@capability_required(Capability.MANAGE_FEEDBACK)
def rectification_create(request):
    initial = {key: request.GET[key] for key in ("period", "unit", "source") if request.GET.get(key)}
    form = RectificationItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            item = rectification.rectification_create(user=request.user, request=request, **form.cleaned_data)
        except ValidationError as refused:
            attach_errors(form, refused)
        else:
            messages.success(request, _("已向%(unit)s下达整改事项") % {"unit": item.unit.name})
            return redirect("feedback:rectification_detail", item_pk=item.pk)
    return render(request, "feedback/rectification_form.html", {"form": form, "item": None})


@capability_required(Capability.MANAGE_FEEDBACK)
def rectification_edit(request, item_pk: int):
    item = selectors.rectification_for(request.user, item_pk)
    initial = {name: getattr(item, name) for name in rectification.EDITABLE_FIELDS}
    form = RectificationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = rectification.rectification_edit(item, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as refused:
            attach_errors(form, refused)
        else:
            if changed:
                messages.success(request, _("已修改整改事项"))
            else:
                messages.info(request, _("内容没有变化"))
            return redirect("feedback:rectification_detail", item_pk=item.pk)
    return render(request, "feedback/rectification_form.html", {"form": form, "item": item})


def _detail(request, item: RectificationItem, *, progress_form=None, review_form=None, status: int = 200):
    # A closed item is the office's last word: the unit no longer reports on it.
    may_report = selectors.may_update_progress(request.user, item) and item.status != RectificationStatus.CLOSED
    may_review = can(request.user, Capability.MANAGE_FEEDBACK) and item.status == RectificationStatus.DONE
    if may_report and progress_form is None:
        progress_form = ProgressForm(initial={"status": item.status})
    return render(request, "feedback/rectification_detail.html", {
        "item": item,
        "overdue": rectification.is_overdue(item),
        "days_overdue": rectification.days_overdue(item),
        "updates": item.updates.select_related("written_by").prefetch_related("evidence"),
        "progress_form": progress_form if may_report else None,
        "review_form": (review_form or ReviewForm()) if may_review else None,
        "may_manage": can(request.user, Capability.MANAGE_FEEDBACK),
        "max_mb": settings.DOCUMENT_MAX_BYTES // 1024 // 1024,
    }, status=status)


def rectification_detail(request, item_pk: int):
    selectors.require_rectification_reader(request.user)
    return _detail(request, selectors.rectification_for(request.user, item_pk))


@require_POST
@capability_required(Capability.UPDATE_OWN_RECTIFICATION)
def rectification_progress(request, item_pk: int):
    item = selectors.rectification_for(request.user, item_pk)
    if not selectors.may_update_progress(request.user, item):
        raise PermissionDenied
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rectification.rectification_report_progress(
                item, status=form.cleaned_data["status"], note=form.cleaned_data["note"],
                evidence_file=form.cleaned_data["evidence"], user=request.user, request=request)
        except ValidationError as refused:
            if not hasattr(refused, "error_dict"):
                # Closed meanwhile by the office: the page no longer offers the form.
                messages.error(request, " ".join(refused.messages))
                return redirect("feedback:rectification_detail", item_pk=item.pk)
            attach_errors(form, refused)
        else:
            messages.success(request, _("已报送整改进展"))
            return redirect("feedback:rectification_detail", item_pk=item.pk)
    item.refresh_from_db()
    return _detail(request, item, progress_form=form, status=400)


@require_POST
@capability_required(Capability.MANAGE_FEEDBACK)
def rectification_review(request, item_pk: int):
    item = selectors.rectification_for(request.user, item_pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        try:
            if action == ReviewForm.CLOSE:
                rectification.rectification_close(item, note=note, user=request.user, request=request)
                messages.success(request, _("已销号"))
            else:
                rectification.rectification_return(item, note=note, user=request.user, request=request)
                messages.success(request, _("已退回单位继续整改"))
        except ValidationError as refused:
            if not hasattr(refused, "error_dict"):
                # The item is not (or no longer) waiting for review: there is no form to show it on.
                messages.error(request, " ".join(refused.messages))
                return redirect("feedback:rectification_detail", item_pk=item.pk)
            attach_errors(form, refused)
        else:
            return redirect("feedback:rectification_detail", item_pk=item.pk)
    return _detail(request, item, review_form=form, status=400)


def evidence_download(request, evidence_pk: int):
    selectors.require_rectification_reader(request.user)
    evidence = selectors.evidence_for(request.user, evidence_pk)
    try:
        handle = rectification.open_evidence(evidence, user=request.user, request=request)
    except FileNotFoundError as missing:
        raise Http404(_("附件文件不存在")) from missing
    return FileResponse(handle, as_attachment=True, filename=download_name(evidence),
                        content_type=evidence.content_type or "application/octet-stream")
