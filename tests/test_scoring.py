"""The scoring engine (assessment/scoring.py) against hand-computed examples of SPEC §4–§5 and the golden sample.

No database: the engine is plain functions over pandas frames.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessment.scoring import PeriodInputs, ScoringRules, compute_period, round_half_up
from tests.golden import GOLDEN_SAMPLES

NAN = float("nan")
EMPTY = pd.DataFrame()
PERFORMANCE_ONLY = pd.DataFrame({"component_id": [1], "weight": [100.0], "is_performance": [True]})


# ---------------------------------------------------------------------------------------------------------
# Builders


def indicator(indicator_id, method="direct", direction="higher", *, dimension_id=1, target=NAN, **extra):
    return {
        "indicator_id": indicator_id,
        "dimension_id": dimension_id,
        "direction": direction,
        "method": method,
        "target": target,
        "rank_step": extra.get("rank_step", 0.05),
        "rank_floor": extra.get("rank_floor", 0.6),
        "per_capita_base": extra.get("per_capita_base"),
    }


def stat(unit_id, indicator_id, value, *, exempt=False, target=NAN):
    return {
        "unit_id": unit_id,
        "indicator_id": indicator_id,
        "value": value,
        "not_applicable": exempt,
        "target": target,
    }


def column(indicator_id, values: dict) -> list[dict]:
    """One indicator's statistics: {unit_id: value}."""
    return [stat(unit_id, indicator_id, value) for unit_id, value in values.items()]


def make_inputs(
    units,
    indicators,
    weights,
    statistics=(),
    *,
    overrides=EMPTY,
    components=PERFORMANCE_ONLY,
    component_scores=EMPTY,
    adjustments=EMPTY,
    verdicts=EMPTY,
    previous_ranks=EMPTY,
    rules=None,
):
    """`units` is {unit_id: track_id} or a frame; `weights` is [(track_id, indicator_id, weight)]."""
    if isinstance(units, dict):
        units = pd.DataFrame({"unit_id": list(units), "track_id": list(units.values())})
    return PeriodInputs(
        units=units,
        indicators=pd.DataFrame(indicators),
        weights=pd.DataFrame(weights, columns=["track_id", "indicator_id", "weight"]),
        weight_overrides=overrides,
        statistics=pd.DataFrame(list(statistics)),
        components=components,
        component_scores=component_scores,
        adjustments=adjustments,
        verdicts=verdicts,
        previous_ranks=previous_ranks,
        rules=rules or ScoringRules(),
    )


def score_one(
    values: dict, method, direction="higher", *, weight=20.0, extra_statistics=(), **indicator_kwargs
):
    """One indicator of `weight` points in one track; returns the results."""
    statistics = [stat(u, 1, v) for u, v in values.items()] + list(extra_statistics)
    units = dict.fromkeys(sorted({row["unit_id"] for row in statistics}), 1)
    return compute_period(
        make_inputs(
            units, [indicator(1, method, direction, **indicator_kwargs)], [(1, 1, weight)], statistics
        )
    )


def scores(result, indicator_id=1) -> dict:
    rows = result.indicator_scores[result.indicator_scores["indicator_id"] == indicator_id]
    return dict(zip(rows["unit_id"], rows["score"], strict=True))


def by_unit(result, name) -> dict:
    return dict(zip(result.unit_results["unit_id"], result.unit_results[name], strict=True))


def ranked(totals: dict, *, tracks=None, verdicts=(), previous_ranks=EMPTY, rules=None):
    """A period whose totals are `totals`: one directly scored indicator of 100 points is the whole total."""
    units = tracks or dict.fromkeys(totals, 1)
    return compute_period(
        make_inputs(
            units,
            [indicator(1, "direct")],
            [(track, 1, 100.0) for track in sorted(set(units.values()))],
            column(1, totals),
            verdicts=pd.DataFrame(list(verdicts), columns=["unit_id", "kind"]),
            previous_ranks=previous_ranks,
            rules=rules,
        )
    )


# ---------------------------------------------------------------------------------------------------------
# Rounding


def test_it_rounds_half_up_despite_binary_noise():
    assert round_half_up(2.675) == 2.68
    assert round_half_up(80.005) == 80.01
    assert round_half_up(1.005) == 1.01
    assert round_half_up(80.0049) == 80.0
    assert round_half_up(-2.675) == -2.68
    assert math.isnan(round_half_up(NAN))


def test_it_rounds_to_whole_numbers_for_quotas():
    assert list(round_half_up(np.array([0.3, 0.5, 1.5, 2.5, 2.7]), 0)) == [0.0, 1.0, 2.0, 3.0, 3.0]


