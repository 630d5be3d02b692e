"""Background tasks of the assessment area. Tasks take ids and call services."""

from celery import shared_task


@shared_task
def ping(payload: str) -> str:
    """Round trip used to check that a worker is consuming the queue (health page, tests)."""
    return f"pong:{payload}"
