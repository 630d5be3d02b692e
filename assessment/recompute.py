"""Recomputing a period: load its inputs as frames, run the engine, store the results at once.

Every change to an input calls ``request_recompute``: it raises the period's inputs version and, in
the same transaction, writes a recompute job (``core.jobs``) unless one is already waiting; the
job goes to the queue after the commit, or to the sweeper if the queue is down. Changes that arrive
while a job waits ride along with it (coalescing). The run takes the version current when it starts;
if more changes came in meanwhile they queued another job. Storing replaces the period's previous
results in one transaction, so readers see either the old results or the new ones — also when the
worker dies half-way, after which the job is run again from the start.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from assessment.models import (
    Adjustment,
    Component,
    ComponentScore,
    DimensionResult,
    Indicator,
    IndicatorScore,
    Period,
    Statistic,
    TrackMembership,
    UnitResult,
    Verdict,
    Weight,
    WeightOverride,
)
from assessment.scoring import PeriodInputs, PeriodResults, ScoringRules, compute_period
from cadres.models import BASE_ATTRIBUTES
from core import bulk, jobs
from core.models import Job


@dataclass
class RecomputeTimings:
    load: float
    compute: float
    store: float
    units: int
    indicator_scores: int

    @property
    def total(self) -> float:
        return self.load + self.compute + self.store


# --- Enqueueing -------------------------------------------------------------------------------


RECOMPUTE = "assessment.recompute"


def request_recompute(period: Period | int) -> Job:
    """Mark the period's inputs as changed and make sure one recompute will run after commit."""
    period_id = period.pk if isinstance(period, Period) else period
    # Raising the version first takes the period's row lock until commit: a run that starts meanwhile
    # waits for it (recompute_period's first UPDATE) and then reads this transaction's changes.
    Period.objects.filter(pk=period_id).update(inputs_version=F("inputs_version") + 1, recompute_queued=True)
    return jobs.enqueue(RECOMPUTE, key=str(period_id), payload={"period_id": period_id})


def recompute_waits_for_queue(period: Period | int) -> bool:
    """True while the period's recompute is saved but could not be queued (the broker is down)."""
    return jobs.waits_for_queue(RECOMPUTE, str(period.pk if isinstance(period, Period) else period))


def recompute_job(period_id: int) -> dict:
    """The work of a recompute job; a period deleted since the job was written needs nothing."""
    if not Period.objects.filter(pk=period_id).exists():
        return {"period_id": period_id, "skipped": "period deleted"}
    timings = recompute_period(period_id)
    return {"period_id": period_id, "units": timings.units, "seconds": round(timings.total, 3)}


jobs.register(RECOMPUTE, recompute_job, task="assessment.tasks.recompute")


def inputs_approve(queryset, *, user) -> int:
    """Approve the unapproved adjustments or verdicts in ``queryset``; their periods are recomputed."""
    from django.utils import timezone

    period_ids = set(queryset.filter(approved_at__isnull=True).values_list("period_id", flat=True))
    approved = queryset.filter(approved_at__isnull=True).update(approved_by=user, approved_at=timezone.now())
    for period_id in period_ids:
        request_recompute(period_id)
    return approved


# --- Loading ----------------------------------------------------------------------------------


def _frame(queryset, columns: dict[str, str]) -> pd.DataFrame:
    """A frame from ``queryset.values_list`` with ORM paths renamed to the engine's column names."""
    rows = list(queryset.values_list(*columns.keys()))
    return pd.DataFrame(rows, columns=list(columns.values()))


