"""The helpers that write many rows at once and keep Python's cycle collector out of large loops."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from assessment.models import Indicator, Statistic
from core.bulk import copy_text_lines, cyclic_gc_paused, insert_plain_rows


def test_the_collector_is_paused_inside_and_restored_by_the_last_of_several_threads():
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def hold():
        with cyclic_gc_paused():
            inside.set()
            release.wait(5)

    other = threading.Thread(target=hold)
    other.start()
    inside.wait(5)
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread is still inside
    release.set()
    other.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_exception_inside_still_restores_the_collector():
    with pytest.raises(ZeroDivisionError), cyclic_gc_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()


@pytest.mark.django_db
def test_plain_rows_and_preformatted_lines_store_the_same_values(district):
    period, growth = district["period"], district["growth"]
    units = [district["towns"]["Z1"], district["towns"]["Z2"]]
    rate = Indicator.objects.get(scheme=district["scheme"], code="G2")
    Statistic.objects.filter(period=period).delete()
    at = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    constants = {"period_id": period.pk, "updated_at": at}
    columns = ["unit_id", "indicator_id", "value", "not_applicable", "target"]
    insert_plain_rows(Statistic, columns, [(units[0].pk, growth.pk, Decimal("12.5"), False, None),
                                           (units[1].pk, growth.pk, None, True, Decimal("60"))], constants=constants)
    lines = [f"{units[0].pk}\t{rate.pk}\t1.12345679\tf\t\\N", f"{units[1].pk}\t{rate.pk}\t\\N\tt\t70.25"]
    if connection.vendor == "postgresql":
        copy_text_lines(Statistic, columns, lines, constants=constants)
    else:  # the lines are COPY's text format, PostgreSQL's alone; SQLite gets the same rows as tuples
        insert_plain_rows(Statistic, columns, [(units[0].pk, rate.pk, Decimal("1.12345679"), False, None),
                                               (units[1].pk, rate.pk, None, True, Decimal("70.25"))],
                          constants=constants)
    stored = {(unit, indicator): (value, not_applicable, target)
              for unit, indicator, value, not_applicable, target in Statistic.objects.filter(
                  period=period).values_list("unit_id", "indicator_id", "value", "not_applicable", "target")}
    assert stored == {
        (units[0].pk, growth.pk): (Decimal("12.5"), False, None),
        (units[1].pk, growth.pk): (None, True, Decimal("60")),
        (units[0].pk, rate.pk): (Decimal("1.12345679"), False, None),
        (units[1].pk, rate.pk): (None, True, Decimal("70.25")),
    }
    if connection.vendor == "postgresql":  # SQLite's bulk_create sets the auto_now field itself
        assert set(Statistic.objects.filter(period=period).values_list("updated_at", flat=True)) == {at}
