"""Benchmark: a department's statistics upload at province scale, against a floor measured in the same run.

Run on demand (not part of the test suite):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assessment_bench_import \\
        .venv/bin/python tests/bench/bench_import.py [--units 1000] [--indicators 120] [--runs 1] [--profile]

It writes a statistics workbook (one department providing every indicator; by default 1,000 units in
12 tracks × 120 indicators = 120,000 values, every tenth indicator formatted as a percentage) with
openpyxl in write-only mode, then times, side by side:

1. the floor: calamine reading the sheet into Python plus a PostgreSQL COPY of the values
   (period, unit, indicator, value) into an unindexed temporary table;
2. openpyxl in read-only mode reading the same file, for orientation;
3. the product path (``indicators.uploads``): receive → check (read, validate, outliers, plan) →
   commit → recompute, into an empty period and then again with ~10 % of the values changed;
4. django-import-export's row-based import of a sample of the same values, extrapolated;
5. the ratios against the targets: total ≤ 4× the floor, total ≤ 2.5 s, ≥ 50× django-import-export;
6. the import's peak memory: tracemalloc (Python allocations, separate run) and the process RSS.

The period has a previous year with values, so the outlier check of a real second-year upload runs.
The recompute that a commit enqueues is caught and run synchronously, timed on its own.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assessment.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/assessment_bench_import")
# Uploaded originals go to a scratch folder, not to the project's var/private.
SCRATCH = Path(tempfile.mkdtemp(prefix="bench-import-"))
os.environ["PRIVATE_MEDIA_ROOT"] = str(SCRATCH / "private")
os.environ.pop("REDIS_URL", None)  # Celery eager; the enqueued recompute is intercepted anyway


def ensure_database() -> None:
    """Create this benchmark's own database on first use (PostgreSQL only)."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


ensure_database()

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
import tablib  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from import_export import resources  # noqa: E402
from openpyxl.cell import WriteOnlyCell  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from assessment.models import (  # noqa: E402
    Component,
    ComponentScore,
    Dimension,
    Indicator,
    IndicatorScore,
    Method,
    Period,
    Scheme,
    Statistic,
    Track,
    TrackMembership,
    Weight,
)
from assessment.recompute import RECOMPUTE, recompute_period  # noqa: E402
from cadres.models import Unit, UnitKind  # noqa: E402
from core import bulk  # noqa: E402
from core.models import Job  # noqa: E402
from indicators import uploads  # noqa: E402
from indicators.models import ImportBatch, ImportStatus, ValueVersion  # noqa: E402

SHEET = "统计数据"
METHODS = [Method.EFFICACY, Method.EFFICACY, Method.TARGET, Method.RANK, Method.THRESHOLD, Method.DIRECT]
PERCENT_EVERY = 10  # every tenth indicator column is formatted as a percentage (0.0%)
TARGET_RATIO, TARGET_TOTAL, TARGET_SPEEDUP, TARGET_MB = 4.0, 2.5, 50.0, 400.0


# --- The scheme and the files -------------------------------------------------------------------


class Setup:
    def __init__(self, period: Period, department: Unit, units: list[Unit], indicators: list[Indicator]):
        self.period, self.department, self.units, self.indicators = period, department, units, indicators


