"""Classified records (密级) against the reader's clearance (涉密权限).

A record's effective label is the higher of its own and its type's (``Record.effective_sensitivity``).
An officer whose clearance is below it still sees that the record exists, with its type, date and
points, because the points and promotion rules count it; its contents (source, document number,
summary, attachments, history) are withheld, and asking for them directly is refused and logged.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import AuditOutcome
from supervision.models import Record, Sensitivity


def clearance_of(user) -> int:
    if not user.is_authenticated:
        return 0
    if user.is_superuser:
        return Sensitivity.CORE
    profile = getattr(user, "profile", None)
    return getattr(profile, "clearance", None) or Sensitivity.SENSITIVE


def may_read(user, record: Record) -> bool:
    return record.effective_sensitivity <= clearance_of(user)


def readable_records(records: QuerySet[Record], user) -> QuerySet[Record]:
    level = clearance_of(user)
    return records.filter(sensitivity__lte=level, record_type__default_sensitivity__lte=level)


def mark_readable(records, user) -> None:
    """Set ``record.readable`` on each record for the templates."""
    level = clearance_of(user)
    for record in records:
        record.readable = record.effective_sensitivity <= level


def check_may_read(request, record: Record) -> None:
    if not may_read(request.user, record):
        record_event("supervision.record_refused_clearance", request=request, obj=record,
                     outcome=AuditOutcome.DENIED, sensitivity=record.effective_sensitivity)
        raise PermissionDenied(_("该记录密级为“%(label)s”，超出您的涉密权限") % {
            "label": Sensitivity(record.effective_sensitivity).label})


def by_source_within_clearance(groups: list) -> list:
    """The file's by-source groups with the withheld records moved to a group of their own, so a
    group's title does not tell where a classified record came from (after ``mark_readable``)."""
    from supervision.cadre_file import RecordGroup

    kept, withheld = [], []
    for group in groups:
        readable = [record for record in group.records if getattr(record, "readable", True)]
        withheld += [record for record in group.records if not getattr(record, "readable", True)]
        if readable:
            kept.append(RecordGroup(group.title, readable))
    if withheld:
        kept.append(RecordGroup(_("（来源超出涉密权限）"), sorted(withheld, key=lambda record: (record.date, record.pk))))
    return kept
