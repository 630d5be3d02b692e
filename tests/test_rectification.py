"""Rectification items (整改事项): when an item is overdue, how it is counted, listed, filtered and
exported, and how it moves between the unit (progress) and the office (销号 or return)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import Period, PeriodState
from feedback.models import RectificationItem, RectificationStatus
from feedback.rectification import is_overdue, overdue_count

DEADLINE = datetime.date(2025, 6, 30)
DAY = datetime.timedelta(days=1)


def make_item(registry, *, unit="town_a", deadline=DEADLINE, status=RectificationStatus.NOT_STARTED, period=None,
              problem="台账不全"):
    return RectificationItem.objects.create(period=period or registry["period"], unit=registry[unit],
                                            problem=problem, requirement="补齐", deadline=deadline, status=status)


@pytest.mark.django_db
@pytest.mark.parametrize(("today", "status", "overdue"), [
    (DEADLINE - DAY, RectificationStatus.NOT_STARTED, False),
    (DEADLINE, RectificationStatus.NOT_STARTED, False),  # the deadline day itself is still in time
    (DEADLINE + DAY, RectificationStatus.NOT_STARTED, True),
    (DEADLINE + DAY, RectificationStatus.IN_PROGRESS, True),
    (DEADLINE + DAY, RectificationStatus.DONE, False),  # finished items are never overdue
    (DEADLINE + 365 * DAY, RectificationStatus.CLOSED, False),
])
def test_an_item_is_overdue_from_the_day_after_its_deadline_until_it_is_done(registry, today, status, overdue):
    item = make_item(registry, status=status)
    assert is_overdue(item, today) is overdue
    assert overdue_count(registry["period"], today=today) == (1 if overdue else 0)


@pytest.mark.django_db
def test_overdue_count_by_period_and_unit(registry):
    later = Period.objects.create(scheme=registry["scheme"], code="2025", start_date=datetime.date(2025, 1, 1),
                                  end_date=datetime.date(2025, 12, 31))
    make_item(registry)                                                   # overdue
    make_item(registry, unit="town_b")                                    # overdue
    make_item(registry, status=RectificationStatus.DONE)                  # done in time: not counted
    make_item(registry, deadline=DEADLINE + 10 * DAY)                     # not yet due
    make_item(registry, period=later)                                     # overdue, another period
    today = DEADLINE + DAY
    assert overdue_count(today=today) == 3
    assert overdue_count(registry["period"], today=today) == 2
    assert overdue_count(later, today=today) == 1
    assert overdue_count(registry["period"], unit=registry["town_b"], today=today) == 1


@pytest.fixture
def officer(personas):
    return personas[Role.ASSESSMENT_OFFICER]


@pytest.fixture
def viewer(personas):
    return personas[Role.UNIT_VIEWER]


def test_the_list_marks_and_filters_overdue_items_and_exports_them(client, registry, officer):
    today = timezone.localdate()
    late = make_item(registry, deadline=today - 5 * DAY, problem="逾期五天的问题")
    make_item(registry, unit="town_b", deadline=today, problem="今天到期的问题")
    make_item(registry, deadline=today - 9 * DAY, status=RectificationStatus.DONE, problem="已完成的问题")
    make_item(registry, unit="town_b", deadline=today - DAY, problem="=cmd|' /C calc'!A0")
    client.force_login(officer)
    url = reverse("feedback:rectification_list")
    page = client.get(url).content.decode()
    assert "其中逾期 2 项" in page
    rows = page.split("<tr")
    assert "rectification-overdue" in next(row for row in rows if "逾期五天的问题" in row)
    assert "rectification-overdue" not in next(row for row in rows if "今天到期的问题" in row)
    assert "rectification-overdue" not in next(row for row in rows if "已完成的问题" in row)

    only_overdue = client.get(url, {"overdue": "yes"}).content.decode()
    assert "逾期五天的问题" in only_overdue and "今天到期的问题" not in only_overdue
    assert "已完成的问题" not in only_overdue
    by_unit = client.get(url, {"unit": registry["town_b"].pk, "status": "not_started"}).content.decode()
    assert "今天到期的问题" in by_unit and "逾期五天的问题" not in by_unit

    response = client.get(url, {"overdue": "yes", "_export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["考核周期", "单位代码", "责任单位", "来源", "存在问题"]
    rows = {row[4]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"逾期五天的问题", "'=cmd|' /C calc'!A0"}  # formula-looking text stays text
    assert rows["逾期五天的问题"][8] == "是" and rows["逾期五天的问题"][9] == 5
    assert sheet.cell(row=2, column=7).number_format == "yyyy-mm-dd"
    assert AuditEvent.objects.filter(action="feedback.rectification.exported").exists()
    assert late.pk  # the item listed is the one made above


def test_the_list_is_paginated(client, registry, officer):
    for number in range(31):
        make_item(registry, problem=f"问题{number:02d}", deadline=DEADLINE + number * DAY)
    client.force_login(officer)
    first = client.get(reverse("feedback:rectification_list")).content.decode()
    second = client.get(reverse("feedback:rectification_list"), {"page": 2}).content.decode()
    assert "问题29" in first and "问题30" not in first and "问题30" in second and "第 2 / 2 页" in second


def test_the_office_raises_an_item_only_for_a_unit_of_the_scheme(client, registry, officer):
    client.force_login(officer)
    url = reverse("feedback:rectification_create")
    values = {"period": registry["period"].pk, "source": "half_year", "problem": "半年评估发现问题",
              "requirement": "限期整改", "deadline": "2025-09-30"}
    refused = client.post(url, {**values, "unit": registry["bureau"].pk})
    assert refused.status_code == 200 and "统计局不是该考核方案的考核对象" in refused.content.decode()
    assert client.post(url, {**values, "unit": registry["town_a"].pk}).status_code == 302
    item = RectificationItem.objects.get(problem="半年评估发现问题")
    assert item.unit == registry["town_a"] and item.source == "half_year" and item.raised_by == officer
    assert AuditEvent.objects.filter(action="feedback.rectification.created", object_id=str(item.pk)).exists()


def test_done_returned_done_closed(client, registry, officer, viewer):
    """The unit reports done; the office returns it with a reason (overdue again), then closes it."""
    item = make_item(registry, deadline=timezone.localdate() - 2 * DAY, status=RectificationStatus.IN_PROGRESS)
    progress = reverse("feedback:rectification_progress", kwargs={"item_pk": item.pk})
    review = reverse("feedback:rectification_review", kwargs={"item_pk": item.pk})

    client.force_login(officer)
    refused = client.post(review, {"action": "close"}, follow=True)
    assert "只有单位报告“已完成”的整改事项才能销号" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == RectificationStatus.IN_PROGRESS

    client.force_login(viewer)
    client.post(progress, {"status": "done", "note": "已整改完毕"})
    item.refresh_from_db()
    assert item.status == RectificationStatus.DONE and not is_overdue(item)

    client.force_login(officer)
    assert client.post(review, {"action": "return", "note": ""}).status_code == 400  # a return needs a reason
    client.post(review, {"action": "return", "note": "佐证材料不足，请补充会议记录"})
    item.refresh_from_db()
    assert item.status == RectificationStatus.IN_PROGRESS and item.finished_on is None and is_overdue(item)

    client.force_login(viewer)
    page = client.get(reverse("feedback:rectification_detail", kwargs={"item_pk": item.pk})).content.decode()
    assert "佐证材料不足，请补充会议记录" in page and "已逾期 2 天" in page
    client.post(progress, {"status": "done", "note": "已补充会议记录"})

    client.force_login(officer)
    client.post(review, {"action": "close", "note": ""})
    item.refresh_from_db()
    assert item.status == RectificationStatus.CLOSED and item.closed_by == officer
    assert [u.kind for u in item.updates.all()] == ["progress", "returned", "progress", "closed"]

    client.force_login(viewer)
    after = client.post(progress, {"status": "in_progress", "note": "再改一下"}, follow=True)
    assert "该整改事项已销号，不能再填报进展" in after.content.decode()
    assert 'id="progress-form"' not in after.content.decode()
    item.refresh_from_db()
    assert item.status == RectificationStatus.CLOSED


def test_a_unit_viewer_cannot_report_on_an_item_of_an_unpublished_period(client, registry, viewer):
    item = make_item(registry)
    Period.objects.filter(pk=registry["period"].pk).update(state=PeriodState.LOCKED)
    client.force_login(viewer)
    response = client.post(reverse("feedback:rectification_progress", kwargs={"item_pk": item.pk}),
                           {"status": "done", "note": "提前报送"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == RectificationStatus.NOT_STARTED


def test_the_office_corrects_an_item(client, registry, officer):
    item = make_item(registry)
    client.force_login(officer)
    response = client.post(reverse("feedback:rectification_edit", kwargs={"item_pk": item.pk}),
                           {"source": "feedback", "problem": "台账不全", "requirement": "补齐并建立月检制度",
                            "deadline": "2025-07-31"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.deadline == datetime.date(2025, 7, 31) and item.requirement == "补齐并建立月检制度"
    event = AuditEvent.objects.get(action="feedback.rectification.edited", object_id=str(item.pk))
    assert event.detail["before"]["deadline"] == "2025-06-30" and event.detail["after"]["deadline"] == "2025-07-31"