def _as_float(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def previous_period(period: Period) -> Period | None:
    """The same period type one year earlier (2024H1 → 2023H1), preferring the same scheme name."""
    match = re.match(r"^(\d{4})(.*)$", period.code)
    if not match:
        return None
    code = f"{int(match[1]) - 1}{match[2]}"
    candidates = Period.objects.filter(code=code, period_type=period.period_type).select_related("scheme")
    candidates = sorted(candidates, key=lambda other: (other.scheme_id != period.scheme_id,
                                                       other.scheme.name != period.scheme.name, -other.pk))
    return candidates[0] if candidates else None


def _previous_ranks(period: Period, tracks_by_code: dict[str, int]) -> pd.DataFrame:
    previous = previous_period(period)
    columns = ["unit_id", "track_id", "rank"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    rows = UnitResult.objects.filter(period=previous, rank__isnull=False).values_list(
        "unit_id", "track__code", "rank")
    # A track is "the same" across years when it keeps its code (schemes are usually renewed yearly).
    mapped = [(unit_id, tracks_by_code[code], rank) for unit_id, code, rank in rows if code in tracks_by_code]
    return pd.DataFrame(mapped, columns=columns)


# The statistics' columns: how PostgreSQL sends each value in its binary form (a missing value or target
# as NaN, the engine's "no value", so that all values of a column have the same width) and the numpy
# type that reads the binary form back.
_STATISTIC_COLUMNS = {
    "unit_id": ("int8send(CAST(unit_id AS BIGINT))", ">i8"),
    "indicator_id": ("int8send(CAST(indicator_id AS BIGINT))", ">i8"),
    "value": ("float8send(COALESCE(CAST(value AS DOUBLE PRECISION), 'NaN'))", ">f8"),
    "not_applicable": ("boolsend(not_applicable)", "?"),
    "target": ("float8send(COALESCE(CAST(target AS DOUBLE PRECISION), 'NaN'))", ">f8"),
}


def _statistics_frame(period: Period) -> pd.DataFrame:
    """The period's statistics, read with one raw query: a period can hold 100,000+ values, and
    building a model or a Decimal per value would cost more than the whole computation.

    On PostgreSQL the query returns each column as one string of its values' binary forms back to
    back (string_agg of int8send, float8send, …), which numpy reads at once: even 100,000+ plain
    tuples take longer to build than to score.
    """
    table = connection.ops.quote_name(Statistic._meta.db_table)
    if connection.vendor == "postgresql":
        # The aggregates of one query are fed the rows in the same order, so the columns line up.
        packed = ", ".join(f"string_agg({expression}, '')" for expression, _ in _STATISTIC_COLUMNS.values())
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {packed} FROM {table} WHERE period_id = %s", [period.pk])  # noqa: S608
            columns = cursor.fetchone()  # NULLs when the period has no statistics
        return pd.DataFrame({
            name: np.frombuffer(data or b"", dtype=numpy_type).astype(np.dtype(numpy_type).newbyteorder("="))
            for (name, (_, numpy_type)), data in zip(_STATISTIC_COLUMNS.items(), columns, strict=True)
        })
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unit_id, indicator_id, CAST(value AS DOUBLE PRECISION), not_applicable, "  # noqa: S608
            f"CAST(target AS DOUBLE PRECISION) FROM {table} WHERE period_id = %s",
            [period.pk],
        )
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=list(_STATISTIC_COLUMNS))
    frame["not_applicable"] = frame["not_applicable"].astype(bool)
    return _as_float(frame, "value", "target")


def load_period_inputs(period: Period) -> PeriodInputs:
    scheme = period.scheme
    memberships = TrackMembership.objects.filter(scheme=scheme)
    units = _frame(memberships, {"unit_id": "unit_id", "track_id": "track_id",
                                 **{f"unit__{name}": name for name in BASE_ATTRIBUTES}})
    _as_float(units, *BASE_ATTRIBUTES)
    indicators = _frame(Indicator.objects.filter(scheme=scheme), {
        "id": "indicator_id", "dimension_id": "dimension_id", "direction": "direction", "method": "method",
        "target": "target", "rank_step": "rank_step", "rank_floor": "rank_floor",
        "per_capita_base": "per_capita_base"})
    _as_float(indicators, "target", "rank_step", "rank_floor")
    indicators["per_capita_base"] = indicators["per_capita_base"].replace("", None)
    weights = _as_float(_frame(Weight.objects.filter(indicator__scheme=scheme), {
        "track_id": "track_id", "indicator_id": "indicator_id", "weight": "weight"}), "weight")
    overrides = _as_float(_frame(WeightOverride.objects.filter(indicator__scheme=scheme), {
        "unit_id": "unit_id", "indicator_id": "indicator_id", "weight": "weight"}), "weight")
    statistics = _statistics_frame(period)
    components = _as_float(_frame(Component.objects.filter(scheme=scheme), {
        "id": "component_id", "weight": "weight", "is_performance": "is_performance"}), "weight")
    component_scores = _as_float(_frame(ComponentScore.objects.filter(period=period), {
        "unit_id": "unit_id", "component_id": "component_id", "score": "score"}), "score")
    adjustments = _as_float(_frame(Adjustment.objects.filter(period=period, approved_at__isnull=False), {
        "unit_id": "unit_id", "points": "points"}), "points")
    verdicts = _frame(Verdict.objects.filter(period=period, approved_at__isnull=False), {
        "unit_id": "unit_id", "kind": "kind"})
    tracks_by_code = dict(scheme.tracks.values_list("code", "id"))
    return PeriodInputs(
        units=units, indicators=indicators, weights=weights, weight_overrides=overrides, statistics=statistics,
        components=components, component_scores=component_scores, adjustments=adjustments, verdicts=verdicts,
        previous_ranks=_previous_ranks(period, tracks_by_code),
        rules=ScoringRules(bonus_cap=float(scheme.bonus_cap), penalty_cap=float(scheme.penalty_cap),
                           first_share=float(scheme.first_share), third_share=float(scheme.third_share)),
    )


