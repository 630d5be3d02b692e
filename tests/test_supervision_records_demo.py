"""The demo district's supervision records and the sample batch in fixtures/."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from assessment.site.demo import FIXTURES, load_cadres, load_units, load_users
from cadres.models import Cadre
from supervision.demo import load_supervision_demo
from supervision.models import (
    Alert,
    CadrePointsState,
    ImportStatus,
    Record,
    RecordType,
    UnitWarningState,
)
from supervision.points import add_months, window_start
from supervision.record_import import import_records
from supervision.records import SOURCE_DEPARTMENTS


@pytest.fixture
def demo_registry(db):
    """The demo's units, cadres and users, without its schemes and statistics."""
    load_units()
    load_cadres()
    load_users()


def latest_warning_levels() -> dict[int, str]:
    levels = {}
    for unit_id, level in UnitWarningState.objects.order_by("unit_id", "-evaluated_on").values_list("unit_id", "level"):
        levels.setdefault(unit_id, level)
    return levels


def test_the_demo_records_look_like_a_districts_file_and_load_once(demo_registry):
    today = timezone.localdate()
    started = time.perf_counter()
    created = load_supervision_demo()
    elapsed = time.perf_counter() - started

    assert created == Record.objects.count()
    assert 4500 <= created <= 5500
    assert elapsed < 15  # bulk inserts and one evaluation; a few seconds on SQLite
    assert set(Record.objects.values_list("source", flat=True)) == set(SOURCE_DEPARTMENTS)
    years = {day.year for day in Record.objects.dates("date", "year")}
    assert years == set(range(2019, today.year + 1))
    assert Record.objects.filter(date__gt=today).count() == 0

    # Most cadres have no points now; a few are at each line.
    cadres = Cadre.objects.count()
    with_points = CadrePointsState.objects.filter(points__gt=0).count()
    assert 0 < with_points <= cadres * 0.05
    lines = dict.fromkeys(("reminder", "inquiry", "admonishment"), 0)
    for line in CadrePointsState.objects.exclude(line="none").values_list("line", flat=True):
        lines[line] += 1
    assert lines["admonishment"] >= 1 and lines["inquiry"] >= 2 and lines["reminder"] >= 2
    assert Alert.objects.filter(status="open").count() == sum(lines.values())

    # A handful of units are coloured, and the colours are the ones the demo means to show.
    levels = list(latest_warning_levels().values())
    assert (levels.count("red"), levels.count("orange"), levels.count("yellow")) == (2, 3, 4)

    # Inquiries with outcomes, each 诫勉 outcome followed by its linked admonishment record once.
    inquiries = Record.objects.filter(record_type__name="函询")
    assert inquiries.exclude(record_type__subtype="").count() >= 100
    for inquiry in inquiries.filter(record_type__subtype="诫勉"):
        assert list(inquiry.consequences.values_list("record_type__name", flat=True)) == ["诫勉"]
    assert Record.objects.filter(record_type__name="函询", record_type__subtype="").count() >= 1  # one still open

    # Sanctions dated before the window whose impact period still runs (no points, no promotion).
    start = window_start(today)
    running = [record for record in Record.objects.filter(date__lte=start, record_type__impact_months__isnull=False)
               .select_related("record_type") if add_months(record.date, record.record_type.impact_months) > today]
    assert len(running) >= 6

    # Loading again changes nothing.
    assert load_supervision_demo() == 0
    assert Record.objects.count() == created


def test_the_sample_batch_imports_into_the_demo_and_raises_its_alert(demo_registry):
    data = (FIXTURES / "demo_supervision_records.xlsx").read_bytes()
    result = import_records(data, "demo_supervision_records.xlsx")

    assert result.errors == [], [str(problem) for problem in result.errors]
    assert result.batch.status == ImportStatus.COMMITTED
    assert result.rows_read == result.created == 30
    assert result.follow_ups == 1  # the inquiry answered with 诫勉
    raised = {alert.cadre.name: alert.line for alert in result.alerts}
    assert "inquiry" in raised.values()
    assert Record.objects.filter(record_type=RecordType.objects.get(name="诫勉", subtype=""), follows__isnull=False,
                                 follows__document_number="云纪函〔2026〕35号").count() == 1

    again = import_records(data, "demo_supervision_records.xlsx")
    assert again.committed and again.created == 0 and again.unchanged == 30 and again.follow_ups == 0
    assert Record.objects.count() == 31


def _fingerprint() -> list[tuple]:
    return list(Record.objects.order_by("pk").values_list(
        "cadre__id_number", "record_type__name", "record_type__subtype", "date", "document_number", "source",
        "summary", "follows__document_number"))


def test_the_demo_is_the_same_for_the_same_day(demo_registry):
    day = datetime.date(2026, 6, 30)
    load_supervision_demo(day)
    first = _fingerprint()
    assert max(row[3] for row in first) <= day

    Alert.objects.all().delete()
    Record.objects.filter(follows__isnull=False).delete()
    Record.objects.all().delete()
    load_supervision_demo(day)
    assert _fingerprint() == first


def test_the_demo_restores_the_default_record_types_a_flushed_database_lost(demo_registry):
    RecordType.objects.all().delete()  # what flushing a test database between transactional tests leaves
    assert load_supervision_demo() > 4500
    assert RecordType.objects.filter(name="函询").count() == 6
