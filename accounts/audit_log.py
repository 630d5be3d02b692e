"""Reading the audit log: the audit administrator's search, its spreadsheet copy, the archive export and
the purge of what is past retention. Writing is accounts.audit.record_event, and nothing else."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from accounts.models import AuditEvent, AuditOutcome
from core.filters import StyledFilterSet
from core.spreadsheets.formula_guard import formula_safe

# The export's columns, in the order of the page: time, user, address, event, object, outcome.
EXPORT_HEADER = (
    gettext_lazy("时间"), gettext_lazy("用户名"), gettext_lazy("地址"), gettext_lazy("事件"),
    gettext_lazy("对象类型"), gettext_lazy("对象编号"), gettext_lazy("对象"), gettext_lazy("结果"),
    gettext_lazy("详情"),
)


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the configured time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def events_between(since: date | None, until: date | None) -> QuerySet[AuditEvent]:
    """Events from the start of ``since`` to the end of ``until`` (both days included, local time)."""
    events = AuditEvent.objects.all()
    if since:
        events = events.filter(occurred_at__gte=day_start(since))
    if until:
        events = events.filter(occurred_at__lt=day_start(until + timedelta(days=1)))
    return events.order_by("occurred_at", "pk")


class AuditEventFilter(StyledFilterSet):
    since = django_filters.DateFilter(method="from_day", label=gettext_lazy("日期从"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(method="to_day", label=gettext_lazy("日期至"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    user = django_filters.CharFilter(field_name="username", lookup_expr="icontains", label=gettext_lazy("用户名"))
    action = django_filters.CharFilter(field_name="action", lookup_expr="icontains", label=gettext_lazy("事件"),
                                       widget=forms.TextInput(attrs={"list": "audit-actions"}))
    outcome = django_filters.ChoiceFilter(choices=AuditOutcome.choices, label=gettext_lazy("结果"),
                                          empty_label=gettext_lazy("全部结果"))
    object = django_filters.CharFilter(method="search_object", label=gettext_lazy("对象"))

    class Meta:
        model = AuditEvent
        fields = ["since", "until", "user", "action", "outcome", "object"]

    def from_day(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=day_start(value))

    def to_day(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=day_start(value + timedelta(days=1)))

    def search_object(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_id=value) | Q(object_type__icontains=value))


def detail_text(detail: dict) -> str:
    """The detail of an event as one readable line: ``key=value; key=value``."""
    return "; ".join(f"{key}={json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value}"
                     for key, value in (detail or {}).items())


def known_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def _row(event: AuditEvent) -> list:
    return [formula_safe(value) for value in (
        timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"), event.username,
        event.ip_address or "", event.action, event.object_type, event.object_id, event.object_repr,
        str(AuditOutcome(event.outcome).label) if event.outcome in AuditOutcome.values else event.outcome,
        json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else "",
    )]


def audit_xlsx(events: QuerySet[AuditEvent]) -> bytes:
    # Write-only: a half year of events is hundreds of thousands of rows, kept out of memory as cells.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("审计日志"))
    sheet.append([str(header) for header in EXPORT_HEADER])
    for event in events.iterator(chunk_size=2000):
        sheet.append(_row(event))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def audit_csv(events: QuerySet[AuditEvent]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(header) for header in EXPORT_HEADER])
    writer.writerows(_row(event) for event in events.iterator(chunk_size=2000))
    # The byte order mark is how Excel knows the file is UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


EXPORT_WRITERS = {".xlsx": audit_xlsx, ".csv": audit_csv}


def retention_cutoff(today: date | None = None) -> date:
    """The earliest day whose events must still be kept: nothing from it on may be purged."""
    return (today or timezone.localdate()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)


class PurgeRefused(Exception):
    pass


def purge_before(day: date) -> int:
    """Delete the events before ``day``; refused unless all of them are past retention.

    PostgreSQL's append-only trigger lets the DELETE through only for a cut-off named in this transaction
    that is itself at least 180 days old (migration 0004), so the floor holds even against this code."""
    if day > retention_cutoff():
        raise PurgeRefused(_("审计日志至少保存%(days)d天：只能清除%(cutoff)s之前的记录") % {
            "days": settings.AUDIT_RETENTION_DAYS, "cutoff": retention_cutoff().isoformat()})
    cutoff = day_start(day)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('accounts.audit_purge_before', %s, true)", [cutoff.isoformat()])
        # The model refuses deletes (AuditEventQuerySet); the purge is the one deliberate exception.
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE occurred_at < %s",
                       [connection.ops.adapt_datetimefield_value(cutoff)])
        return cursor.rowcount
