"""Background tasks of the supervision area. Tasks take plain values and call services.

Work asked for by a person goes through the outbox (``core.jobs``) so that it is not lost when the
queue is down or a worker dies: a report an officer asks for (``supervision.report``) and the
re-evaluation of everyone after the rules change (``supervision.evaluation``). The nightly tasks below
are started by Celery beat and find their own work (what is missing, what has changed), so a night the
queue missed is caught up by the next one.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.contrib.auth import get_user_model

from core import jobs
from supervision.evaluation import evaluate_everyone
from supervision.job_kinds import EVALUATION, REPORT
from supervision.reports import generate_report


def evaluate_everyone_job(on: str | None = None) -> dict:
    """Re-evaluate every cadre, unit and efficiency warning at ``on`` (ISO date; today by default).
    Safe to run twice: the second run finds nothing new to raise and rewrites the same rows."""
    summary = evaluate_everyone(datetime.date.fromisoformat(on) if on else None)
    return {"on": summary.on.isoformat(), "cadres": summary.cadres, "alerts_raised": summary.alerts_raised,
            "units": summary.units, "efficiency_warnings": summary.efficiency_warnings}


def generate_report_job(kind: str, period_start: str, user_id: int | None = None) -> int:
    """Make (or refresh) one report an officer asked for; at city scale a report of an old period is
    computed from millions of records, so the page does not wait for it. Safe to run twice."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return generate_report(kind, datetime.date.fromisoformat(period_start), user=user).pk


jobs.register(REPORT, generate_report_job)
jobs.register(EVALUATION, evaluate_everyone_job, lease=datetime.timedelta(hours=2))


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def evaluate_supervision_nightly(on: str | None = None) -> dict:
    """The nightly re-evaluation (Celery beat, 02:00): points expire as records age out of the window."""
    return evaluate_everyone_job(on)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def generate_due_supervision_reports(today: str | None = None) -> list[int]:
    """The monthly, quarterly and annual reports of the last complete periods that are still missing
    (ISO date; today by default). Safe to run twice: a stored report is not made again."""
    from supervision.reports import generate_due_reports

    return [report.pk for report in generate_due_reports(datetime.date.fromisoformat(today) if today else None)]


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def generate_supervision_report(kind: str, period_start: str, user_id: int | None = None) -> int:
    """Kept for messages queued before reports went through the outbox (``supervision.report``)."""
    return generate_report_job(kind, period_start, user_id)