def test_it_keeps_the_index_of_a_rounded_series():
    rounded = round_half_up(pd.Series([2.675, NAN], index=[7, 9]))
    assert list(rounded.index) == [7, 9]
    assert rounded[7] == 2.68
    assert math.isnan(rounded[9])


# ---------------------------------------------------------------------------------------------------------
# Efficacy 功效系数法


def test_it_scores_efficacy_higher_is_better():
    # r = 0, 0.5, 1 → 20 · (0.6 + 0.4 r)
    assert scores(score_one({1: 10, 2: 20, 3: 30}, "efficacy")) == {1: 12.0, 2: 16.0, 3: 20.0}


def test_it_scores_efficacy_lower_is_better():
    assert scores(score_one({1: 10, 2: 20, 3: 30}, "efficacy", "lower")) == {1: 20.0, 2: 16.0, 3: 12.0}


def test_it_gives_full_efficacy_when_all_values_are_equal():
    assert scores(score_one({1: 5, 2: 5}, "efficacy")) == {1: 20.0, 2: 20.0}


def test_it_normalises_efficacy_within_each_track():
    result = compute_period(
        make_inputs(
            {1: 1, 2: 1, 3: 2, 4: 2},
            [indicator(1, "efficacy")],
            [(1, 1, 20.0), (2, 1, 20.0)],
            column(1, {1: 10, 2: 30, 3: 100, 4: 200}),
        )
    )
    assert scores(result) == {1: 12.0, 2: 20.0, 3: 12.0, 4: 20.0}


def test_it_leaves_missing_and_exempt_units_out_of_efficacy_bounds():
    result = compute_period(
        make_inputs(
            {1: 1, 2: 1, 3: 1, 4: 1},
            [indicator(1, "efficacy")],
            [(1, 1, 20.0)],
            [stat(1, 1, 10), stat(2, 1, NAN), stat(3, 1, 30), stat(4, 1, 0, exempt=True)],
        )
    )
    got = scores(result)
    assert got[1] == 12.0  # min V is 10: unit 4's 0 is not applicable
    assert got[2] == 0.0
    assert got[3] == 20.0
    assert math.isnan(got[4])


# ---------------------------------------------------------------------------------------------------------
# Target 目标完成率法


def test_it_scores_target_higher_is_better_with_a_units_own_target():
    result = score_one(
        {1: 40, 2: 100, 4: -8},
        "target",
        target=80.0,
        extra_statistics=[stat(3, 1, 40, target=50.0)],
    )
    # 40/80 → 10; 100/80 clamps to 1 → 20; 40 against its own 50 → 16; negative clamps to 0.
    assert scores(result) == {1: 10.0, 2: 20.0, 3: 16.0, 4: 0.0}
    used = dict(zip(result.indicator_scores["unit_id"], result.indicator_scores["target_used"], strict=True))
    assert used == {1: 80.0, 2: 80.0, 3: 50.0, 4: 80.0}


def test_it_scores_target_lower_is_better_and_a_zero_value_in_full():
    result = score_one(
        {1: 4, 2: 1, 3: 0},
        "target",
        "lower",
        target=2.0,
        extra_statistics=[stat(4, 1, 5, target=4.0)],
    )
    # 2/4 → 10; 2/1 clamps → 20; v = 0 → r = 1 → 20; own target 4/5 → 16.
    assert scores(result) == {1: 10.0, 2: 20.0, 3: 20.0, 4: 16.0}


def test_it_treats_a_cell_without_a_usable_target_as_missing():
    result = compute_period(
        make_inputs(
            {1: 1, 2: 1},
            [indicator(1, "target"), indicator(2, "target", target=0.0)],
            [(1, 1, 50.0), (1, 2, 50.0)],
            [stat(1, 1, 40), stat(2, 1, 40, target=50.0), stat(1, 2, 5), stat(2, 2, 5)],
        )
    )
    assert scores(result, 1) == {1: 0.0, 2: 40.0}
    assert scores(result, 2) == {1: 0.0, 2: 0.0}
    statuses = result.indicator_scores.set_index(["unit_id", "indicator_id"])["status"]
    assert statuses[(1, 1)] == "missing"
    assert statuses[(2, 1)] == "scored"
    assert by_unit(result, "missing_count") == {1: 2, 2: 1}
    assert len(result.problems) == 3
    assert "单位 1 的指标 1" in result.problems[0]


# ---------------------------------------------------------------------------------------------------------
# Threshold 达标法


def test_it_scores_threshold_higher_is_better_with_a_units_own_target():
    result = score_one(
        {1: 2.0, 2: 1.9}, "threshold", target=2.0, extra_statistics=[stat(3, 1, 1.9, target=1.5)]
    )
    assert scores(result) == {1: 20.0, 2: 0.0, 3: 20.0}


