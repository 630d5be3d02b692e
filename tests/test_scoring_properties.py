"""Property-based tests of the scoring engine (assessment/scoring.py) against SPEC §4–§5.

Hypothesis generates whole periods (tracks, indicators of every method and direction, values with missing
and not-applicable cells, per-unit targets and overrides, components, adjustments, verdicts) and checks rules
that must hold for all of them: the bounds of a total, the tier quotas, competition ranks on totals rounded
half up, determinism, and an idempotent recompute in the database.

Expected numbers are computed here from the SPEC formulas in decimal arithmetic, never with the engine's
own helpers. The settings are local to this file and derandomized, so CI runs the same examples every time.
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.models import (
    Adjustment,
    ComponentScore,
    DimensionResult,
    Indicator,
    IndicatorScore,
    Statistic,
    UnitResult,
    Verdict,
    VetoItem,
)
from assessment.recompute import recompute_period
from assessment.scoring import PeriodInputs, ScoringRules, compute_period

NAN = float("nan")
# Float noise allowed on a bound: 100 split into weights and rescaled by 100 / (100 − exempted) may land a
# few ulps past 100. Anything larger than this is a real overshoot.
EPS = 1e-9

PROPERTIES = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Each example of these computes a whole period two or three times: fewer examples keep the file fast.
TWICE = settings(PROPERTIES, max_examples=20)
SHUFFLED = settings(PROPERTIES, max_examples=30)

METHODS = ("efficacy", "target", "rank", "threshold", "direct")
DIRECTIONS = ("higher", "lower")
STAT_COLUMNS = ["unit_id", "indicator_id", "value", "not_applicable", "target"]


# ---------------------------------------------------------------------------------------------------------
# Builders (same shapes as tests/test_scoring.py, kept local so this file stands alone)


def make_inputs(
    units: pd.DataFrame,
    indicators: list[dict],
    weights: list[tuple],
    statistics: list[dict],
    *,
    overrides: list[tuple] = (),
    components: pd.DataFrame | None = None,
    component_scores: list[tuple] = (),
    adjustments: list[tuple] = (),
    verdicts: list[tuple] = (),
    previous_ranks: list[tuple] = (),
    rules: ScoringRules | None = None,
) -> PeriodInputs:
    if components is None:
        components = pd.DataFrame({"component_id": [1], "weight": [100.0], "is_performance": [True]})
    return PeriodInputs(
        units=units,
        indicators=pd.DataFrame(indicators),
        weights=pd.DataFrame(list(weights), columns=["track_id", "indicator_id", "weight"]),
        weight_overrides=pd.DataFrame(list(overrides), columns=["unit_id", "indicator_id", "weight"]),
        statistics=pd.DataFrame(list(statistics), columns=STAT_COLUMNS),
        components=components,
        component_scores=pd.DataFrame(list(component_scores), columns=["unit_id", "component_id", "score"]),
        adjustments=pd.DataFrame(list(adjustments), columns=["unit_id", "points"]),
        verdicts=pd.DataFrame(list(verdicts), columns=["unit_id", "kind"]),
        previous_ranks=pd.DataFrame(list(previous_ranks), columns=["unit_id", "track_id", "rank"]),
        rules=rules or ScoringRules(),
    )


def units_frame(track_sizes: list[int], populations: list[float] | None = None) -> pd.DataFrame:
    """Units 1…N, the first track_sizes[0] of them in track 1, and so on."""
    tracks = [track for track, size in enumerate(track_sizes, start=1) for _ in range(size)]
    frame = pd.DataFrame({"unit_id": range(1, len(tracks) + 1), "track_id": tracks})
    if populations is not None:
        frame["population"] = populations
    return frame


def direct_period(values: dict[int, float], tracks: dict[int, int], **kwargs) -> PeriodInputs:
    """One directly scored indicator of 100 points per track: a unit's performance is its value."""
    units = pd.DataFrame({"unit_id": list(tracks), "track_id": list(tracks.values())})
    indicator = {"indicator_id": 1, "dimension_id": 1, "direction": "higher", "method": "direct"}
    statistics = [
        {"unit_id": u, "indicator_id": 1, "value": NAN, "not_applicable": True, "target": NAN}
        if v is None
        else {"unit_id": u, "indicator_id": 1, "value": v, "not_applicable": False, "target": NAN}
        for u, v in values.items()
    ]
    weights = [(track, 1, 100.0) for track in sorted(set(tracks.values()))]
    return make_inputs(units, [indicator], weights, statistics, **kwargs)


