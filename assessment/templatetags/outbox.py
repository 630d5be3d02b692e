"""What a page says about the background jobs behind it (core.jobs)."""

from django import template

from assessment.recompute import recompute_waits_for_queue

register = template.Library()


@register.filter
def waits_for_queue(period) -> bool:
    """Whether the period's recompute is saved but waiting for the queue to come back."""
    return recompute_waits_for_queue(period)
