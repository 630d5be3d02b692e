"""Background tasks of the registry. Tasks take ids or nothing and call selectors or services."""

from celery import shared_task

from cadres.models import Unit


@shared_task
def count_units() -> dict[str, int]:
    """How many units the worker's database holds; shows that a worker reads the app's database."""
    return {"units": Unit.objects.count()}