def half_up(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------------------
# Strategies


def weights_summing_to_100(draw, count: int) -> list[float]:
    """`count` positive weights with one decimal that sum to exactly 100 in decimal arithmetic."""
    cuts = sorted(draw(st.sets(st.integers(1, 999), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 1000]
    return [(high - low) / 10 for low, high in zip(bounds, bounds[1:], strict=False)]


finite_values = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.integers(-1000, 1000).map(float),
    st.sampled_from([0.0, 1.0, 50.0, 100.0]),  # ties and edge cases come up more often
)
positive_targets = st.one_of(st.floats(1e-3, 1e5, allow_nan=False), st.sampled_from([1.0, 50.0, 100.0]))
# Built once: a strategy made afresh inside a loop is validated again on every draw, which is slow.
maybe_target = st.one_of(st.just(NAN), positive_targets)
populations_of = st.one_of(st.floats(1.0, 1e6), st.just(0.0), st.just(NAN))
cell_kinds = st.sampled_from(["value", "value", "value", "value", "blank", "no_row", "exempt"])
component_score = st.one_of(st.none(), st.just(NAN), st.floats(0, 100), st.sampled_from([0.0, 100.0]))
adjustment_points = st.one_of(
    st.floats(-1000, 1000, allow_nan=False).filter(lambda p: p != 0),
    st.integers(-30, 30).filter(bool).map(float),
)
dimension_ids = st.integers(1, 3)
directions = st.sampled_from(DIRECTIONS)
methods = st.sampled_from(METHODS)
rank_steps = st.sampled_from([0.05, 0.1, 0.2, 0.5])
rank_floors = st.sampled_from([0.0, 0.5, 0.6, 1.0])
bases = st.sampled_from([None, None, "population"])


@st.composite
def periods(draw) -> PeriodInputs:
    """An arbitrary period: 1–2 tracks of 1–30 units, 1–6 indicators, everything that can vary does."""
    track_sizes = draw(st.lists(st.integers(1, 30), min_size=1, max_size=2))
    n_units = sum(track_sizes)
    unit_ids = list(range(1, n_units + 1))
    tracks_of = dict(zip(unit_ids, units_frame(track_sizes)["track_id"], strict=True))
    populations = draw(
        st.lists(populations_of, min_size=n_units, max_size=n_units)
    )
    units = units_frame(track_sizes, populations)

    n_indicators = draw(st.integers(1, 6))
    indicators = []
    for indicator_id in range(1, n_indicators + 1):
        indicators.append(
            {
                "indicator_id": indicator_id,
                "dimension_id": draw(dimension_ids),
                "direction": draw(directions),
                "method": draw(methods),
                "target": draw(maybe_target),
                "rank_step": draw(rank_steps),
                "rank_floor": draw(rank_floors),
                "per_capita_base": draw(bases),
            }
        )

    weights = []
    for track in range(1, len(track_sizes) + 1):
        chosen = draw(st.lists(st.integers(1, n_indicators), min_size=1, max_size=n_indicators, unique=True))
        weights += [
            (track, i, w) for i, w in zip(sorted(chosen), weights_summing_to_100(draw, len(chosen)), strict=True)
        ]
    # 一单位一策 for a few units: their own rows, also summing to 100.
    overrides = []
    for unit_id in draw(st.lists(st.sampled_from(unit_ids), max_size=2, unique=True)):
        chosen = draw(st.lists(st.integers(1, n_indicators), min_size=1, max_size=n_indicators, unique=True))
        overrides += [
            (unit_id, i, w) for i, w in zip(sorted(chosen), weights_summing_to_100(draw, len(chosen)), strict=True)
        ]

    statistics = []
    for unit_id in unit_ids:
        for indicator_id in range(1, n_indicators + 1):
            kind = draw(cell_kinds)
            if kind == "no_row":
                continue
            statistics.append(
                {
                    "unit_id": unit_id,
                    "indicator_id": indicator_id,
                    "value": draw(finite_values) if kind == "value" else NAN,
                    "not_applicable": kind == "exempt",
                    "target": draw(maybe_target) if kind == "value" else NAN,
                }
            )

    n_components = draw(st.integers(1, 4))
    component_weights = weights_summing_to_100(draw, n_components)
    components = pd.DataFrame(
        {
            "component_id": range(1, n_components + 1),
            "weight": component_weights,
            "is_performance": [True] + [False] * (n_components - 1),
        }
    )
    component_scores = []
    for unit_id in unit_ids:
        for component_id in range(2, n_components + 1):
            score = draw(component_score)
            if score is not None:
                component_scores.append((unit_id, component_id, score))

    adjustments = draw(st.lists(st.tuples(st.sampled_from(unit_ids), adjustment_points), max_size=2 * n_units))
    verdicts = draw(
        st.lists(st.tuples(st.sampled_from(unit_ids), st.sampled_from(["veto", "affirmation"])), max_size=4)
    )
    previous_ranks = [
        (unit_id, tracks_of[unit_id], rank)
        for unit_id, rank in draw(
            st.lists(st.tuples(st.sampled_from(unit_ids), st.integers(1, 30)), max_size=5, unique_by=lambda t: t[0])
        )
    ]
    rules = ScoringRules(
        bonus_cap=draw(st.sampled_from([0.0, 2.5, 5.0, 20.0])),
        penalty_cap=draw(st.sampled_from([0.0, 3.0, 10.0, 30.0])),
        first_share=draw(st.sampled_from([0.0, 0.1, 0.3, 0.5, 1.0])),
        third_share=draw(st.sampled_from([0.0, 0.1, 0.25, 0.5])),
    )
    return make_inputs(
        units,
        indicators,
        weights,
        statistics,
        overrides=overrides,
        components=components,
        component_scores=component_scores,
        adjustments=adjustments,
        verdicts=verdicts,
        previous_ranks=previous_ranks,
        rules=rules,
    )


# ---------------------------------------------------------------------------------------------------------
# 1. Bounds of a total, and the adjustment caps


@PROPERTIES
@given(periods())
def test_every_total_stays_within_the_capped_range(inputs):
    rules = inputs.rules
    result = compute_period(inputs)
    units = result.unit_results.set_index("unit_id")
    cells = result.indicator_scores
    assert sorted(units.index) == sorted(inputs.units["unit_id"])

    # Each cell: a scored cell earns between 0 and its weight, a missing one 0, an exempt one nothing.
    scored = cells[cells["status"] == "scored"]
    assert (scored["score"] >= -EPS).all() and (scored["score"] <= scored["weight"] + EPS).all()
    assert (cells.loc[cells["status"] == "missing", "score"] == 0).all()
    exempt = cells[cells["status"] == "not_applicable"]
    assert exempt["score"].isna().all() and exempt["weight"].isna().all()
    # Not applicable: the remaining weights are rescaled so that performance is still out of 100.
    effective = cells[cells["status"] != "not_applicable"].groupby("unit_id")["weight"].sum()
    assert np.allclose(effective.to_numpy(), 100.0, rtol=0, atol=1e-9)

    # Adjustments: Σ positive points capped at bonus_cap, Σ |negative points| capped at penalty_cap.
    points = inputs.adjustments["points"].astype(float)
    by_unit = inputs.adjustments["unit_id"]
    bonus = points.clip(lower=0).groupby(by_unit).sum().reindex(units.index, fill_value=0.0)
    penalty = (-points).clip(lower=0).groupby(by_unit).sum().reindex(units.index, fill_value=0.0)
    expected_bonus = np.minimum(bonus.astype(float), rules.bonus_cap)
    expected_penalty = np.minimum(penalty.astype(float), rules.penalty_cap)
    assert np.allclose(units["bonus"].astype(float), expected_bonus, rtol=1e-12, atol=1e-12)
    assert np.allclose(units["penalty"].astype(float), expected_penalty, rtol=1e-12, atol=1e-12)

    # A unit has no total exactly when it is exempt from every one of its indicators.
    all_exempt = (cells["status"] == "not_applicable").groupby(cells["unit_id"]).all()
    no_total = all_exempt.reindex(units.index, fill_value=False)
    assert (units["total"].isna() == no_total).all()
    assert (units["performance"].isna() == no_total).all()

    with_total = units[units["total"].notna()]
    assert (with_total["performance"] >= -EPS).all() and (with_total["performance"] <= 100 + EPS).all()
    too_low = with_total[with_total["total"] < -rules.penalty_cap - EPS]
    too_high = with_total[with_total["total"] > 100 + rules.bonus_cap + EPS]
    assert too_low.empty, f"total below −penalty_cap {rules.penalty_cap}:\n{too_low}"
    assert too_high.empty, f"total above 100 + bonus_cap {rules.bonus_cap}:\n{too_high}"


# ---------------------------------------------------------------------------------------------------------
# 2. Tier quotas with distinct totals and no verdicts


@st.composite
def distinct_totals(draw):
    """1–3 tracks of 1–30 units; totals with two decimals, distinct within the period; arbitrary shares."""
    track_sizes = draw(st.lists(st.integers(1, 30), min_size=1, max_size=3))
    n = sum(track_sizes)
    cents = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n, unique=True))
    tracks = dict(zip(range(1, n + 1), units_frame(track_sizes)["track_id"], strict=True))
    values = {unit: Decimal(c) / 100 for unit, c in zip(tracks, cents, strict=True)}
    first_share = Decimal(draw(st.integers(0, 100))) / 100
    third_share = Decimal(draw(st.integers(0, 100))) / 100
    return values, tracks, first_share, third_share