def test_it_scores_threshold_lower_is_better_with_a_units_own_target():
    result = score_one(
        {1: 2.0, 2: 2.1}, "threshold", "lower", target=2.0, extra_statistics=[stat(3, 1, 2.1, target=2.5)]
    )
    assert scores(result) == {1: 20.0, 2: 0.0, 3: 20.0}


# ---------------------------------------------------------------------------------------------------------
# Rank 排名赋分法


def test_it_scores_rank_higher_is_better_with_shared_ranks():
    # k = 1, 2, 2, 4 → 20 · (1 − 0.05 (k − 1))
    assert scores(score_one({1: 100, 2: 90, 3: 90, 4: 80}, "rank")) == {1: 20.0, 2: 19.0, 3: 19.0, 4: 17.0}


def test_it_scores_rank_lower_is_better():
    assert scores(score_one({1: 100, 2: 90, 3: 90, 4: 80}, "rank", "lower")) == {
        1: 17.0,
        2: 19.0,
        3: 19.0,
        4: 20.0,
    }


def test_it_stops_rank_scores_at_the_floor():
    got = scores(score_one({unit: 11 - unit for unit in range(1, 11)}, "rank"))
    # k = 9 → 1 − 0.4 = 0.6; k = 10 → 0.55, floored at 0.6.
    assert got == pytest.approx({1: 20, 2: 19, 3: 18, 4: 17, 5: 16, 6: 15, 7: 14, 8: 13, 9: 12, 10: 12})


def test_it_reads_rank_step_and_floor_from_the_indicator():
    got = scores(score_one({1: 5, 2: 4, 3: 3, 4: 2}, "rank", rank_step=0.2, rank_floor=0.5))
    assert got == pytest.approx({1: 20, 2: 16, 3: 12, 4: 10})


# ---------------------------------------------------------------------------------------------------------
# Direct 直接赋分法


def test_it_clamps_direct_scores():
    assert scores(score_one({1: 120, 2: -5, 3: 55}, "direct")) == pytest.approx({1: 20, 2: 0, 3: 11})


def test_it_ignores_direction_for_direct_scores():
    assert scores(score_one({1: 55}, "direct", "lower")) == pytest.approx({1: 11})


# ---------------------------------------------------------------------------------------------------------
# Per capita, not applicable, missing


def test_it_divides_per_capita_values_and_treats_a_zero_or_unknown_base_as_missing():
    units = pd.DataFrame(
        {"unit_id": [1, 2, 3, 4, 5], "track_id": 1, "population": [500.0, 1000.0, 2000.0, 0.0, NAN]}
    )
    result = compute_period(
        make_inputs(
            units,
            [indicator(1, "efficacy", per_capita_base="population")],
            [(1, 1, 20.0)],
            column(1, {1: 1000, 2: 3000, 3: 2000, 4: 500, 5: 500}),
        )
    )
    scored_values = dict(
        zip(result.indicator_scores["unit_id"], result.indicator_scores["scored_value"], strict=True)
    )
    assert scored_values[1] == 2.0
    assert scored_values[2] == 3.0
    assert scored_values[3] == 1.0
    # V = {2, 3, 1}: units 4 and 5 are missing and left out.
    assert scores(result) == pytest.approx({1: 16, 2: 20, 3: 12, 4: 0, 5: 0})
    assert by_unit(result, "missing_count") == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert len(result.problems) == 2
    assert "单位 4 的指标 1" in result.problems[0]
    assert "人均基数" in result.problems[0]
    assert "单位 5 的指标 1" in result.problems[1]


def test_it_compares_a_per_capita_value_with_a_per_capita_target():
    units = pd.DataFrame({"unit_id": [1], "track_id": [1], "population": [500.0]})
    result = compute_period(
        make_inputs(
            units,
            [indicator(1, "target", target=2.5, per_capita_base="population")],
            [(1, 1, 20.0)],
            column(1, {1: 1000}),
        )
    )
    assert scores(result) == pytest.approx({1: 16})  # 1000 / 500 = 2 against 2.5


def test_it_scales_the_remaining_weights_of_a_unit_with_an_exempt_indicator():
    result = compute_period(
        make_inputs(
            {1: 1, 2: 1},
            [indicator(1), indicator(2)],
            [(1, 1, 40.0), (1, 2, 60.0)],
            [stat(1, 1, NAN, exempt=True), stat(1, 2, 50), stat(2, 1, 50), stat(2, 2, 100)],
        )
    )
    rows = result.indicator_scores.set_index(["unit_id", "indicator_id"])
    assert rows.loc[(1, 1), "status"] == "not_applicable"
    assert math.isnan(rows.loc[(1, 1), "weight"])
    assert math.isnan(rows.loc[(1, 1), "score"])
    assert rows.loc[(1, 2), "weight"] == pytest.approx(100)  # 60 · 100 / (100 − 40)
    assert rows.loc[(1, 2), "score"] == pytest.approx(50)
    assert by_unit(result, "performance") == pytest.approx({1: 50, 2: 80})
    assert by_unit(result, "missing_count") == {1: 0, 2: 0}


