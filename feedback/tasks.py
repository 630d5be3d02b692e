"""Background work of the feedback area, carried by the durable job outbox (core.jobs)."""

from core import jobs
from feedback.batches import PERIOD_FEEDBACK, generate_period_feedback


def generate_feedback_job(batch_id: int) -> str:
    """Write every unit's feedback workbook of the batch's period into one zip; safe to run twice."""
    return generate_period_feedback(batch_id).status


jobs.register(PERIOD_FEEDBACK, generate_feedback_job)
