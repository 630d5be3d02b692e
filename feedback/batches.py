"""Every unit's feedback workbook of a period, written in the background into one zip.

``start_feedback_batch`` records the request and queues the task after the transaction commits;
``generate_period_feedback(batch_id)`` is the whole job body (the Celery task only calls it, and a
durable job outbox can call it the same way). It reports its progress on the batch row, which the
period page polls, and stores the zip in private storage; it is served only by a checked view.
"""

from __future__ import annotations

import datetime
import logging
import re
import tempfile
import zipfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.models import Period
from cadres.models import Unit
from core import jobs
from feedback.models import BatchStatus, FeedbackBatch
from feedback.reports import feedback_report, period_units
from feedback.workbook import feedback_xlsx, summary_xlsx

# The outbox job that writes a period's zip (registered with its function in feedback/tasks.py).
PERIOD_FEEDBACK = "feedback.period_feedback"

logger = logging.getLogger(__name__)

# A run still queued or running after this long is taken for lost (a worker killed half-way).
STALE_AFTER = datetime.timedelta(minutes=30)
# Characters Windows and zip tools refuse in a file name.
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_file_name(text: str) -> str:
    return _UNSAFE_IN_NAMES.sub("_", text).strip(" .") or "_"


def unit_workbook_name(unit: Unit) -> str:
    return safe_file_name(_("%(code)s_%(name)s_反馈单.xlsx") % {"code": unit.code, "name": unit.name})


def summary_workbook_name(period: Period) -> str:
    return safe_file_name(_("00_%(period)s_反馈单汇总.xlsx") % {"period": period.code})


def zip_download_name(period: Period) -> str:
    return safe_file_name(_("%(scheme)s_%(period)s_反馈单.zip") % {"scheme": period.scheme.name,
                                                                 "period": period.code})


def start_feedback_batch(period: Period, *, user=None, request=None) -> FeedbackBatch:
    """Queue the generation of the period's zip; a run already under way is returned instead of a second."""
    with transaction.atomic():
        # Two officers pressing the button at once: the period's row makes them take turns.
        Period.objects.select_for_update().only("pk").get(pk=period.pk)
        working = FeedbackBatch.objects.filter(period=period,
                                               status__in=(BatchStatus.QUEUED, BatchStatus.RUNNING)).first()
        if working is not None and working.requested_at >= timezone.now() - STALE_AFTER:
            return working
        if working is not None:
            # Its worker died or its message was lost: let the officer start again.
            FeedbackBatch.objects.filter(pk=working.pk).update(
                status=BatchStatus.FAILED, error=_("超过%(minutes)d分钟未完成，已重新发起") % {
                    "minutes": STALE_AFTER.total_seconds() // 60}, finished_at=timezone.now())
        batch = FeedbackBatch.objects.create(period=period, requested_by=user if user and user.is_authenticated
                                             else None, unit_count=len(period_units(period)))
        record_event("feedback.batch.requested", user=user, request=request, obj=batch, period=period.pk,
                     units=batch.unit_count)
        # A durable job in the same transaction: it runs once the queue has it, even if the broker
        # was down when the officer asked (the sweeper hands it over later).
        jobs.enqueue(PERIOD_FEEDBACK, key=str(batch.pk), payload={"batch_id": batch.pk})
    return batch


def _report_progress(batch: FeedbackBatch, percent: int) -> None:
    if percent != batch.progress:
        batch.progress = percent
        FeedbackBatch.objects.filter(pk=batch.pk).update(progress=percent)


def generate_period_feedback(batch_id: int) -> FeedbackBatch:
    """Write one workbook per unit of the batch's period, and a summary, into one zip. Safe to run
    twice: a finished batch is left as it is. A failure is stored on the batch for the page to show."""
    batch = FeedbackBatch.objects.select_related("period__scheme", "requested_by").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return batch
    FeedbackBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, progress=0, error="")
    batch.status, batch.progress = BatchStatus.RUNNING, 0
    period = batch.period
    try:
        # The report is an official Chinese document, whichever language the requesting page used; a
        # worker and an eager run in a request then write the same files.
        with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryFile() as buffer:
            units = period_units(period)
            today = timezone.localdate()
            reports = []
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for index, unit in enumerate(units, start=1):
                    report = feedback_report(period, unit, today=today)
                    archive.writestr(unit_workbook_name(unit), feedback_xlsx(report))
                    reports.append(report)
                    # The last few per cent are the summary and storing the file.
                    _report_progress(batch, index * 95 // max(len(units), 1))
                archive.writestr(summary_workbook_name(period), summary_xlsx(
                    reports, _("%(scheme)s %(period)s 反馈单汇总") % {"scheme": period.scheme.name,
                                                                   "period": period.code}))
            size = buffer.tell()
            buffer.seek(0)
            batch.file.save(f"{batch.pk}.zip", File(buffer, name=f"{batch.pk}.zip"), save=False)
        batch.status = BatchStatus.DONE
        batch.progress = 100
        batch.unit_count = len(units)
        batch.size = size
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "progress", "unit_count", "size", "file", "finished_at"])
        record_event("feedback.batch.generated", user=batch.requested_by, obj=batch, period=period.pk,
                     units=len(units), size=size)
    except Exception as error:  # noqa: BLE001 - any failure is reported on the page, not lost in a worker log
        logger.exception("feedback batch %s failed", batch.pk)
        batch.status = BatchStatus.FAILED
        batch.error = str(error)[:2000] or error.__class__.__name__
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
    return batch


def open_batch_file(batch: FeedbackBatch, *, user=None, request=None):
    """The zip, opened for reading; every download is logged."""
    record_event("feedback.batch.downloaded", user=user, request=request, obj=batch, period=batch.period_id,
                 size=batch.size)
    return batch.file.open("rb")


def waits_for_queue(batch: FeedbackBatch) -> bool:
    """Whether the batch's job could not be handed to the queue (the broker was down)."""
    return jobs.waits_for_queue(PERIOD_FEEDBACK, str(batch.pk))