def test_it_scores_a_missing_value_zero_and_counts_it():
    result = compute_period(
        make_inputs(
            {1: 1, 2: 1},
            [indicator(1), indicator(2)],
            [(1, 1, 50.0), (1, 2, 50.0)],
            # Unit 1 has no row for indicator 1 and a blank cell for indicator 2.
            [stat(1, 2, NAN), stat(2, 1, 80), stat(2, 2, 60)],
        )
    )
    rows = result.indicator_scores.set_index(["unit_id", "indicator_id"])
    assert list(rows.loc[1, "status"]) == ["missing", "missing"]
    assert list(rows.loc[1, "score"]) == [0.0, 0.0]
    assert list(rows.loc[1, "weight"]) == [50.0, 50.0]
    assert by_unit(result, "performance") == pytest.approx({1: 0, 2: 70})
    assert by_unit(result, "missing_count") == {1: 2, 2: 0}
    assert result.problems == []  # a blank cell is listed by its status, not as a problem


def test_it_gives_no_performance_rank_or_tier_to_a_unit_exempt_from_everything():
    result = compute_period(
        make_inputs(
            dict.fromkeys(range(1, 6), 1),
            [indicator(1)],
            [(1, 1, 100.0)],
            column(1, {1: 90, 2: 80, 3: 70, 4: 60}) + [stat(5, 1, NAN, exempt=True)],
        )
    )
    row = result.unit_results.set_index("unit_id").loc[5]
    assert math.isnan(row["performance"])
    assert math.isnan(row["total"])
    assert pd.isna(row["rank"])
    assert pd.isna(row["tier"])
    # It still counts in n = 5 (k1 = 2, k3 = 1): rank 4 is not past n − k3 = 4, so nobody is third.
    assert by_unit(result, "rank") | {5: None} == {1: 1, 2: 2, 3: 3, 4: 4, 5: None}
    assert by_unit(result, "tier") | {5: None} == {1: 1, 2: 1, 3: 2, 4: 2, 5: None}


# ---------------------------------------------------------------------------------------------------------
# Components and adjustments


def test_it_weighs_components_and_counts_a_missing_component_score_zero():
    result = compute_period(
        make_inputs(
            {1: 1, 2: 1},
            [indicator(1)],
            [(1, 1, 100.0)],
            column(1, {1: 80, 2: 50}),
            components=pd.DataFrame(
                {
                    "component_id": [1, 2, 3],
                    "weight": [60.0, 20.0, 20.0],
                    "is_performance": [True, False, False],
                }
            ),
            component_scores=pd.DataFrame(
                {"unit_id": [1, 2, 2], "component_id": [2, 2, 3], "score": [90.0, 70.0, 100.0]}
            ),
        )
    )
    # Unit 1: 60 % · 80 + 20 % · 90 + 20 % · 0 (missing); unit 2: 60 % · 50 + 20 % · 70 + 20 % · 100.
    assert by_unit(result, "total") == pytest.approx({1: 66, 2: 64})
    assert by_unit(result, "missing_count") == {1: 1, 2: 0}
    unit_1 = result.component_scores[result.component_scores["unit_id"] == 1]
    assert list(unit_1["component_id"]) == [1, 2, 3]
    assert list(unit_1["score"].iloc[:2]) == [80.0, 90.0]
    assert math.isnan(unit_1["score"].iloc[2])
    assert list(unit_1["missing"]) == [False, False, True]


def test_it_caps_bonus_and_penalty():
    result = compute_period(
        make_inputs(
            {1: 1, 2: 1, 3: 1},
            [indicator(1)],
            [(1, 1, 100.0)],
            column(1, {1: 80, 2: 80, 3: 80}),
            adjustments=pd.DataFrame({"unit_id": [1, 1, 1, 2, 2], "points": [3.0, 4.0, -2.0, -8.0, -6.0]}),
        )
    )
    assert by_unit(result, "bonus") == {1: 5.0, 2: 0.0, 3: 0.0}  # 7 capped at 5
    assert by_unit(result, "penalty") == {1: 2.0, 2: 10.0, 3: 0.0}  # 14 capped at 10
    assert by_unit(result, "total") == pytest.approx({1: 83, 2: 70, 3: 80})


