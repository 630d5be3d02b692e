"""Background tasks of the assessment area. Tasks take ids and call services."""

from celery import shared_task

from assessment.recompute import recompute_period


@shared_task
def ping(payload: str) -> str:
    """Round trip used to check that a worker is consuming the queue (health page, tests)."""
    return f"pong:{payload}"


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def recompute(self, period_id: int) -> dict[str, float]:
    """Recompute a period's results. Idempotent: a second run stores identical rows."""
    timings = recompute_period(period_id)
    return {"units": timings.units, "seconds": round(timings.total, 3)}
