"""Entering and correcting supervision records, and their attachments (SPEC §7).

A record is created or changed only through these functions: they validate in words an officer
understands, keep the earlier state of an edited record as a ``RecordVersion``, create the linked
record an outcome calls for (an inquiry answered with 诫勉 creates an admonishment record), write the
audit log, and re-evaluate the cadre's points inside the same transaction, so that an alert the record
raises exists before the page returns.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_event
from cadres.models import Cadre
from core.documents import attachment_name, check_attachment, store_document
from supervision.evaluation import after_records_changed
from supervision.models import Alert, Record, RecordAttachment, RecordType, RecordVersion
from supervision.points import Line

# The 1+6 departments that send records (SPEC §7); others may be typed in.
SOURCE_DEPARTMENTS = ("纪委监委", "公安", "检察院", "法院", "审计", "信访", "组织部")
EDITABLE_FIELDS = ("record_type", "date", "source", "document_number", "summary")
# The earliest decision date accepted: older records belong to the paper archive.
EARLIEST_RECORD_DATE = datetime.date(1980, 1, 1)


@dataclass
class RecordSaved:
    """What saving a record did: the record, the linked record an outcome created, the alerts raised."""

    record: Record
    follow_up: Record | None = None
    alerts: list[Alert] = field(default_factory=list)
    changed: bool = True


# --- Reading a record as text ---------------------------------------------------------------------


def record_snapshot(record: Record) -> dict[str, object]:
    """The record's fields as stored in a version: the type as "类型·细类", dates ISO."""
    return {
        "record_type": str(record.record_type),
        "record_type_id": record.record_type_id,
        "date": record.date.isoformat(),
        "source": record.source,
        "document_number": record.document_number,
        "summary": record.summary,
    }


SNAPSHOT_LABELS = {
    "record_type": gettext_lazy("类型"), "date": gettext_lazy("日期"), "source": gettext_lazy("来源部门"),
    "document_number": gettext_lazy("文号"), "summary": gettext_lazy("摘要"),
}


def snapshot_changes(before: dict, after: dict) -> list[tuple[str, object, object]]:
    """(field label, before, after) for every field that differs between two snapshots."""
    return [(str(SNAPSHOT_LABELS[key]), before.get(key, ""), after.get(key, ""))
            for key in SNAPSHOT_LABELS if before.get(key, "") != after.get(key, "")]


def plain_points(points: Decimal) -> str:
    """6.0 → "6", 2.5 → "2.5"."""
    return f"{Decimal(points).normalize():f}"


def describe_alert(alert: Alert) -> str:
    """How an officer is told about an alert just raised: "张三 积分 6 分，已达到函询线，已生成预警"."""
    return _("%(name)s 积分 %(points)s 分，已达到%(line)s，已生成预警") % {
        "name": alert.cadre.name, "points": plain_points(alert.points), "line": Line(alert.line).label}


# --- Validation -------------------------------------------------------------------------------------