def test_it_reads_the_caps_from_the_rules():
    result = compute_period(
        make_inputs(
            {1: 1},
            [indicator(1)],
            [(1, 1, 100.0)],
            column(1, {1: 80}),
            adjustments=pd.DataFrame({"unit_id": [1], "points": [3.0]}),
            rules=ScoringRules(bonus_cap=1.0),
        )
    )
    assert by_unit(result, "total") == pytest.approx({1: 81})


# ---------------------------------------------------------------------------------------------------------
# Rank


def test_it_ranks_totals_equal_after_rounding_as_ties():
    # 80.004 and 80.0049 both show as 80.00: competition ranks 1, 2, 2, 4.
    result = ranked({1: 90, 2: 80.004, 3: 80.0049, 4: 70})
    assert by_unit(result, "rank") == {1: 1, 2: 2, 3: 2, 4: 4}


def test_it_ranks_a_total_that_rounds_up_above_one_that_rounds_down():
    result = ranked({1: 80.0049, 2: 80.005})  # 80.00 vs 80.01
    assert by_unit(result, "rank") == {1: 2, 2: 1}


def test_it_ranks_within_each_track():
    result = ranked({1: 90, 2: 80, 3: 70, 4: 60}, tracks={1: 1, 2: 2, 3: 1, 4: 2})
    assert by_unit(result, "rank") == {1: 1, 3: 2, 2: 1, 4: 2}


# ---------------------------------------------------------------------------------------------------------
# Tiers


def test_it_fills_tier_quotas_for_five_units():
    result = ranked({1: 90, 2: 80, 3: 70, 4: 60, 5: 50})  # k1 = round(1.5) = 2, k3 = round(0.5) = 1
    assert by_unit(result, "tier") == {1: 1, 2: 1, 3: 2, 4: 2, 5: 3}


def test_it_fills_tier_quotas_for_nine_units():
    result = ranked(
        {unit: 100 - 10 * unit for unit in range(1, 10)}
    )  # k1 = round(2.7) = 3, k3 = round(0.9) = 1
    assert by_unit(result, "tier") == {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 3}


def test_it_puts_a_lone_unit_in_the_second_tier_under_the_default_shares():
    # n = 1: k1 = round(0.3) = 0 and k3 = round(0.1) = 0, so neither quota applies.
    assert by_unit(ranked({1: 90}), "tier") == {1: 2}


def test_it_lets_the_first_tier_win_for_a_lone_unit_when_both_quotas_apply():
    rules = ScoringRules(first_share=0.5, third_share=0.5)  # k1 = k3 = 1
    assert by_unit(ranked({1: 90}, rules=rules), "tier") == {1: 1}


def test_it_lets_the_first_tier_win_when_vetoes_push_the_quota_to_the_last_place():
    verdicts = [(1, "veto"), (2, "veto"), (3, "veto")]
    result = ranked({1: 90, 2: 80, 3: 70, 4: 60, 5: 50}, verdicts=verdicts)
    # Unit 5 is the 2nd non-vetoed unit (first tier) and rank 5 > n − k3 = 4 (third tier): first wins.
    assert by_unit(result, "tier") == {1: 3, 2: 3, 3: 3, 4: 1, 5: 1}


def test_it_puts_every_unit_tied_across_the_first_tier_line_in_the_first_tier():
    result = ranked({1: 90, 2: 80, 3: 80, 4: 70, 5: 60})
    assert by_unit(result, "rank") == {1: 1, 2: 2, 3: 2, 4: 4, 5: 5}
    assert by_unit(result, "tier") == {1: 1, 2: 1, 3: 1, 4: 2, 5: 3}


def test_it_moves_the_next_unit_up_when_a_first_tier_unit_is_vetoed():
    result = ranked({1: 90, 2: 80, 3: 70, 4: 60, 5: 50}, verdicts=[(1, "veto")])
    assert by_unit(result, "rank") == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    assert by_unit(result, "tier") == {1: 3, 2: 1, 3: 1, 4: 2, 5: 3}
    assert by_unit(result, "vetoed") == {1: True, 2: False, 3: False, 4: False, 5: False}


def test_it_puts_an_affirmed_unit_in_the_first_tier_without_taking_a_place():
    result = ranked({1: 90, 2: 80, 3: 70, 4: 60, 5: 50}, verdicts=[(5, "affirmation")])
    assert by_unit(result, "tier") == {1: 1, 2: 1, 3: 2, 4: 2, 5: 1}
    assert by_unit(result, "rank") == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    assert by_unit(result, "affirmed")[5]


def test_it_lets_a_veto_override_an_affirmation():
    result = ranked({1: 90, 2: 80, 3: 70, 4: 60, 5: 50}, verdicts=[(2, "veto"), (2, "affirmation")])
    assert by_unit(result, "tier") == {1: 1, 2: 3, 3: 1, 4: 2, 5: 3}


