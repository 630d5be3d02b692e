"""The Celery tasks that carry outbox jobs (``core.jobs``). Tasks take ids and call the outbox."""

import dataclasses

from celery import shared_task

from core import jobs


@shared_task
def ping(payload: str) -> str:
    """Round trip used to check that a worker is consuming the queue (health page, tests)."""
    return f"pong:{payload}"


# acks_late and reject_on_worker_lost: a message whose worker dies before finishing goes back to the
# queue; the job's claim (jobs.run) makes sure that the work is still done only once.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> dict:
    """Carry one outbox job of any kind that does not name a task of its own."""
    return jobs.run(job_id)


@shared_task(ignore_result=True)
def sweep_jobs() -> dict:
    """Hand over the jobs the queue missed or whose runner died (Celery beat, every minute)."""
    return dataclasses.asdict(jobs.sweep())