@PROPERTIES
@given(distinct_totals())
def test_tier_counts_equal_the_quotas_without_ties_or_verdicts(case):
    values, tracks, first_share, third_share = case
    rules = ScoringRules(first_share=float(first_share), third_share=float(third_share))
    result = compute_period(direct_period({u: float(v) for u, v in values.items()}, tracks, rules=rules))
    tier = dict(zip(result.unit_results["unit_id"], result.unit_results["tier"], strict=True))

    for track in set(tracks.values()):
        members = sorted((u for u in tracks if tracks[u] == track), key=lambda u: values[u], reverse=True)
        n = len(members)
        k1 = int(half_up(n * first_share, "1"))
        k3 = int(half_up(n * third_share, "1"))
        # Ranks are 1…n here; first: rank ≤ k1; third: rank > n − k3 unless already first (first wins).
        expected_first = members[:k1]
        expected_third = members[max(n - k3, k1):]
        got_first = [u for u in members if tier[u] == 1]
        got_third = [u for u in members if tier[u] == 3]
        assert len(got_first) == k1, (track, n, k1, k3)
        assert len(got_third) == max(0, min(k3, n - k1)), (track, n, k1, k3)
        assert got_first == expected_first
        assert got_third == expected_third
        assert all(tier[u] == 2 for u in members if u not in expected_first and u not in expected_third)