# ---------------------------------------------------------------------------------------------------------
# One unit, one policy; progress


def test_it_scores_a_unit_with_an_override_on_its_own_weights_only():
    result = compute_period(
        make_inputs(
            {1: 1, 2: 1},
            [indicator(1), indicator(2), indicator(3)],
            [(1, 1, 50.0), (1, 2, 50.0)],
            [stat(u, i, v) for u in (1, 2) for i, v in ((1, 80), (2, 60), (3, 30))],
            overrides=pd.DataFrame({"unit_id": [2, 2], "indicator_id": [1, 3], "weight": [0.0, 100.0]}),
        )
    )
    cells = result.indicator_scores
    assert list(cells.loc[cells["unit_id"] == 1, "indicator_id"]) == [1, 2]
    assert list(cells.loc[cells["unit_id"] == 2, "indicator_id"]) == [3]
    assert by_unit(result, "performance") == pytest.approx({1: 70, 2: 30})


def test_it_compares_ranks_with_last_year_in_the_same_track_only():
    previous = pd.DataFrame(
        {
            "unit_id": [1, 2, 4, 9],  # unit 3 is new; unit 9 is gone
            "track_id": [1, 2, 2, 1],  # unit 2 was in track 2 last year
            "rank": [3, 1, 1, 1],
        }
    )
    result = ranked({1: 90, 2: 80, 3: 70, 4: 50}, tracks={1: 1, 2: 1, 3: 1, 4: 2}, previous_ranks=previous)
    change = by_unit(result, "rank_change")
    assert change[1] == 2
    assert pd.isna(change[2])
    assert pd.isna(change[3])
    assert change[4] == 0
    assert str(result.unit_results["rank_change"].dtype) == "Int64"


# ---------------------------------------------------------------------------------------------------------
# Strengths and weaknesses


def dimension_period(values_by_unit: dict[int, list[float]]):
    """Each list holds one directly scored value per dimension 1…m; all units in track 1."""
    m = len(next(iter(values_by_unit.values())))
    return compute_period(
        make_inputs(
            dict.fromkeys(values_by_unit, 1),
            [indicator(d, dimension_id=d) for d in range(1, m + 1)],
            [(1, d, 100.0 / m) for d in range(1, m + 1)],
            [stat(u, d, v) for u, values in values_by_unit.items() for d, v in enumerate(values, start=1)],
        )
    )


def kinds(result, unit_id) -> list[str]:
    rates = result.dimension_rates
    return list(rates.loc[rates["unit_id"] == unit_id, "kind"])


def test_it_names_three_strengths_and_weaknesses_out_of_seven_dimensions():
    result = dimension_period({1: [90, 80, 70, 60, 50, 40, 30], 2: [60] * 7})
    rates = result.dimension_rates.set_index(["unit_id", "dimension_id"])
    assert rates.loc[(1, 1), "rate"] == pytest.approx(0.9)
    assert rates.loc[(1, 1), "track_median"] == pytest.approx(0.75)
    assert rates.loc[(1, 1), "difference"] == pytest.approx(0.15)
    assert rates.loc[(1, 1), "weight"] == pytest.approx(100 / 7)
    assert kinds(result, 1) == ["strength"] * 3 + [""] + ["weakness"] * 3
    assert kinds(result, 2) == ["weakness"] * 3 + [""] + ["strength"] * 3


def test_it_names_one_strength_and_one_weakness_out_of_two_dimensions():
    result = dimension_period({1: [80, 40], 2: [60, 60]})
    assert kinds(result, 1) == ["strength", "weakness"]
    assert kinds(result, 2) == ["weakness", "strength"]


def test_it_calls_nothing_a_strength_or_weakness_at_the_track_median():
    result = dimension_period({1: [70, 70, 70]})  # m = 3 → k = 1; every difference is 0
    assert kinds(result, 1) == ["", "", ""]


# ---------------------------------------------------------------------------------------------------------
# Shape of the inputs and outputs


def test_it_accepts_empty_optional_frames():
    inputs = make_inputs({1: 1, 2: 1}, [indicator(1)], [(1, 1, 100.0)], column(1, {1: 80, 2: 60}))
    inputs.adjustments = pd.DataFrame(columns=["unit_id", "points"])
    inputs.previous_ranks = pd.DataFrame(columns=["unit_id", "track_id", "rank"])
    result = compute_period(inputs)
    assert by_unit(result, "total") == pytest.approx({1: 80, 2: 60})
    assert by_unit(result, "bonus") == {1: 0.0, 2: 0.0}
    assert all(pd.isna(change) for change in by_unit(result, "rank_change").values())


