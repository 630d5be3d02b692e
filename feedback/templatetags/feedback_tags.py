"""What the dashboard shows a unit viewer of its own feedback: the latest published report and the
items still open. The dashboard view belongs to the assessment area; this tag keeps the query here."""

from __future__ import annotations

from django import template
from django.utils import timezone

from accounts.access import scoped_unit_id
from assessment.models import UnitResult
from feedback import selectors
from feedback.models import FINISHED_STATUSES
from feedback.rectification import is_overdue

register = template.Library()

OPEN_ITEMS_SHOWN = 5


@register.inclusion_tag("feedback/_dashboard_own_unit.html")
def own_unit_feedback(user) -> dict:
    if not (selectors.reads_own_feedback(user) or selectors.reads_own_rectification(user)):
        return {"shown": False}
    today = timezone.localdate()
    unit_id = scoped_unit_id(user)
    periods = selectors.feedback_periods_for(user)
    latest = (UnitResult.objects.filter(unit_id=unit_id, period__in=periods).select_related("period__scheme")
              .order_by("-period__start_date", "-period__pk").first())
    items = selectors.rectifications_visible_to(user).exclude(status__in=FINISHED_STATUSES).order_by("deadline", "pk")
    open_items = [(item, is_overdue(item, today)) for item in items]
    return {
        "shown": True,
        "unit_id": unit_id,
        "latest": latest,
        "tier_name": latest.period.scheme.tier_name(latest.tier) if latest else "",
        "open_items": open_items[:OPEN_ITEMS_SHOWN],
        "open_count": len(open_items),
        "overdue_count": sum(1 for _item, overdue in open_items if overdue),
    }