def _clean_fields(*, cadre: Cadre | None, record_type, date, source: str, document_number: str,
                  summary: str) -> dict[str, object]:
    """The values to store, or a ValidationError naming each bad field in Chinese."""
    errors: dict[str, list[str]] = {}
    if cadre is None or cadre.pk is None:
        errors.setdefault("cadre", []).append(_("请选择干部"))
    if record_type is None:
        errors.setdefault("record_type", []).append(_("请选择类型和细类"))
    else:
        record_type_id = record_type.pk if isinstance(record_type, RecordType) else record_type
        record_type = RecordType.objects.filter(pk=record_type_id).first()
        if record_type is None:
            errors.setdefault("record_type", []).append(_("该类型不存在，可能已被管理员删除，请重新选择"))
    if date is None:
        errors.setdefault("date", []).append(_("请填写日期"))
    elif date > timezone.localdate():
        errors.setdefault("date", []).append(_("日期%(date)s晚于今天，记录的日期是作出决定或登记的日期") % {
            "date": date.isoformat()})
    elif date < EARLIEST_RECORD_DATE:
        errors.setdefault("date", []).append(_("日期%(date)s早于%(earliest)s，请核对") % {
            "date": date.isoformat(), "earliest": EARLIEST_RECORD_DATE.isoformat()})
    source = (source or "").strip()
    if not source:
        errors.setdefault("source", []).append(_("请填写来源部门，如 %(examples)s") % {
            "examples": "、".join(SOURCE_DEPARTMENTS)})
    elif len(source) > Record._meta.get_field("source").max_length:
        errors.setdefault("source", []).append(_("来源部门过长（最多40个字）"))
    document_number = (document_number or "").strip()
    if len(document_number) > Record._meta.get_field("document_number").max_length:
        errors.setdefault("document_number", []).append(_("文号过长（最多100个字）"))
    if errors:
        raise ValidationError(errors)
    return {"record_type": record_type, "date": date, "source": source, "document_number": document_number,
            "summary": (summary or "").strip()}


# --- Outcomes that create a linked record ---------------------------------------------------------


def follow_up_type(record_type: RecordType) -> RecordType | None:
    """The type of the record an outcome creates: an outcome named after another record type (函询·诫勉
    names 诫勉) creates a record of that type. Kept as data: no outcome is named in code."""
    if not record_type.has_outcomes or not record_type.subtype:
        return None
    return RecordType.objects.filter(name=record_type.subtype, subtype="").first()


def make_follow_up(record: Record, on: datetime.date, user=None) -> Record | None:
    """The linked record the record's outcome calls for, dated ``on``; once per record."""
    consequence_type = follow_up_type(record.record_type)
    if consequence_type is None or record.consequences.filter(record_type=consequence_type).exists():
        return None
    return Record.objects.create(
        cadre=record.cadre, record_type=consequence_type, date=on, source=record.source,
        document_number=record.document_number, follows=record, entered_by=_user_or_none(user),
        import_batch=record.import_batch, summary=follow_up_summary(record),
    )


def follow_up_summary(record: Record) -> str:
    return _("由%(record)s的办理结果产生") % {"record": record.describe()}


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None


def _outcome_date(record: Record, outcome_date: datetime.date | None, default: datetime.date) -> datetime.date:
    day = outcome_date or default
    if day > timezone.localdate():
        raise ValidationError({"outcome_date": [_("办理结果日期晚于今天")]})
    if day < record.date:
        raise ValidationError({"outcome_date": [_("办理结果日期早于记录日期%(date)s") % {
            "date": record.date.isoformat()}]})
    return day


def _follow_up_for(record: Record, outcome_date: datetime.date | None, default: datetime.date,
                   user) -> Record | None:
    """The linked record the record's outcome still calls for, dated the outcome (checked only then)."""
    consequence_type = follow_up_type(record.record_type)
    if consequence_type is None or record.consequences.filter(record_type=consequence_type).exists():
        return None
    return make_follow_up(record, _outcome_date(record, outcome_date, default), user)


# --- Creating and changing -------------------------------------------------------------------------


def create_record(*, cadre: Cadre, record_type: RecordType | int, date: datetime.date, source: str,
                  document_number: str = "", summary: str = "", user=None, request=None,
                  outcome_date: datetime.date | None = None) -> RecordSaved:
    """Store a new record for ``cadre`` and evaluate the cadre's points at once.

    An outcome that creates a linked record (函询·诫勉) creates it dated ``outcome_date``, or the record's
    own date when none is given."""
    values = _clean_fields(cadre=cadre, record_type=record_type, date=date, source=source,
                           document_number=document_number, summary=summary)
    with transaction.atomic():
        record = Record.objects.create(cadre=cadre, entered_by=_user_or_none(user), **values)
        follow_up = _follow_up_for(record, outcome_date, record.date, user)
        record_event("supervision.record.created", user=user, request=request, obj=record, cadre=cadre.pk,
                     record_type=str(record.record_type), date=record.date.isoformat(),
                     follow_up=follow_up.pk if follow_up else None)
        if follow_up is not None:
            record_event("supervision.record.created", user=user, request=request, obj=follow_up, cadre=cadre.pk,
                         record_type=str(follow_up.record_type), date=follow_up.date.isoformat(), follows=record.pk)
        alerts = after_records_changed([cadre.pk])
    return RecordSaved(record=record, follow_up=follow_up, alerts=alerts)