def test_it_counts_every_cell_missing_without_any_statistics():
    result = compute_period(make_inputs({1: 1}, [indicator(1), indicator(2)], [(1, 1, 50.0), (1, 2, 50.0)]))
    assert by_unit(result, "performance") == {1: 0.0}
    assert by_unit(result, "missing_count") == {1: 2}


def test_it_sorts_results_by_track_rank_and_unit():
    result = compute_period(
        make_inputs(
            {3: 2, 2: 1, 1: 1, 4: 1},
            [indicator(1), indicator(2)],
            [(1, 2, 50.0), (1, 1, 50.0), (2, 1, 100.0)],
            [stat(3, 1, 50), stat(2, 1, 70), stat(2, 2, 70), stat(1, 2, 70), stat(1, 1, 70)]
            + [stat(4, 1, NAN, exempt=True), stat(4, 2, NAN, exempt=True)],
        )
    )
    assert list(result.unit_results["unit_id"]) == [1, 2, 4, 3]
    cells = result.indicator_scores
    assert list(zip(cells["unit_id"], cells["indicator_id"], strict=True)) == [
        (1, 1),
        (1, 2),
        (2, 1),
        (2, 2),
        (3, 1),
        (4, 1),
        (4, 2),
    ]


# ---------------------------------------------------------------------------------------------------------
# The golden sample

SAMPLES = GOLDEN_SAMPLES

# The content of the golden sample (tests/data/golden), typed in from its workbooks.
# scheme.xlsx, sheet 单位: code, track, 人口 (population).
SAMPLE_UNITS = [
    ("S01", "A", 72950),
    ("S02", "A", 69906),
    ("S03", "A", 46224),
    ("S04", "A", 43435),
    ("S05", "A", 50180),
    ("S06", "B", 52562),
    ("S07", "B", 37464),
    ("S08", "B", 31348),
    ("S09", "B", 52918),
    ("S10", "B", 70209),
    ("S11", "B", 89574),
    ("S12", "B", 31775),
    ("S13", "B", 84130),
    ("S14", "B", 46144),
]
SAMPLE_TRACKS = {"A": 1, "B": 2}
SAMPLE_DIMENSIONS = {"经济发展": 1, "生态建设": 2}
# scheme.xlsx, sheet 指标: code, dimension, direction, method, default target, per-capita base (人口), weight
# in track A, weight in track B.
SAMPLE_INDICATORS = [
    ("E01", "经济发展", "higher", "efficacy", NAN, None, 20.0, 15.0),
    ("E02", "生态建设", "lower", "efficacy", NAN, "population", 15.0, 20.0),
    ("E03", "经济发展", "higher", "target", 80.0, None, 20.0, 15.0),
    ("E04", "生态建设", "higher", "rank", NAN, None, 15.0, 20.0),
    ("E05", "经济发展", "lower", "threshold", 2.0, None, 10.0, 15.0),
    ("E06", "生态建设", "higher", "direct", NAN, None, 20.0, 15.0),
]
# stats_S01.xlsx (E01, E03, E05) and stats_S06.xls (E02, E04, E06). The E06 cells are percent-formatted in the
# .xls: the cell 0.755 shows as 75.5 %, which SPEC §9 reads as 75.5. S08's E01 is 不适用; S09's E06 is blank.
EXEMPT = "不适用"
BLANK = None
SAMPLE_INDICATOR_ORDER = ("E01", "E02", "E03", "E04", "E05", "E06")
SAMPLE_STATISTICS = {
    "S01": (382.4, 553.8, 55.6, 812.3, 1.67, 75.5),
    "S02": (615.7, 141.3, 87.56, 765.7, 1.61, 97.9),
    "S03": (478.2, 698.2, 73.77, 365.3, 1.48, 60.3),
    "S04": (187.4, 890.7, 78.47, 365.3, 2.62, 84.2),
    "S05": (879.2, 325, 55.54, 829.1, 1.29, 91.7),
    "S06": (537.9, 884.7, 107.96, 596, 1.07, 60.9),
    "S07": (429, 738.6, 45.84, 385.8, 1.15, 72.4),
    "S08": (EXEMPT, 300.1, 77.68, 184.7, 2.42, 62.2),
    "S09": (194.2, 235.5, 69.09, 688.6, 1.64, BLANK),
    "S10": (830.4, 122.2, 102.2, 541.7, 2.34, 84.3),
    "S11": (370.4, 91.4, 50.34, 160.9, 1.32, 65.8),
    "S12": (190.8, 507.1, 95.48, 719.2, 2.52, 64.7),
    "S13": (741, 171.4, 45.21, 262.5, 2.05, 61.9),
    "S14": (198.6, 362.2, 99.21, 362.5, 1.75, 74.8),
}
# scheme.xlsx, sheet 板块 (name, weight), the first being the performance component; components.xlsx gives
# the other two per unit.
SAMPLE_COMPONENTS = [("绩效考核", 60.0), ("班子民主测评", 20.0), ("民意调查", 20.0)]
SAMPLE_COMPONENT_SCORES = {
    "S01": (77.1, 95.2),
    "S02": (96.2, 91.6),
    "S03": (84.2, 85.2),
    "S04": (82.2, 90),
    "S05": (90, 82.1),
    "S06": (95.1, 91.6),
    "S07": (80, 93.6),
    "S08": (90.5, 80.7),
    "S09": (81.8, 92.3),
    "S10": (76.8, 85.1),
    "S11": (97.2, 80.9),
    "S12": (86.6, 95.9),
    "S13": (95.1, 93.1),
    "S14": (87.3, 96.4),
}


