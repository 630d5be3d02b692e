"""Background tasks of the assessment area. Tasks take ids and call services.

Work that must not be lost goes through the outbox (``core.jobs``): the task carries a job id, and
``jobs.run`` claims the job, does its work and records the outcome.
"""

from celery import shared_task

from assessment.recompute import recompute_period
from core import jobs


# acks_late and reject_on_worker_lost: a message whose worker dies before finishing goes back to the
# queue; the job's claim (jobs.run) makes sure that the work is still done only once.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recompute(period_id: int | None = None, *, job_id: int | None = None) -> dict:
    """Carry a recompute job (``assessment.recompute``). It has a name of its own so that recomputes can
    be routed to a queue of their own (CELERY_TASK_ROUTES). A message sent before the outbox existed
    carries a period id instead: it is recomputed directly, which is idempotent."""
    if job_id is not None:
        return jobs.run(job_id)
    timings = recompute_period(period_id)
    return {"units": timings.units, "seconds": round(timings.total, 3)}
