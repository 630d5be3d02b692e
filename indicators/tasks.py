"""Background work of the data area. Tasks take ids and call services."""

from celery import shared_task

from indicators.models import ImportBatch, ImportStatus
from indicators.uploads import batch_check


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def check_upload(self, batch_id: int) -> str:
    """Validate an uploaded file and prepare its preview; safe to run twice."""
    batch = ImportBatch.objects.select_related("period__scheme", "department").get(pk=batch_id)
    if batch.status == ImportStatus.CHECKING:
        batch_check(batch)
    return batch.status