def sample_inputs() -> tuple[PeriodInputs, dict[str, int]]:
    unit_ids = {code: number for number, (code, _, _) in enumerate(SAMPLE_UNITS, start=1)}
    indicator_ids = {code: int(code[1:]) for code in SAMPLE_INDICATOR_ORDER}
    units = pd.DataFrame(
        {
            "unit_id": [unit_ids[code] for code, _, _ in SAMPLE_UNITS],
            "track_id": [SAMPLE_TRACKS[track] for _, track, _ in SAMPLE_UNITS],
            "population": [float(population) for _, _, population in SAMPLE_UNITS],
        }
    )
    indicators = [
        indicator(
            indicator_ids[code],
            method,
            direction,
            dimension_id=SAMPLE_DIMENSIONS[dimension],
            target=target,
            per_capita_base=base,
        )
        for code, dimension, direction, method, target, base, _, _ in SAMPLE_INDICATORS
    ]
    weights = [
        (SAMPLE_TRACKS[track], indicator_ids[row[0]], weight)
        for row in SAMPLE_INDICATORS
        for track, weight in zip(("A", "B"), row[6:], strict=True)
    ]
    statistics = [
        stat(
            unit_ids[unit_code],
            indicator_ids[code],
            NAN if cell in (EXEMPT, BLANK) else float(cell),
            exempt=cell == EXEMPT,
        )
        for unit_code, cells in SAMPLE_STATISTICS.items()
        for code, cell in zip(SAMPLE_INDICATOR_ORDER, cells, strict=True)
    ]
    components = pd.DataFrame(
        {
            "component_id": [1, 2, 3],
            "weight": [weight for _, weight in SAMPLE_COMPONENTS],
            "is_performance": [True, False, False],
        }
    )
    component_scores = pd.DataFrame(
        [
            (unit_ids[unit_code], component_id, float(score))
            for unit_code, row in SAMPLE_COMPONENT_SCORES.items()
            for component_id, score in zip((2, 3), row, strict=True)
        ],
        columns=["unit_id", "component_id", "score"],
    )
    inputs = make_inputs(
        units, indicators, weights, statistics, components=components, component_scores=component_scores
    )
    return inputs, unit_ids


def test_it_reproduces_the_golden_sample():
    assert SAMPLES.is_dir(), f"the golden sample is missing: {SAMPLES}"
    expected = pd.read_csv(SAMPLES / "expected_results.csv")
    inputs, unit_ids = sample_inputs()

    result = compute_period(inputs)

    got = result.unit_results.set_index("unit_id")
    assert len(got) == len(expected) == 14
    for row in expected.itertuples():
        unit = got.loc[unit_ids[row.unit_code]]
        assert unit["track_id"] == SAMPLE_TRACKS[row.track], row.unit_code
        assert unit["performance"] == pytest.approx(row.performance, abs=0.01), row.unit_code
        assert unit["total"] == pytest.approx(row.total, abs=0.01), row.unit_code
        assert unit["rank"] == row.rank, row.unit_code
        assert unit["tier"] == row.tier, row.unit_code
    # S08's 不适用 is not missing; S09's blank E06 is.
    assert got.loc[unit_ids["S08"], "missing_count"] == 0
    assert got.loc[unit_ids["S09"], "missing_count"] == 1
    assert result.problems == []


def test_it_names_no_strength_for_a_unit_below_the_median_everywhere():
    # Unit 1 trails units 2 and 3 on all three dimensions: its best dimension is still below the median.
    result = dimension_period({1: [50, 40, 30], 2: [80, 80, 80], 3: [90, 90, 90]})
    assert kinds(result, 1) == ["", "", "weakness"]
    assert kinds(result, 3) == ["strength", "", ""]
