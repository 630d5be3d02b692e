"""The assessment office's written comments on a unit's result (反馈意见)."""

from __future__ import annotations

from django.db import transaction

from accounts.audit import record_event
from assessment.models import Period
from cadres.models import Unit
from feedback.models import FeedbackNote


def feedback_note_save(*, period: Period, unit: Unit, comments: str, user=None, request=None) -> FeedbackNote | None:
    """Write (or rewrite) the comments; blank comments remove them. The audit log keeps each text."""
    comments = (comments or "").strip()
    author = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        note = FeedbackNote.objects.select_for_update().filter(period=period, unit=unit).first()
        before = note.comments if note else ""
        if comments == before:
            return note
        if not comments:
            note.delete()
            note = None
        elif note is None:
            note = FeedbackNote.objects.create(period=period, unit=unit, comments=comments, written_by=author)
        else:
            note.comments = comments
            note.written_by = author
            note.save(update_fields=["comments", "written_by", "written_at"])
        record_event("feedback.note.saved", user=user, request=request, obj=note or unit, period=period.pk,
                     unit=unit.pk, before=before, after=comments)
    return note