# ---------------------------------------------------------------------------------------------------------
# 3. Competition ranks on totals rounded half up to 2 decimals


@st.composite
def tied_totals(draw):
    """Values with 4 decimals clustered so that many totals tie, or just miss tying, after rounding.

    Offsets of ±1, 49, 50, 51 ten-thousandths around a few anchors put totals on both sides of a half cent.
    Some units are exempt from everything (no total), some get 2-decimal adjustments, some verdicts.
    """
    track_sizes = draw(st.lists(st.integers(1, 30), min_size=1, max_size=3))
    n = sum(track_sizes)
    tracks = dict(zip(range(1, n + 1), units_frame(track_sizes)["track_id"], strict=True))
    anchors = draw(st.lists(st.integers(0, 9_900).map(lambda c: c * 100), min_size=1, max_size=4))
    offsets = st.sampled_from([0, 0, 0, 1, -1, 49, 50, 51, 99])
    values: dict[int, Decimal | None] = {}
    for unit in tracks:
        if draw(st.integers(0, 9)) == 0:
            values[unit] = None  # exempt from its only indicator: no total, no rank
        else:
            k = min(max(draw(st.sampled_from(anchors)) + draw(offsets), 0), 1_000_000)
            values[unit] = Decimal(k) / 10_000
    cent_points = st.integers(-1500, 1500).filter(bool).map(lambda c: Decimal(c) / 100)
    adjustments = draw(st.lists(st.tuples(st.sampled_from(list(tracks)), cent_points), max_size=n))
    verdicts = draw(
        st.lists(st.tuples(st.sampled_from(list(tracks)), st.sampled_from(["veto", "affirmation"])), max_size=3)
    )
    return values, tracks, adjustments, verdicts