@transaction.atomic
def build_scheme(*, name: str, prefix: str, units: int, tracks: int, indicators: int, code: str,
                 previous: bool) -> Setup:
    """A scheme whose department provides every indicator; the period to import into is empty and,
    when ``previous``, last year's period holds a full set of values (for the outlier check)."""
    rng = random.Random(11)
    # Batches protect their period and department: clear them before the scheme and units go.
    ValueVersion.objects.filter(period__scheme__name=name).delete()
    Statistic.objects.filter(period__scheme__name=name).delete()
    ImportBatch.objects.filter(period__scheme__name=name).delete()
    Scheme.objects.filter(name=name).delete()
    Unit.objects.filter(code__startswith=prefix).delete()
    scheme = Scheme.objects.create(name=name, year=int(code[-4:]))
    Component.objects.create(scheme=scheme, name="绩效考核", weight=60, is_performance=True)
    survey = Component.objects.create(scheme=scheme, name="民主测评", weight=40, sort_order=1)
    track_objects = [Track.objects.create(scheme=scheme, code=f"T{i:02d}", name=f"赛道{i}") for i in range(tracks)]
    department = Unit.objects.create(code=f"{prefix}DEPT", name="统计局", kind=UnitKind.DEPARTMENT)
    unit_objects = Unit.objects.bulk_create(
        Unit(code=f"{prefix}{i:05d}", name=f"单位{i}", kind=UnitKind.TOWNSHIP, population=Decimal(rng.randint(2, 90)))
        for i in range(units)
    )
    TrackMembership.objects.bulk_create(
        TrackMembership(scheme=scheme, track=track_objects[i % tracks], unit=unit) for i, unit in enumerate(unit_objects)
    )
    dimensions = [Dimension.objects.create(scheme=scheme, name=f"维度{i}", sort_order=i) for i in range(7)]
    indicator_objects = Indicator.objects.bulk_create(
        Indicator(scheme=scheme, code=f"K{i:03d}", name=f"指标{i}", dimension=dimensions[i % 7], provider=department,
                  method=METHODS[i % len(METHODS)], target=Decimal(60), per_capita_base="population" if i % 10 == 0 else "")
        for i in range(indicators)
    )
    cents = [10000 // indicators] * indicators  # weights per track sum to exactly 100
    for i in range(10000 - sum(cents)):
        cents[i] += 1
    Weight.objects.bulk_create(
        Weight(indicator=indicator, track=track, weight=Decimal(cent) / 100)
        for track in track_objects for indicator, cent in zip(indicator_objects, cents, strict=True)
    )
    year = int(code[-4:])
    period = Period.objects.create(scheme=scheme, code=code, start_date=date(year, 1, 1), end_date=date(year, 12, 31))
    periods = [period]
    if previous:
        last = Period.objects.create(scheme=scheme, code=str(year - 1), start_date=date(year - 1, 1, 1),
                                     end_date=date(year - 1, 12, 31))
        bulk.insert_rows(
            Statistic, ["period_id", "unit_id", "indicator_id", "value", "not_applicable", "updated_at"],
            ((last.pk, unit.pk, indicator.pk, Decimal(rng.randint(0, 10000)) / 100, False, timezone.now())
             for unit in unit_objects for indicator in indicator_objects),
        )
        periods.append(last)
    ComponentScore.objects.bulk_create(
        ComponentScore(period=each, unit=unit, component=survey, score=Decimal(rng.randint(700, 990)) / 10)
        for each in periods for unit in unit_objects
    )
    return Setup(period, department, unit_objects, indicator_objects)


def sheet_values(setup: Setup, seed: int) -> list[list[float]]:
    """One row per unit, one value per indicator, as the sheet shows them (0–100, two decimals)."""
    rng = random.Random(seed)
    return [[rng.randint(0, 10000) / 100 for _indicator in setup.indicators] for _unit in setup.units]


def changed_values(values: list[list[float]], share: float, seed: int) -> tuple[list[list[float]], int]:
    rng = random.Random(seed)
    changed, count = [list(row) for row in values], 0
    for row in changed:
        for column in range(len(row)):
            if rng.random() < share:
                new = rng.randint(0, 10000) / 100
                if new != row[column]:
                    row[column], count = new, count + 1
    return changed, count


def write_workbook(setup: Setup, values: list[list[float]]) -> bytes:
    """The sheet a department fills in: 单位代码, 单位名称, then one column per indicator (`CODE 名称`)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(["单位代码", "单位名称", *(f"{indicator.code} {indicator.name}" for indicator in setup.indicators)])
    percent_columns = set(range(PERCENT_EVERY // 2, len(setup.indicators), PERCENT_EVERY))
    for unit, row in zip(setup.units, values, strict=True):
        cells: list[object] = [unit.code, unit.name]
        for column, value in enumerate(row):
            if column in percent_columns:
                cell = WriteOnlyCell(sheet, value=round(value / 100, 6))  # 0.7551 shown as 75.51%
                cell.number_format = "0.00%"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Measuring ------------------------------------------------------------------------------------


class RssSampler:
    """Samples VmRSS from /proc/self/status every few milliseconds on a thread (Linux only)."""

    def __init__(self, interval: float = 0.005):
        self.interval, self.peak, self.baseline = interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self.baseline = self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


class PartTimer:
    """Wraps functions that ``indicators.uploads`` calls by name, to split the check into its steps."""

    NAMES = ("open_workbook", "read_statistics_workbook", "_outlier_warnings", "plan_upload", "_store_plan")

    def __init__(self):
        self.spent: dict[str, float] = {}
        self._patches = []

    def _wrap(self, name, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - started
        return timed

    def __enter__(self) -> PartTimer:
        for name in self.NAMES:
            patch = mock.patch.object(uploads, name, self._wrap(name, getattr(uploads, name)))
            patch.start()
            self._patches.append(patch)
        # The COMMIT on its own: deferred checks (foreign keys of the value history) run there.
        patch = mock.patch.object(connection, "commit", self._wrap("COMMIT", connection.commit))
        patch.start()
        self._patches.append(patch)
        return self

    def __exit__(self, *_exc) -> None:
        for patch in self._patches:
            patch.stop()

    def take(self) -> dict[str, float]:
        spent, self.spent = self.spent, {}
        return spent


class CaughtRecompute:
    """Stands in for the hand-over of outbox jobs to Celery: the commit's recompute job lands here
    instead of running inside the commit, and is run and timed on its own."""

    def __init__(self):
        self.requested: list[int] = []

    def __call__(self, job) -> None:
        if job.kind == RECOMPUTE:
            self.requested.append(job.payload["period_id"])


@contextmanager
def caught_recompute():
    caught = CaughtRecompute()
    with mock.patch("core.jobs.send", caught):
        yield caught


def reset_period(period: Period) -> None:
    """Empty the period again (values, history, batches, results) for another run."""
    with transaction.atomic():
        Statistic.objects.filter(period=period).delete()
        ValueVersion.objects.filter(period=period).delete()
        ImportBatch.objects.filter(period=period).delete()
        Job.objects.filter(kind=RECOMPUTE).delete()
        Period.objects.filter(pk=period.pk).update(recompute_queued=False)
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of such a delete on a production server (it is off on this
        # test server): without it the next run's inserts step over 120,000 dead duplicates in the unique
        # index, which a real upload into an empty period never meets, and every run's recompute leaves
        # another 120,000 dead result rows behind for the next to step over.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE indicators_statistic, indicators_valueversion, assessment_indicatorscore,"
                           " assessment_unitresult, assessment_dimensionresult")
    period.refresh_from_db()


def run_import(setup: Setup, data: bytes, filename: str, parts: PartTimer | None = None) -> dict[str, float]:
    """receive → check → commit → recompute, each timed; the same calls as ``import_statistics_file``."""
    period = setup.period
    # Building the scheme (weights, last year's values) asked for recomputes of its own; the
    # import's request must not join one of those, or it would not be seen here.
    Job.objects.filter(kind=RECOMPUTE, key=str(period.pk)).delete()
    period.refresh_from_db()
    times: dict[str, float] = {}
    if parts is not None:
        parts.take()  # forget what resetting the period spent
    with caught_recompute() as caught:
        started = time.perf_counter()
        batch = uploads.batch_receive(data=data, filename=filename, period=period, department=setup.department)
        received = time.perf_counter()
        cells, plan = uploads.batch_check(batch)
        checked = time.perf_counter()
        if parts is not None:
            times.update({f"check:{name}": spent for name, spent in parts.take().items()})
        if batch.status != ImportStatus.PREVIEWED:
            raise SystemExit(f"the check refused the file: {batch.problems[:3]}")
        uploads.batch_commit(batch, accept_warnings=True, cells=cells, plan=plan)
        committed = time.perf_counter()
        if parts is not None:
            times.update({f"commit:{name}": spent for name, spent in parts.take().items()})
    if caught.requested != [period.pk]:
        raise SystemExit(f"expected one recompute of period {period.pk}, got {caught.requested}")
    recompute_period(period.pk)
    recomputed = time.perf_counter()
    if parts is not None:
        times.update({f"recompute:{name}": spent for name, spent in parts.take().items()})
    times.update(receive=received - started, check=checked - received, commit=committed - checked,
                 recompute=recomputed - committed, stored=committed - started, total=recomputed - started,
                 cells=batch.counts.get("cells", 0), created=batch.counts.get("created", 0),
                 changed=batch.counts.get("changed", 0), warnings=len(batch.warnings))
    return times


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run.get(key, 0.0) for run in runs) for key in runs[0]}


def read_grid(data: bytes) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(SHEET).to_python()


def grid_values(setup: Setup, grid: list[list[object]]):
    """(unit id, indicator id, value) of every value cell of the sheet, as the bare read gives it."""
    unit_ids = {unit.code: unit.pk for unit in setup.units}
    indicator_ids = [indicator.pk for indicator in setup.indicators]
    for row in grid[1:]:
        unit_id = unit_ids[row[0]]
        for indicator_id, value in zip(indicator_ids, row[2:], strict=True):
            yield unit_id, indicator_id, value


def time_floor(setup: Setup, data: bytes) -> dict[str, float]:
    """The fastest reader's bare read plus a COPY of every value into an unindexed temporary table."""
    started = time.perf_counter()
    grid = read_grid(data)
    read = time.perf_counter()
    unit_ids = {unit.code: unit.pk for unit in setup.units}
    indicator_ids = [indicator.pk for indicator in setup.indicators]
    period_id, count = setup.period.pk, 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_import_floor (period_id bigint, unit_id bigint,"
                       " indicator_id bigint, value numeric(24, 8)) ON COMMIT DROP")
        with cursor.cursor.copy("COPY bench_import_floor FROM STDIN") as copy:
            # The loop is written out, not taken from grid_values: a generator's cost is not the floor's.
            for row in grid[1:]:
                unit_id = unit_ids[row[0]]
                for indicator_id, value in zip(indicator_ids, row[2:], strict=True):
                    copy.write_row((period_id, unit_id, indicator_id, value))
                    count += 1
        copied = time.perf_counter()
    return {"read": read - started, "copy": copied - read, "total": copied - started, "values": count}


def time_product_tables(setup: Setup, data: bytes) -> dict[str, float]:
    """For orientation beside the floor: the same 120,000 values COPied into a scratch table built like
    the product's statistics table (its primary key and unique index, written to the WAL), and as many
    rows into one built like its indicator-score table, which every recompute rewrites; rolled back.
    These writes are in every import's total and not in the floor, whose table is temporary and bare."""
    grid = read_grid(data)
    period_id, now = setup.period.pk, timezone.now()
    track_of = dict(TrackMembership.objects.filter(scheme=setup.period.scheme).values_list("unit_id", "track_id"))
    with transaction.atomic(), connection.cursor() as cursor:
        for scratch, model in (("bench_statistic", Statistic), ("bench_indicator_score", IndicatorScore)):
            cursor.execute(f"CREATE TABLE {scratch} (LIKE {model._meta.db_table} INCLUDING DEFAULTS"
                           " INCLUDING IDENTITY INCLUDING INDEXES)")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_statistic (period_id, unit_id, indicator_id, value, not_applicable,"
                                " batch_id, updated_at) FROM STDIN") as copy:
            for unit_id, indicator_id, value in grid_values(setup, grid):
                copy.write_row((period_id, unit_id, indicator_id, value, False, None, now))
        statistics_copied = time.perf_counter()
        with cursor.cursor.copy("COPY bench_indicator_score (period_id, unit_id, indicator_id, track_id, value,"
                                " scored_value, target_used, weight, score, status) FROM STDIN") as copy:
            for unit_id, indicator_id, value in grid_values(setup, grid):
                copy.write_row((period_id, unit_id, indicator_id, track_of[unit_id], value, value, None, 1.0, 0.5,
                                "ok"))
        scores_copied = time.perf_counter()
        transaction.set_rollback(True)
    return {"statistics": statistics_copied - started, "scores": scores_copied - statistics_copied,
            "total": scores_copied - started}


def time_openpyxl(data: bytes) -> float:
    started = time.perf_counter()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = list(book[SHEET].iter_rows(values_only=True))
    book.close()
    assert rows
    return time.perf_counter() - started


class StatisticResource(resources.ModelResource):
    class Meta:
        model = Statistic
        fields = ("period", "unit", "indicator", "value")
        import_id_fields = ("period", "unit", "indicator")


def time_import_export(setup: Setup, values: list[list[float]], sample: int) -> dict[str, float]:
    """django-import-export's row-by-row import of the first ``sample`` values into a fresh period,
    rolled back afterwards."""
    dataset = tablib.Dataset(headers=["period", "unit", "indicator", "value"])
    rows = 0
    with transaction.atomic():
        scratch = Period.objects.create(scheme=setup.period.scheme, code="IE", start_date=date(2024, 1, 1),
                                        end_date=date(2024, 12, 31))
        for unit, row in zip(setup.units, values, strict=True):
            for indicator, value in zip(setup.indicators, row, strict=True):
                if rows < sample:
                    dataset.append([scratch.pk, unit.pk, indicator.pk, f"{value:.2f}"])
                    rows += 1
        resource_ = StatisticResource()
        started = time.perf_counter()
        result = resource_.import_data(dataset, dry_run=False)
        elapsed = time.perf_counter() - started
        if result.has_errors() or result.has_validation_errors():
            raise SystemExit(f"django-import-export reported errors: {result.row_errors()[:3]}")
        stored = Statistic.objects.filter(period=scratch).count()
        transaction.set_rollback(True)
    return {"rows": rows, "stored": stored, "seconds": elapsed, "rate": rows / elapsed}


def memory_of_import(setup: Setup, data: bytes) -> dict[str, float]:
    """tracemalloc's peak over one full import (Python allocations only; run untimed, it slows Python)."""
    reset_period(setup.period)
    gc.collect()
    tracemalloc.start()
    run_import(setup, data, "统计数据-内存.xlsx")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"tracemalloc_peak": peak}


