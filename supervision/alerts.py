"""What officers do with an alert (触线预警): open → handled → closed (SPEC §7).

A handling (谈心谈话, 函询, 诫勉, or no action with its reason) moves an open alert to handled;
closing is a separate step, done once the handling is complete. Other moves are refused with the
reason in words. Each move is audited in the same transaction.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from cadres.models import Appointment
from supervision.models import Alert, AlertHandling, AlertStatus, HandlingAction, Record


class AlertTransitionRefused(Exception):
    """The alert cannot make this move; the message says why, in Chinese."""


def handle_alert(alert: Alert, action: str, date: datetime.date, note: str = "", user=None) -> AlertHandling:
    """Record what was done about an open alert; the alert becomes handled."""
    note = (note or "").strip()
    if action not in HandlingAction.values:
        raise AlertTransitionRefused(_("处置方式“%(action)s”无效，应为：%(choices)s") % {
            "action": action, "choices": "、".join(str(label) for label in HandlingAction.labels)})
    if action == HandlingAction.NO_ACTION and not note:
        raise AlertTransitionRefused(_("选择“不予处理”时必须写明理由"))
    with transaction.atomic():
        alert = Alert.objects.select_for_update().select_related("cadre").get(pk=alert.pk)
        if alert.status != AlertStatus.OPEN:
            raise AlertTransitionRefused(_("该预警已是“%(status)s”状态，只有待处置的预警可以登记处置") % {
                "status": alert.get_status_display()})
        today = timezone.localdate()
        if date > today:
            raise AlertTransitionRefused(_("处置日期 %(date)s 晚于今天，请填写实际处置的日期") % {"date": date.isoformat()})
        if date < alert.raised_on:
            raise AlertTransitionRefused(_("处置日期 %(date)s 早于触线日期 %(raised)s") % {
                "date": date.isoformat(), "raised": alert.raised_on.isoformat()})
        handling = AlertHandling.objects.create(alert=alert, action=action, date=date, note=note, handled_by=user)
        alert.status = AlertStatus.HANDLED
        alert.save(update_fields=["status"])
        record_event("supervision.alert.handled", user=user, obj=alert, handling=action, date=date.isoformat(),
                     cadre_id=alert.cadre_id)
    return handling


def close_alert(alert: Alert, user=None) -> Alert:
    """Close a handled alert (办结)."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == AlertStatus.OPEN:
            raise AlertTransitionRefused(_("该预警还没有登记处置，须先处置再办结"))
        if alert.status == AlertStatus.CLOSED:
            raise AlertTransitionRefused(_("该预警已于 %(when)s 办结") % {
                "when": timezone.localtime(alert.closed_at).strftime("%Y-%m-%d %H:%M") if alert.closed_at else "—"})
        alert.status = AlertStatus.CLOSED
        alert.closed_by = user
        alert.closed_at = timezone.now()
        alert.save(update_fields=["status", "closed_by", "closed_at"])
        record_event("supervision.alert.closed", user=user, obj=alert, cadre_id=alert.cadre_id)
    return alert


STATUS_ORDER = (AlertStatus.OPEN, AlertStatus.HANDLED, AlertStatus.CLOSED)


def alert_inbox(*, status: str = "", line: str = "", unit_id: int | None = None,
                on: datetime.date | None = None) -> QuerySet[Alert]:
    """Alerts, open ones first, newest first, with their cadre, current units and records at hand."""
    on = on or timezone.localdate()
    alerts = Alert.objects.select_related("cadre", "rule_version").annotate(
        status_rank=Case(*(When(status=value, then=Value(rank)) for rank, value in enumerate(STATUS_ORDER)),
                         default=Value(len(STATUS_ORDER)), output_field=IntegerField()))
    if status:
        alerts = alerts.filter(status=status)
    if line:
        alerts = alerts.filter(line=line)
    if unit_id:
        alerts = alerts.filter(cadre__in=Appointment.objects.active_on(on).filter(unit_id=unit_id).values("cadre_id"))
    return alerts.order_by("status_rank", "-raised_on", "-pk").prefetch_related(
        Prefetch("records", queryset=Record.objects.select_related("record_type").order_by("date", "pk")),
        Prefetch("cadre__appointments", queryset=Appointment.objects.active_on(on).select_related("unit"),
                 to_attr="current_appointments_list"),
    )