@PROPERTIES
@given(tied_totals())
def test_ranks_are_competition_ranks_of_totals_rounded_half_up(case):
    values, tracks, adjustments, verdicts = case
    rules = ScoringRules()
    inputs = direct_period(
        {u: None if v is None else float(v) for u, v in values.items()},
        tracks,
        adjustments=[(u, float(p)) for u, p in adjustments],
        verdicts=verdicts,
        rules=rules,
    )
    result = compute_period(inputs)
    got = result.unit_results.set_index("unit_id")

    # SPEC total in decimal arithmetic: v + min(Σ bonus, cap) − min(Σ |penalty|, cap), shown rounded half up.
    bonus = {u: Decimal(0) for u in tracks}
    penalty = {u: Decimal(0) for u in tracks}
    for unit, p in adjustments:
        if p > 0:
            bonus[unit] += p
        else:
            penalty[unit] -= p
    shown = {
        u: half_up(
            v + min(bonus[u], Decimal(str(rules.bonus_cap))) - min(penalty[u], Decimal(str(rules.penalty_cap)))
        )
        for u, v in values.items()
        if v is not None
    }

    for unit in tracks:
        rank = got.loc[unit, "rank"]
        if values[unit] is None:
            assert pd.isna(rank) and pd.isna(got.loc[unit, "total"])
            continue
        assert float(got.loc[unit, "total"]) == pytest.approx(float(shown[unit]), abs=0.0051)
        peers = [u for u in shown if tracks[u] == tracks[unit]]
        expected = 1 + sum(shown[u] > shown[unit] for u in peers)
        assert rank == expected, (unit, shown[unit], {u: shown[u] for u in peers})

    for track in set(tracks.values()):
        ranked = [u for u in shown if tracks[u] == track]
        if not ranked:
            continue
        ranks = {u: int(got.loc[u, "rank"]) for u in ranked}
        assert min(ranks.values()) == 1
        assert max(ranks.values()) <= len(ranked)
        for a in ranked:
            for b in ranked:
                # Order of ranks follows the order of shown totals; equal shown totals share a rank.
                if shown[a] > shown[b]:
                    assert ranks[a] < ranks[b]
                elif shown[a] == shown[b]:
                    assert ranks[a] == ranks[b]
        # Competition ranking: a rank k is held by units with exactly k − 1 units ahead of them.
        for u in ranked:
            assert ranks[u] == 1 + sum(ranks[v] < ranks[u] for v in ranked)


# ---------------------------------------------------------------------------------------------------------
# 4. Determinism and independence from row order


def frames_of(result) -> dict[str, pd.DataFrame]:
    return {
        "indicator_scores": result.indicator_scores,
        "component_scores": result.component_scores,
        "unit_results": result.unit_results,
        "dimension_rates": result.dimension_rates,
    }


@TWICE
@given(periods())
def test_computing_the_same_inputs_twice_gives_identical_results(inputs):
    before = copy.deepcopy(inputs)
    first = compute_period(inputs)
    # The engine must not change its inputs (else a second run would see different ones).
    for name in ("units", "indicators", "weights", "weight_overrides", "statistics", "components",
                 "component_scores", "adjustments", "verdicts", "previous_ranks"):
        pd.testing.assert_frame_equal(getattr(inputs, name), getattr(before, name), check_exact=True)
    second = compute_period(inputs)
    for name, frame in frames_of(first).items():
        pd.testing.assert_frame_equal(frame, frames_of(second)[name], check_exact=True, obj=name)
    assert first.problems == second.problems


SORT_KEYS = {
    "indicator_scores": ["unit_id", "indicator_id"],
    "component_scores": ["unit_id", "component_id"],
    "unit_results": ["unit_id"],
    "dimension_rates": ["unit_id", "dimension_id"],
}


