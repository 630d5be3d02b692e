"""Benchmark: recompute of a province-scale period against a floor measured in the same run.

Run on demand (not part of the test suite):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assessment_bench .venv/bin/python tests/bench/bench_recompute.py

It builds a period of 1,000 units in 12 tracks with 120 indicators (all values present), times
the recompute by parts (load inputs, compute, store results), and measures a floor: loading the
same values with one raw query plus a PostgreSQL COPY of as many result rows into an unindexed
temporary table. It then times a 64-unit district period. Every figure is the median of
BENCH_RUNS runs (default 3), after one warm-up run. Targets: province recompute ≤ 1.0 s and
≤ 3× the floor on PostgreSQL; district ≤ 0.2 s.
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assessment.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/assessment_bench")


def ensure_database() -> None:
    """Create the benchmark database on first use (PostgreSQL only)."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[-1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402

from assessment.models import (  # noqa: E402  # noqa: E402
    Component,
    ComponentScore,
    Dimension,
    DimensionResult,
    Indicator,
    IndicatorScore,
    Method,
    Period,
    Scheme,
    Statistic,
    Track,
    TrackMembership,
    UnitResult,
    Weight,
)
from assessment.recompute import recompute_period  # noqa: E402
from cadres.models import Unit, UnitKind  # noqa: E402
from core import bulk  # noqa: E402

METHODS = [Method.EFFICACY, Method.EFFICACY, Method.TARGET, Method.RANK, Method.THRESHOLD, Method.DIRECT]


@transaction.atomic
def build_period(*, name: str, prefix: str, units: int, tracks: int, indicators: int) -> Period:
    """A scheme with every value present; weights per track sum to exactly 100."""
    rng = random.Random(7)
    Scheme.objects.filter(name=name).delete()
    Unit.objects.filter(code__startswith=prefix).delete()
    scheme = Scheme.objects.create(name=name, year=2024)
    Component.objects.create(scheme=scheme, name="绩效考核", weight=60, is_performance=True)
    survey = Component.objects.create(scheme=scheme, name="民主测评", weight=40, sort_order=1)
    track_objects = [Track.objects.create(scheme=scheme, code=f"T{i:02d}", name=f"赛道{i}") for i in range(tracks)]
    unit_objects = Unit.objects.bulk_create(
        Unit(code=f"{prefix}{i:04d}", name=f"单位{i}", kind=UnitKind.TOWNSHIP, population=Decimal(rng.randint(2, 90)))
        for i in range(units)
    )
    TrackMembership.objects.bulk_create(
        TrackMembership(scheme=scheme, track=track_objects[i % tracks], unit=unit)
        for i, unit in enumerate(unit_objects)
    )
    provider = unit_objects[0]
    dimensions = [Dimension.objects.create(scheme=scheme, name=f"维度{i}", sort_order=i) for i in range(7)]
    indicator_objects = Indicator.objects.bulk_create(
        Indicator(scheme=scheme, code=f"K{i:03d}", name=f"指标{i}", dimension=dimensions[i % 7], provider=provider,
                  method=METHODS[i % len(METHODS)], target=Decimal(60), per_capita_base="population" if i % 10 == 0 else "")
        for i in range(indicators)
    )
    # Weights: 100 points spread over the indicators in cents, so every track sums to exactly 100.
    cents = [10000 // indicators] * indicators
    for i in range(10000 - sum(cents)):
        cents[i] += 1
    Weight.objects.bulk_create(
        Weight(indicator=indicator, track=track, weight=Decimal(cent) / 100)
        for track in track_objects for indicator, cent in zip(indicator_objects, cents, strict=True)
    )
    period = Period.objects.create(scheme=scheme, code="2024", start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
    bulk.insert_rows(
        Statistic, ["period_id", "unit_id", "indicator_id", "value", "not_applicable", "updated_at"],
        ((period.pk, unit.pk, indicator.pk, Decimal(rng.randint(0, 10000)) / 100, False, period_now())
         for unit in unit_objects for indicator in indicator_objects),
    )
    ComponentScore.objects.bulk_create(
        ComponentScore(period=period, unit=unit, component=survey, score=Decimal(rng.randint(700, 990)) / 10)
        for unit in unit_objects
    )
    return period


def period_now():
    from django.utils import timezone

    return timezone.now()


def compact_tables() -> None:
    """VACUUM FULL the tables a build and a recompute rewrite, then CHECKPOINT (PostgreSQL only).

    Each recompute leaves a period's worth of dead result rows behind, and each build its old
    statistics. Where autovacuum is off (as on the shared bench server) they pile up from one run
    of the bench to the next, and every DELETE and scan reads through them: without this the
    timings would depend on how often the bench has run before. The checkpoint keeps the WAL of
    the build and the rewrite from forcing one in the middle of the timed runs.
    """
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Statistic, ComponentScore, IndicatorScore, UnitResult, DimensionResult)]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (FULL, ANALYZE) {', '.join(tables)}")
        with contextlib.suppress(DatabaseError):  # not allowed for this role: a checkpoint may then fall in
            cursor.execute("CHECKPOINT")


