"""The demo district's feedback: comments, rectification items (one overdue, one closed), a 骏马奖 and a
蜗牛奖, loaded after the assessment demo and unchanged when loaded again."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from assessment.site.demo import DEMO_SCHEME_NAME
from feedback.demo import load_feedback_demo
from feedback.models import Award, AwardKind, FeedbackNote, RectificationItem, RectificationStatus
from feedback.rectification import is_overdue, overdue_count


@pytest.mark.django_db
def test_the_feedback_demo_loads_once_whatever_the_number_of_runs():
    call_command("load_demo")
    load_feedback_demo(scheme_name=DEMO_SCHEME_NAME)
    counts = (FeedbackNote.objects.count(), RectificationItem.objects.count(), Award.objects.count())
    load_feedback_demo(scheme_name=DEMO_SCHEME_NAME)
    assert (FeedbackNote.objects.count(), RectificationItem.objects.count(), Award.objects.count()) == counts
    assert counts[0] >= 3 and counts[1] >= 3
    items = list(RectificationItem.objects.all())
    assert sum(is_overdue(item) for item in items) == overdue_count() == 1
    assert any(item.status == RectificationStatus.CLOSED for item in items)
    assert set(Award.objects.values_list("kind", flat=True)) == {AwardKind.STEED, AwardKind.SNAIL}
    steed = Award.objects.get(kind=AwardKind.STEED)
    snail = Award.objects.get(kind=AwardKind.SNAIL)
    assert steed.unit_id != snail.unit_id