# --- Storing ----------------------------------------------------------------------------------


def _unit_result_frame(period: Period, results: PeriodResults, *, version: int, now) -> pd.DataFrame:
    """The unit results with the columns stored besides them, such as the component scores as {component id: score}."""
    scores_by_unit: dict[int, dict[str, float | None]] = {}
    components = results.component_scores
    for unit_id, component_id, score in zip(components["unit_id"].tolist(), components["component_id"].tolist(),
                                            components["score"].tolist(), strict=True):
        scores_by_unit.setdefault(int(unit_id), {})[str(int(component_id))] = None if pd.isna(score) else score
    units = results.unit_results
    return units.assign(
        period_id=period.pk,
        component_scores=[scores_by_unit.get(int(unit_id), {}) for unit_id in units["unit_id"].tolist()],
        computed_at=now,
        inputs_version=version,
    )


def store_results(period: Period, results: PeriodResults, *, version: int) -> None:
    """Replace the period's results with these, in one transaction."""
    now = timezone.now()
    indicator_columns = ["period_id", "unit_id", "indicator_id", "track_id", "value", "scored_value",
                         "target_used", "weight", "score", "status"]
    scores = results.indicator_scores.assign(period_id=period.pk)
    unit_columns = ["period_id", "unit_id", "track_id", "performance", "component_scores", "bonus", "penalty",
                    "total", "rank", "tier", "rank_change", "missing_count", "vetoed", "affirmed", "computed_at",
                    "inputs_version"]
    units = _unit_result_frame(period, results, version=version, now=now)
    dimension_columns = ["period_id", "unit_id", "dimension_id", "score", "weight", "rate", "track_median", "kind"]
    rates = results.dimension_rates.assign(period_id=period.pk)
    with transaction.atomic():
        # Two runs for one period (two workers, or two threads in eager mode) take turns here; the later
        # one then deletes what the earlier one stored. A run computed from older inputs than the results
        # already stored leaves them alone.
        stored_version = (Period.objects.select_for_update().filter(pk=period.pk)
                          .values_list("results_version", flat=True).first())
        if stored_version is not None and stored_version > version:
            return
        IndicatorScore.objects.filter(period=period).delete()  # one DELETE: nothing cascades from results
        UnitResult.objects.filter(period=period).delete()  # one DELETE: nothing cascades from results
        DimensionResult.objects.filter(period=period).delete()  # one DELETE: nothing cascades from results
        bulk.insert_frame(IndicatorScore, scores, indicator_columns)
        bulk.insert_frame(UnitResult, units, unit_columns)
        bulk.insert_frame(DimensionResult, rates, dimension_columns)
        _pause_for_drill()
        Period.objects.filter(pk=period.pk).update(results_version=version, computed_at=now)


DRILL_PAUSE_VARIABLE = "RECOMPUTE_DRILL_PAUSE_FILE"


def _pause_for_drill() -> None:
    """A test-only hook for the worker-kill drill (tests/test_drills.py); inert in production.

    With RECOMPUTE_DRILL_PAUSE_FILE set in a worker's environment, the first run to get here — inside the
    transaction that replaces the results, the old rows deleted and the new ones written but nothing
    committed — writes its process id to that file and waits two minutes to be killed. Runs that find
    the file already there go on. Ignored when ``settings.PRODUCTION`` is on."""
    path = os.environ.get(DRILL_PAUSE_VARIABLE)
    if not path or settings.PRODUCTION:
        return
    try:
        with open(path, "x", encoding="ascii") as marker:  # "x": only the first run creates it
            marker.write(str(os.getpid()))
    except FileExistsError:
        return
    time.sleep(120)


# --- Running ----------------------------------------------------------------------------------


def recompute_period(period_id: int) -> RecomputeTimings:
    """Compute and store the period's results from its current inputs. Safe to run twice."""
    # Clearing the flag first means a change made during this run queues a fresh run.
    Period.objects.filter(pk=period_id).update(recompute_queued=False)
    period = Period.objects.select_related("scheme").get(pk=period_id)
    version = period.inputs_version
    started = time.perf_counter()
    inputs = load_period_inputs(period)
    loaded = time.perf_counter()
    results = compute_period(inputs)
    computed = time.perf_counter()
    store_results(period, results, version=version)
    stored = time.perf_counter()
    return RecomputeTimings(load=loaded - started, compute=computed - loaded, store=stored - computed,
                            units=len(results.unit_results), indicator_scores=len(results.indicator_scores))