def time_recompute(period: Period, runs: int) -> dict[str, float]:
    parts = {"load": [], "compute": [], "store": [], "total": []}
    for _ in range(runs):
        started = time.perf_counter()
        timings = recompute_period(period.pk)
        parts["total"].append(time.perf_counter() - started)
        parts["load"].append(timings.load)
        parts["compute"].append(timings.compute)
        parts["store"].append(timings.store)
    return {key: statistics.median(values) for key, values in parts.items()}


def time_floor(period: Period, result_rows: int, runs: int) -> dict[str, float]:
    """One raw query for the values plus a COPY of as many rows into an unindexed temporary table."""
    measured = {"query": [], "copy": [], "total": []}
    for _ in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("SELECT unit_id, indicator_id, value FROM indicators_statistic WHERE period_id = %s",
                           [period.pk])
            rows = cursor.fetchall()
            queried = time.perf_counter()
            cursor.execute("CREATE TEMPORARY TABLE bench_floor (period_id bigint, unit_id bigint, indicator_id bigint,"
                           " track_id bigint, value double precision, scored_value double precision,"
                           " target_used double precision, weight double precision, score double precision,"
                           " status varchar(16)) ON COMMIT DROP")
            with cursor.cursor.copy("COPY bench_floor FROM STDIN") as copy:
                for index in range(result_rows):
                    unit_id, indicator_id, value = rows[index % len(rows)]
                    copy.write_row((period.pk, unit_id, indicator_id, 1, value, value, None, 0.8, 0.7, "scored"))
            copied = time.perf_counter()
        measured["query"].append(queried - started)
        measured["copy"].append(copied - queried)
        measured["total"].append(copied - started)
    return {key: statistics.median(values) for key, values in measured.items()}


def main() -> None:
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    runs = int(os.environ.get("BENCH_RUNS", "3"))

    started = time.perf_counter()
    province = build_period(name="基准·省级", prefix="BP", units=1000, tracks=12, indicators=120)
    district = build_period(name="基准·区县", prefix="BD", units=64, tracks=6, indicators=50)
    compact_tables()
    print(f"built province period (1000 units, 12 tracks, 120 indicators) and district period (64 units, 6 tracks,"
          f" 50 indicators) in {time.perf_counter() - started:.1f} s")
    recompute_period(province.pk)  # warm-up: first run pays for imports and caches
    recompute = time_recompute(province, runs)
    cells = Statistic.objects.filter(period=province).count()
    floor = time_floor(province, cells, runs) if connection.vendor == "postgresql" else None

    recompute_period(district.pk)
    district_times = time_recompute(district, runs)

    print(f"\nprovince recompute (median of {runs}), {cells} indicator scores:")
    for part in ("load", "compute", "store", "total"):
        print(f"  {part:<8} {recompute[part]:7.3f} s")
    if floor:
        print(f"floor: raw query {floor['query']:.3f} s + COPY {floor['copy']:.3f} s = {floor['total']:.3f} s")
        print(f"ratio recompute / floor: {recompute['total'] / floor['total']:.2f}  (target ≤ 3)")
    print(f"target province ≤ 1.0 s: {'met' if recompute['total'] <= 1.0 else 'NOT met'}")
    print(f"\ndistrict recompute (64 units, 50 indicators): {district_times['total']:.3f} s "
          f"(load {district_times['load']:.3f}, compute {district_times['compute']:.3f}, "
          f"store {district_times['store']:.3f}); target ≤ 0.2 s: "
          f"{'met' if district_times['total'] <= 0.2 else 'NOT met'}")


if __name__ == "__main__":
    main()