def update_record(record: Record, changes: dict[str, object], user, reason: str, *, request=None,
                  outcome_date: datetime.date | None = None) -> RecordSaved:
    """Change a record, keeping what it was before as a version with the reason given.

    ``changes`` holds some of record_type, date, source, document_number and summary. Nothing is stored
    when nothing differs. Giving an inquiry the outcome 诫勉 creates the linked admonishment record, dated
    ``outcome_date`` (today when none is given), once."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    reason = (reason or "").strip()
    current = {name: getattr(record, name) for name in EDITABLE_FIELDS}
    values = _clean_fields(cadre=record.cadre, **{**current, **changes})
    if not reason:
        raise ValidationError({"reason": [_("请填写修改原因，修改前的内容将作为历史版本保留")]})
    if len(reason) > RecordVersion._meta.get_field("reason").max_length:
        raise ValidationError({"reason": [_("修改原因过长（最多200个字）")]})
    differs = {name: value for name, value in values.items() if current[name] != value}
    if not differs:
        return RecordSaved(record=record, changed=False)
    with transaction.atomic():
        record = Record.objects.select_for_update().select_related("record_type", "cadre").get(pk=record.pk)
        before = record_snapshot(record)
        RecordVersion.objects.create(record=record, snapshot=before, changed_by=_user_or_none(user),
                                     reason=reason)
        for name, value in differs.items():
            setattr(record, name, value)
        record.save()
        follow_up = _follow_up_for(record, outcome_date, timezone.localdate(), user)
        record_event("supervision.record.updated", user=user, request=request, obj=record, cadre=record.cadre_id,
                     reason=reason, changed=sorted(differs), before=before, after=record_snapshot(record),
                     follow_up=follow_up.pk if follow_up else None)
        if follow_up is not None:
            record_event("supervision.record.created", user=user, request=request, obj=follow_up,
                         cadre=record.cadre_id, record_type=str(follow_up.record_type),
                         date=follow_up.date.isoformat(), follows=record.pk)
        alerts = after_records_changed([record.cadre_id])
    return RecordSaved(record=record, follow_up=follow_up, alerts=alerts)


# --- Attachments -------------------------------------------------------------------------------------


def add_attachment(record: Record, uploaded_file, user, *, request=None) -> RecordAttachment:
    """Keep a document behind the record in private storage, after checking its size and its content."""
    name = attachment_name(uploaded_file)
    data, kind = check_attachment(uploaded_file)
    digest = hashlib.sha256(data).hexdigest()
    same = record.attachments.filter(sha256=digest).first()
    if same is not None:
        raise ValidationError(_("附件“%(name)s”与已上传的“%(existing)s”内容相同，无需重复上传") % {
            "name": name, "existing": same.original_name})
    with transaction.atomic():
        attachment = store_document(RecordAttachment(record=record), uploaded_file, data, kind, user)
        record_event("supervision.attachment.added", user=user, request=request, obj=attachment,
                     record=record.pk, cadre=record.cadre_id, sha256=digest, size=len(data),
                     content_type=kind.content_type)
    return attachment


def open_attachment(attachment: RecordAttachment, *, user=None, request=None):
    """The attachment's file, opened for reading; every download is logged."""
    record_event("supervision.attachment.downloaded", user=user, request=request, obj=attachment,
                 record=attachment.record_id, cadre=attachment.record.cadre_id, sha256=attachment.sha256)
    return attachment.file.open("rb")
