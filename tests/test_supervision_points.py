"""Points, lines and unit colours of SPEC §7, computed by hand and by the service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from supervision.models import Record, RecordType
from supervision.points import Line, WarningLevel, add_months, cadre_points, line_of, points_at, unit_warning


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2024, 2, 29), -12, date(2023, 2, 28)),
    (date(2024, 6, 15), 18, date(2025, 12, 15)),
])
def test_calendar_months_clamp_to_the_last_day(day, months, expected):
    assert add_months(day, months) == expected


def test_points_count_records_in_the_twelve_months_up_to_the_day():
    records = [(date(2023, 6, 30), Decimal(4)), (date(2023, 7, 1), Decimal(2)), (date(2024, 6, 30), Decimal(1)),
               (date(2024, 7, 1), Decimal(8))]
    # (2023-06-30, 2024-06-30]: the first record has just aged out, the last is still in the future.
    assert points_at(records, date(2024, 6, 30)) == Decimal(3)
    assert points_at(records, date(2024, 6, 29)) == Decimal(6)  # a day earlier the first still counts


@pytest.mark.parametrize(("points", "line"), [
    (Decimal("2.9"), Line.NONE), (Decimal(3), Line.REMINDER), (Decimal(6), Line.INQUIRY),
    (Decimal(9), Line.INQUIRY), (Decimal(10), Line.ADMONISHMENT),
])
def test_lines(points, line):
    assert line_of(points) == line


@pytest.mark.parametrize(("points", "level", "reason"), [
    ([0] * 10, WarningLevel.NONE, "0/10 名干部近12个月有监督记录"),
    ([1] + [0] * 9, WarningLevel.YELLOW, "1/10"),
    ([1, 1] + [0] * 8, WarningLevel.ORANGE, "2/10"),
    ([1, 1, 1] + [0] * 7, WarningLevel.RED, "3/10"),
    ([6] + [0] * 19, WarningLevel.ORANGE, "1 人达到函询线"),
    ([10] + [0] * 19, WarningLevel.RED, "1 人达到诫勉线"),
    ([1, 0, 0], WarningLevel.NONE, "班子不足5人，不按比例定色"),  # a third of a small team is not red
    ([3, 0, 0], WarningLevel.YELLOW, "1 人达到提醒线"),
])
def test_unit_colours_and_their_reasons(points, level, reason):
    warning = unit_warning([Decimal(value) for value in points])
    assert warning.level == level
    assert reason in warning.reason


@pytest.mark.django_db
def test_cadre_points_read_the_record_types_points(registry):
    cadre = registry["cadre_a"]
    inquiry_cleared = RecordType.objects.get(name="函询", subtype="采信了结")
    warning = RecordType.objects.get(name="党纪处分", subtype="警告")
    Record.objects.create(cadre=cadre, record_type=inquiry_cleared, date=date(2024, 3, 1), source="纪委监委")
    Record.objects.create(cadre=cadre, record_type=warning, date=date(2024, 5, 1), source="纪委监委")
    Record.objects.create(cadre=cadre, record_type=warning, date=date(2023, 4, 1), source="纪委监委")
    assert cadre_points(None, date(2024, 6, 1)) == {cadre.pk: Decimal(6)}  # the cleared inquiry counts 0
    assert cadre_points([registry["cadre_b"].pk], date(2024, 6, 1)) == {}
    assert line_of(cadre_points(None, date(2024, 3, 31))[cadre.pk]) == Line.INQUIRY  # 2023-04-01 still counts
    assert cadre_points(None, date(2024, 4, 1)) == {}  # twelve months later it has aged out
