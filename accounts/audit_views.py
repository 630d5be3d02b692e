"""The audit administrator's page: search the log, page through it, download what was found."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import capability_required
from accounts.audit import record_event
from accounts.audit_log import AuditEventFilter, audit_xlsx, detail_text, known_actions
from accounts.models import AuditEvent
from accounts.roles import Capability

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@capability_required(Capability.VIEW_AUDIT_LOG)
def audit_log(request):
    filterset = AuditEventFilter(request.GET, queryset=AuditEvent.objects.order_by("-occurred_at", "-pk"))
    events = filterset.qs
    if request.GET.get("_export") == "xlsx":
        criteria = {key: value for key, value in request.GET.items() if key not in ("_export", "page") and value}
        count = events.count()
        # Written before the file goes out, so that the copy itself is on record.
        record_event("audit.exported", request=request, rows=count, via="page", criteria=criteria)
        response = HttpResponse(audit_xlsx(events.order_by("occurred_at", "pk")), content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.xlsx"'
        return response
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.detail_text = detail_text(event.detail)
    return render(request, "accounts/audit_log.html", {
        "filter": filterset, "page": page, "actions": known_actions(),
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
        "retention_days": settings.AUDIT_RETENTION_DAYS,
    })