def profile_import(setup: Setup, data: bytes, top: int = 25) -> None:
    reset_period(setup.period)
    profiler = cProfile.Profile()
    profiler.enable()
    run_import(setup, data, "统计数据-profile.xlsx")
    profiler.disable()
    for order in ("tottime", "cumulative"):
        print(f"\ncProfile of one import into an empty period, top {top} by {order}:")
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats(order).print_stats(top)
        print("\n".join(line for line in stream.getvalue().splitlines()[6:] if line.strip()))


# --- Main ------------------------------------------------------------------------------------------


def mb(number: float) -> str:
    return f"{number / 1024 / 1024:7.1f} MB"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--indicators", type=int, default=120)
    parser.add_argument("--tracks", type=int, default=12)
    parser.add_argument("--runs", type=int, default=1, help="timed imports of each file (median is shown)")
    parser.add_argument("--sample", type=int, default=2000, help="rows for django-import-export")
    parser.add_argument("--profile", action="store_true", help="also cProfile one import and print the hotspots")
    args = parser.parse_args()

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; celery eager: "
          f"{settings.CELERY_TASK_ALWAYS_EAGER} (the enqueued recompute is caught and run synchronously)")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
          f"(the floor is measured in the same run, so the ratio is less sensitive to load than the seconds)")
    call_command("migrate", verbosity=0)
    try:
        run(args)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


