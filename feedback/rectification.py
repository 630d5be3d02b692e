"""Rectification items (整改事项): raised by the assessment office, reported on by the unit, closed
(销号) or returned by the office.

An item is **overdue** when its deadline has passed (the deadline day itself still counts as in time)
and the unit has not reported it done. ``overdue_count`` is what other pages (the period dashboard)
call to show the number.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.models import Period
from cadres.models import Unit
from core.documents import check_attachment, store_document
from feedback.models import (
    FINISHED_STATUSES,
    RectificationEvidence,
    RectificationItem,
    RectificationSource,
    RectificationStatus,
    RectificationUpdate,
)

# What a unit may report; 已销号 is the office's word alone.
UNIT_STATUSES = (RectificationStatus.NOT_STARTED, RectificationStatus.IN_PROGRESS, RectificationStatus.DONE)
EDITABLE_FIELDS = ("source", "problem", "requirement", "deadline")


# --- Overdue ----------------------------------------------------------------------------------------


def overdue_q(today: datetime.date | None = None) -> Q:
    """Items past their deadline (the day after it onwards) and not reported done."""
    today = today or timezone.localdate()
    return Q(deadline__lt=today) & ~Q(status__in=FINISHED_STATUSES)


def is_overdue(item: RectificationItem, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return item.deadline < today and not item.is_finished


def days_overdue(item: RectificationItem, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return (today - item.deadline).days if is_overdue(item, today) else 0


def overdue_count(period: Period | None = None, *, unit: Unit | None = None,
                  today: datetime.date | None = None) -> int:
    """How many rectification items are overdue today: of one period when given (else of every
    period), of one unit when given."""
    items = RectificationItem.objects.filter(overdue_q(today))
    if period is not None:
        items = items.filter(period=period)
    if unit is not None:
        items = items.filter(unit=unit)
    return items.count()


def open_count(period: Period | None = None, *, unit: Unit | None = None) -> int:
    """Items not yet reported done (overdue or not)."""
    items = RectificationItem.objects.exclude(status__in=FINISHED_STATUSES)
    if period is not None:
        items = items.filter(period=period)
    if unit is not None:
        items = items.filter(unit=unit)
    return items.count()


# --- Raising and editing (the assessment office) --------------------------------------------------------


def _clean_item_fields(*, source: str, problem: str, requirement: str, deadline) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    if source not in RectificationSource.values:
        errors["source"] = [_("请选择来源")]
    problem, requirement = (problem or "").strip(), (requirement or "").strip()
    if not problem:
        errors["problem"] = [_("请填写存在的问题")]
    if not requirement:
        errors["requirement"] = [_("请填写整改要求")]
    if deadline is None:
        errors["deadline"] = [_("请填写整改期限")]
    if errors:
        raise ValidationError(errors)
    return {"source": source, "problem": problem, "requirement": requirement, "deadline": deadline}


def rectification_create(*, period: Period, unit: Unit, source: str, problem: str, requirement: str,
                         deadline: datetime.date, user=None, request=None) -> RectificationItem:
    values = _clean_item_fields(source=source, problem=problem, requirement=requirement, deadline=deadline)
    if not period.scheme.memberships.filter(unit=unit).exists():
        raise ValidationError({"unit": [_("%(unit)s不是该考核方案的考核对象") % {"unit": unit.name}]})
    with transaction.atomic():
        item = RectificationItem.objects.create(period=period, unit=unit, raised_by=_user_or_none(user), **values)
        record_event("feedback.rectification.created", user=user, request=request, obj=item, period=period.pk,
                     unit=unit.pk, deadline=item.deadline.isoformat(), source=item.source)
    return item


def rectification_edit(item: RectificationItem, *, user=None, request=None, **changes) -> bool:
    """Change what the office wrote (source, problem, requirement, deadline); True when anything changed."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    current = {name: getattr(item, name) for name in EDITABLE_FIELDS}
    values = _clean_item_fields(**{**current, **changes})
    differs = {name: value for name, value in values.items() if current[name] != value}
    if not differs:
        return False
    with transaction.atomic():
        for name, value in differs.items():
            setattr(item, name, value)
        item.save()
        record_event("feedback.rectification.edited", user=user, request=request, obj=item,
                     changed=sorted(differs),
                     before={name: _plain(current[name]) for name in differs},
                     after={name: _plain(value) for name, value in differs.items()})
    return True


def _plain(value) -> object:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None