@SHUFFLED
@given(periods(), st.integers(0, 2**32 - 1))
def test_shuffling_input_rows_gives_the_same_results_per_unit(inputs, seed):
    shuffled = copy.deepcopy(inputs)
    for offset, name in enumerate(("units", "indicators", "weights", "weight_overrides", "statistics",
                                   "components", "component_scores", "adjustments", "verdicts",
                                   "previous_ranks")):
        frame = getattr(shuffled, name)
        setattr(shuffled, name, frame.sample(frac=1.0, random_state=(seed + offset) % 2**32))

    original, reordered = compute_period(inputs), compute_period(shuffled)
    for name, keys in SORT_KEYS.items():
        a = frames_of(original)[name].sort_values(keys, ignore_index=True)
        b = frames_of(reordered)[name].sort_values(keys, ignore_index=True)
        # Sums may add the same numbers in another order: allow float noise, nothing more.
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-9, obj=name)
    assert sorted(original.problems) == sorted(reordered.problems)


# ---------------------------------------------------------------------------------------------------------
# 5. A recompute stores the same rows when run twice (database)


def stored_rows(period) -> dict[str, list[dict]]:
    """Every stored result row of the period, all columns but the id and the computation time."""
    out = {}
    for model, order in (
        (IndicatorScore, ("unit_id", "indicator_id")),
        (UnitResult, ("unit_id",)),
        (DimensionResult, ("unit_id", "dimension_id")),
    ):
        columns = [f.attname for f in model._meta.concrete_fields if f.name not in ("id", "computed_at")]
        out[model.__name__] = list(model.objects.filter(period=period).order_by(*order).values(*columns))
    return out


cell_inputs = st.one_of(
    st.tuples(st.just("value"), st.integers(-100_000, 100_000).map(lambda c: Decimal(c) / 100)),
    st.tuples(st.just("blank"), st.none()),
    st.tuples(st.just("exempt"), st.none()),
    st.tuples(st.just("no_row"), st.none()),
)


@pytest.mark.django_db
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    # The district is built once; every example rewrites all of the period's inputs itself.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cells=st.lists(cell_inputs, min_size=6, max_size=6),
    targets=st.lists(st.one_of(st.none(), st.integers(1, 20_000).map(lambda c: Decimal(c) / 100)),
                     min_size=6, max_size=6),
    survey=st.lists(st.one_of(st.none(), st.integers(0, 10_000).map(lambda c: Decimal(c) / 100)),
                    min_size=3, max_size=3),
    adjustments=st.lists(st.tuples(st.integers(0, 2), st.integers(-3000, 3000).filter(bool)), max_size=5),
    verdicts=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["veto", "affirmation"])), max_size=3),
    per_capita=st.booleans(),
)
def test_recomputing_a_period_twice_stores_identical_rows(
    district, cells, targets, survey, adjustments, verdicts, per_capita
):
    period = district["period"]
    towns = [district["towns"][code] for code in ("Z1", "Z2", "Z3")]
    indicators = [district["growth"], Indicator.objects.get(scheme=district["scheme"], code="G2")]
    Indicator.objects.filter(pk=district["growth"].pk).update(per_capita_base="population" if per_capita else "")
    Statistic.objects.filter(period=period).delete()
    ComponentScore.objects.filter(period=period).delete()
    Adjustment.objects.filter(period=period).delete()
    Verdict.objects.filter(period=period).delete()

    slots = [(town, indicator) for indicator in indicators for town in towns]
    for (town, indicator), (kind, value), target in zip(slots, cells, targets, strict=True):
        if kind != "no_row":
            Statistic.objects.create(period=period, unit=town, indicator=indicator, value=value,
                                     not_applicable=kind == "exempt", target=target)
    for town, score in zip(towns, survey, strict=True):
        if score is not None:
            ComponentScore.objects.create(period=period, unit=town, component=district["survey"], score=score)
    now = timezone.now()
    for index, cents in adjustments:
        Adjustment.objects.create(period=period, unit=towns[index], points=Decimal(cents) / 100, category="测试",
                                  reason="性质测试", approved_at=now)
    veto_item, _ = VetoItem.objects.get_or_create(name="安全生产", defaults={"legal_basis": "《安全生产法》"})
    for index, kind in verdicts:
        Verdict.objects.create(period=period, unit=towns[index], kind=kind, reason="性质测试", approved_at=now,
                               veto_item=veto_item if kind == "veto" else None)

    recompute_period(period.pk)
    first = stored_rows(period)
    recompute_period(period.pk)
    second = stored_rows(period)

    assert len(first["UnitResult"]) == 3
    assert len(first["IndicatorScore"]) == 6
    for table, rows in first.items():
        assert rows == second[table], table