def run(args) -> None:
    started = time.perf_counter()
    setup = build_scheme(name="基准·导入", prefix="BI", units=args.units, tracks=args.tracks,
                         indicators=args.indicators, code="2024", previous=True)
    values = sheet_values(setup, seed=1)
    second_values, changed = changed_values(values, 0.10, seed=2)
    first_file, second_file = write_workbook(setup, values), write_workbook(setup, second_values)
    cells = args.units * args.indicators
    print(f"built: {args.units} units in {args.tracks} tracks × {args.indicators} indicators = {cells:,} values, "
          f"previous year filled; two files {len(first_file) / 1e6:.1f} / {len(second_file) / 1e6:.1f} MB "
          f"({changed:,} values changed) in {time.perf_counter() - started:.1f} s")

    # Warm-up on a small scheme of its own: the first import pays for imports, caches and query plans.
    warm = build_scheme(name="基准·导入预热", prefix="BW", units=24, tracks=3, indicators=12, code="W2024",
                        previous=False)
    run_import(warm, write_workbook(warm, sheet_values(warm, seed=3)), "warm.xlsx")
    time_floor(setup, first_file)

    floors = [time_floor(setup, first_file) for _ in range(max(3, args.runs))]
    floor = median_of(floors)
    product_tables = median_of([time_product_tables(setup, first_file) for _ in range(max(3, args.runs))])

    # The product path. RSS is sampled during the first timed import (no tracemalloc there).
    first_runs, second_runs = [], []
    rss_peak = rss_baseline = maxrss_delta = 0
    with PartTimer() as parts:
        for run_index in range(args.runs):
            reset_period(setup.period)
            gc.collect()
            maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            with RssSampler() as sampler:
                first_runs.append(run_import(setup, first_file, "统计数据-首次.xlsx", parts))
            if run_index == 0:
                rss_baseline, rss_peak = sampler.baseline, sampler.peak
                maxrss_delta = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - maxrss_before
            second_runs.append(run_import(setup, second_file, "统计数据-更新.xlsx", parts))
    first, second = median_of(first_runs), median_of(second_runs)
    history = ValueVersion.objects.filter(period=setup.period).count()

    openpyxl_read = statistics.median(time_openpyxl(first_file) for _ in range(max(1, min(3, args.runs))))
    memory = memory_of_import(setup, first_file)
    time_import_export(setup, values, min(50, cells))  # warm-up
    import_export = time_import_export(setup, values, min(args.sample, cells))
    ie_full = cells / import_export["rate"]

    # --- The table ---
    print(f"\nfloor (median of {len(floors)}): calamine read {floor['read']:.3f} s + COPY of {int(floor['values']):,} "
          f"values {floor['copy']:.3f} s = {floor['total']:.3f} s")
    print(f"the same rows into tables built like the product's (orientation, not the floor): statistics "
          f"{product_tables['statistics']:.3f} s + indicator scores {product_tables['scores']:.3f} s = "
          f"{product_tables['total']:.3f} s")
    print(f"openpyxl read-only, same file: {openpyxl_read:.3f} s "
          f"({openpyxl_read / floor['read']:.1f}× calamine)")

    rows = [
        ("receive (store file, hash)", "receive"),
        ("check: read + validate + plan", "check"),
        ("  open_workbook (calamine+%)", "check:open_workbook"),
        ("  validate cells", "check:read_statistics_workbook"),
        ("  outlier check", "check:_outlier_warnings"),
        ("  plan (old → new)", "check:plan_upload"),
        ("commit (store + history)", "commit"),
        ("  plan again (under lock)", "commit:plan_upload"),
        ("  write rows (COPY, UPDATE)", "commit:_store_plan"),
        ("  COMMIT", "commit:COMMIT"),
        ("upload → stored", "stored"),
        ("recompute", "recompute"),
        ("  its COMMIT", "recompute:COMMIT"),
        ("TOTAL upload → recomputed", "total"),
    ]
    runs_note = f" (median of {args.runs})" if args.runs > 1 else ""
    print(f"\nproduct import{runs_note}          empty period   10% changed")
    print(f"  {'':30} {int(first['created']):>9,} new {int(second['changed']):>7,} chg")
    for label, key in rows:
        print(f"  {label:<30} {first.get(key, 0.0):9.3f} s  {second.get(key, 0.0):9.3f} s")
    print(f"  value history rows kept: {history:,}; warnings: {int(first['warnings'])} / {int(second['warnings'])}")

    print(f"\ndjango-import-export: {import_export['rows']:,} rows in {import_export['seconds']:.2f} s = "
          f"{import_export['rate']:,.0f} rows/s → {cells:,} values ≈ {ie_full:.0f} s (extrapolated)")

    worst = max(first["total"], second["total"])
    ratio = worst / floor["total"]
    speedup = ie_full / worst
    peak_rss = rss_peak - rss_baseline
    print("\nmeasure                              value        target     ")
    print(f"  total / floor (worst of the two)   {ratio:6.2f}×      ≤ {TARGET_RATIO:.0f}×       {verdict(ratio <= TARGET_RATIO)}")
    with_tables = worst / (floor["read"] + product_tables["total"])
    print(f"  total / (read + writes into the product's tables) {with_tables:5.2f}×  (orientation)")
    print(f"  total, empty period                {first['total']:6.3f} s     ≤ {TARGET_TOTAL} s     "
          f"{verdict(first['total'] <= TARGET_TOTAL)}")
    print(f"  total, 10% changed                 {second['total']:6.3f} s     ≤ {TARGET_TOTAL} s     "
          f"{verdict(second['total'] <= TARGET_TOTAL)}")
    print(f"  speed-up vs django-import-export   {speedup:6.0f}×      ≥ {TARGET_SPEEDUP:.0f}×      "
          f"{verdict(speedup >= TARGET_SPEEDUP)}  (upload → stored only: {ie_full / max(first['stored'], second['stored']):.0f}×)")
    print(f"  tracemalloc peak (Python)        {mb(memory['tracemalloc_peak'])}    ≤ {TARGET_MB:.0f} MB    "
          f"{verdict(memory['tracemalloc_peak'] <= TARGET_MB * 2**20)}")
    print(f"  RSS peak above start (sampled)   {mb(peak_rss)}    ≤ {TARGET_MB:.0f} MB    "
          f"{verdict(peak_rss <= TARGET_MB * 2**20)}  (start {mb(rss_baseline).strip()}, peak {mb(rss_peak).strip()})")
    print(f"  ru_maxrss delta                  {mb(maxrss_delta)}    (grows only past the earlier high-water mark)")

    if args.profile:
        profile_import(setup, first_file)


if __name__ == "__main__":
    main()