# --- Progress (the unit) and review (the office) ------------------------------------------------------


def rectification_report_progress(item: RectificationItem, *, status: str, note: str, evidence_file=None,
                                  user=None, request=None) -> RectificationUpdate:
    """The unit's progress: a status it may choose, what it did, and optionally one evidence file
    (checked by content, like a supervision record's attachment)."""
    errors: dict[str, list[str]] = {}
    if item.status == RectificationStatus.CLOSED:
        raise ValidationError(_("该整改事项已销号，不能再填报进展"))
    if status not in UNIT_STATUSES:
        errors["status"] = [_("请选择未开始、整改中或已完成")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("请填写整改进展情况")]
    if errors:
        raise ValidationError(errors)
    data = kind = None
    if evidence_file is not None:
        try:
            data, kind = check_attachment(evidence_file)
        except ValidationError as refused:
            raise ValidationError({"evidence": refused.messages}) from refused
    with transaction.atomic():
        # The row is locked so that a 销号 arriving meanwhile is not overwritten by this report.
        before = RectificationItem.objects.select_for_update().values_list("status", flat=True).get(pk=item.pk)
        if before == RectificationStatus.CLOSED:
            raise ValidationError(_("该整改事项已销号，不能再填报进展"))
        item.status = status
        item.finished_on = timezone.localdate() if status == RectificationStatus.DONE else None
        item.save(update_fields=["status", "finished_on", "updated_at"])
        update = RectificationUpdate.objects.create(item=item, kind=RectificationUpdate.Kind.PROGRESS,
                                                    status=status, note=note, written_by=_user_or_none(user))
        evidence = None
        if data is not None:
            evidence = store_document(RectificationEvidence(item=item, update=update), evidence_file, data, kind,
                                      user, default_name=_("佐证材料"))
        record_event("feedback.rectification.progress", user=user, request=request, obj=item,
                     unit=item.unit_id, before=before, after=status,
                     evidence=evidence.sha256 if evidence else None)
    return update


def rectification_close(item: RectificationItem, *, note: str = "", user=None, request=None) -> RectificationUpdate:
    """销号: the office confirms an item the unit reported done."""
    if item.status != RectificationStatus.DONE:
        raise ValidationError(_("只有单位报告“已完成”的整改事项才能销号"))
    with transaction.atomic():
        item.status = RectificationStatus.CLOSED
        item.closed_by = _user_or_none(user)
        item.closed_at = timezone.now()
        item.save(update_fields=["status", "closed_by", "closed_at", "updated_at"])
        update = RectificationUpdate.objects.create(
            item=item, kind=RectificationUpdate.Kind.CLOSED, status=item.status,
            note=(note or "").strip() or _("经审核，整改到位，予以销号"), written_by=_user_or_none(user))
        record_event("feedback.rectification.closed", user=user, request=request, obj=item, unit=item.unit_id)
    return update


def rectification_return(item: RectificationItem, *, note: str, user=None, request=None) -> RectificationUpdate:
    """The office sends back an item reported done: it is 整改中 again and counts toward overdue."""
    if item.status != RectificationStatus.DONE:
        raise ValidationError(_("只有单位报告“已完成”的整改事项才能退回"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("退回时请写明理由，单位将看到这段说明")]})
    with transaction.atomic():
        item.status = RectificationStatus.IN_PROGRESS
        item.finished_on = None
        item.save(update_fields=["status", "finished_on", "updated_at"])
        update = RectificationUpdate.objects.create(item=item, kind=RectificationUpdate.Kind.RETURNED,
                                                    status=item.status, note=note, written_by=_user_or_none(user))
        record_event("feedback.rectification.returned", user=user, request=request, obj=item, unit=item.unit_id,
                     reason=note)
    return update


def open_evidence(evidence: RectificationEvidence, *, user=None, request=None):
    """The evidence file, opened for reading; every download is logged."""
    record_event("feedback.evidence.downloaded", user=user, request=request, obj=evidence, item=evidence.item_id,
                 unit=evidence.item.unit_id, sha256=evidence.sha256)
    return evidence.file.open("rb")


def latest_updates(items: Iterable[RectificationItem]) -> dict[int, RectificationUpdate]:
    """Each item's latest update, in one query."""
    latest: dict[int, RectificationUpdate] = {}
    ids = [item.pk for item in items]
    for update in RectificationUpdate.objects.filter(item_id__in=ids).order_by("item_id", "written_at", "pk"):
        latest[update.item_id] = update
    return latest
