"""The scoring engine: indicator scores, unit totals, ranks and tiers of one period (SPEC §4–§5).

Plain functions over pandas frames. It knows nothing of Django, HTTP or the ORM: the service layer loads a
period into `PeriodInputs`, calls `compute_period`, and stores the `PeriodResults`.

What it computes, in order:

1. the cells to score: every unit × every indicator with a weight > 0 in the unit's track, or in the unit's
   own override rows (一单位一策) when it has any;
2. each cell's status: scored, missing (no value, or a value that cannot be scored: per-capita base missing
   or zero, no usable target) or not applicable (不适用);
3. effective weights: a unit's exempted weight is spread over its other cells (× W / (W − exempted));
4. each scored cell's share of its weight by the indicator's method (efficacy, target, rank, threshold,
   direct), computed per track so min/max and ranks only see the unit's peers;
5. performance, the weighted components, capped adjustments, the total, the rank and the tier (with
   one-vote veto and affirmation), the progress against last year's rank;
6. each unit's score rate per dimension against the track median, and its strengths and weaknesses.

Full precision is kept throughout; only the rank (and display code) uses totals rounded half up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SCORED = "scored"
MISSING = "missing"
NOT_APPLICABLE = "not_applicable"

HIGHER = "higher"
LOWER = "lower"

STRENGTH = "strength"
WEAKNESS = "weakness"

# A cell's status is held as a categorical over these three while computing: a period has 100,000+ cells and
# comparing them as strings, over and over, would cost more than all of the arithmetic.
_STATUSES = [SCORED, MISSING, NOT_APPLICABLE]

# Differences and shares closer than this are treated as equal when ordering, so float noise
# (e.g. 0.1 + 0.2) never decides which dimension is a strength.
_ORDER_DECIMALS = 9


@dataclass(frozen=True)
class ScoringRules:
    bonus_cap: float = 5.0
    penalty_cap: float = 10.0
    first_share: float = 0.3
    third_share: float = 0.1


@dataclass
class PeriodInputs:
    units: pd.DataFrame
    indicators: pd.DataFrame
    weights: pd.DataFrame
    weight_overrides: pd.DataFrame
    statistics: pd.DataFrame
    components: pd.DataFrame
    component_scores: pd.DataFrame
    adjustments: pd.DataFrame
    verdicts: pd.DataFrame
    previous_ranks: pd.DataFrame
    rules: ScoringRules = ScoringRules()


@dataclass
class PeriodResults:
    indicator_scores: pd.DataFrame
    component_scores: pd.DataFrame
    unit_results: pd.DataFrame
    dimension_rates: pd.DataFrame
    problems: list[str]


# ---------------------------------------------------------------------------------------------------------
# Rounding


def round_half_up(values, decimals: int = 2):
    """Round half away from zero (四舍五入), vectorised; NaN stays NaN.

    Binary floats store 2.675 as 2.67499999…, so the value is first rounded to 9 decimals to drop that
    noise; only then is the half rounded up. Accepts a scalar, an array or a Series and returns the same kind.
    """
    if isinstance(values, pd.Series):
        array = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        array = np.asarray(values, dtype=float)
    factor = 10.0**decimals
    scaled = np.round(np.abs(array) * factor, max(_ORDER_DECIMALS - decimals, 0))
    # "+ 0.0" turns the -0.0 that sign() gives for tiny negatives into 0.0.
    rounded = np.sign(array) * np.floor(scaled + 0.5) / factor + 0.0
    if isinstance(values, pd.Series):
        return pd.Series(rounded, index=values.index, name=values.name)
    if np.ndim(values) == 0:
        return float(rounded)
    return rounded


# ---------------------------------------------------------------------------------------------------------
# Entry point


def compute_period(inputs: PeriodInputs) -> PeriodResults:
    """Score one period: every track of the inputs, every unit of `inputs.units`."""
    rules = inputs.rules
    units = _conform(inputs.units, {"unit_id": pd.NA, "track_id": pd.NA}).reset_index(drop=True)
    problems: list[str] = []

    cells = _cells(units, inputs)
    cells = _attach_values(cells, units, inputs, problems)
    cells = _apply_effective_weights(units, cells)
    cells["score"] = _scores(cells)

    performance = _performance(units, cells)
    component_scores = _component_scores(units, inputs, performance)
    unit_results = _unit_results(units, inputs, rules, cells, performance, component_scores)
    dimension_rates = _dimension_rates(units, cells)

    indicator_scores = cells[
        [
            "unit_id",
            "track_id",
            "indicator_id",
            "dimension_id",
            "value",
            "scored_value",
            "target_used",
            "weight",
            "score",
            "status",
        ]
    ].sort_values(["unit_id", "indicator_id"], ignore_index=True)
    indicator_scores["status"] = indicator_scores["status"].astype(str)
    return PeriodResults(
        indicator_scores=indicator_scores,
        component_scores=component_scores,
        unit_results=unit_results,
        dimension_rates=dimension_rates,
        problems=problems,
    )


# ---------------------------------------------------------------------------------------------------------
# Input helpers


def _conform(frame: pd.DataFrame | None, defaults: dict[str, object]) -> pd.DataFrame:
    """A copy of `frame` with every expected column; absent optional columns get their default."""
    # Shallow: pandas copies on write, so nothing done to the copy reaches the caller's frame, and the 100,000+
    # statistics of a period are not duplicated for nothing.
    frame = pd.DataFrame() if frame is None else frame.copy(deep=False)
    for column, default in defaults.items():
        if column not in frame.columns:
            frame[column] = default
    return frame


def _left_join(left: pd.DataFrame, right: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """`left.merge(right, how="left")`, tolerating an empty `right` whose key columns have no dtype yet."""
    if right.empty:
        right = right.astype({key: left[key].dtype for key in on})
    return left.merge(right, on=on, how="left")


def _unit_numbers(units: pd.DataFrame) -> np.ndarray:
    """Each unit's number in unit_id order, by its row in `units`: the group numbers of a group-by on unit_id."""
    return pd.factorize(units["unit_id"], sort=True)[0]


def _sum_per_unit(units: pd.DataFrame, cells: pd.DataFrame, values, *, min_count: int = 0) -> np.ndarray:
    """The sum of `values` (NaN skipped) over each unit's cells, by the unit's row in `units`.

    A unit with fewer than `min_count` values sums to NaN. The groups come from the row numbers the cells carry,
    not from their unit_ids: hashing the 100,000+ keys of a province period again on every sum would cost more
    than the sum. They are numbered in unit_id order all the same, like a group-by on unit_id, because pandas
    picks its summation by the order of the group numbers (compensated, or plain when they are sorted): the same
    numbers give the same sums to the last bit.
    """
    number = _unit_numbers(units)
    groups = pd.Categorical.from_codes(number[cells["unit_row"].to_numpy()], categories=pd.RangeIndex(len(units)))
    sums = pd.Series(values).groupby(groups, observed=False).sum(min_count=min_count)
    return sums.to_numpy(dtype=float)[number]


def _cells(units: pd.DataFrame, inputs: PeriodInputs) -> pd.DataFrame:
    """Every (unit, indicator) the unit is assessed on, with its nominal weight and the unit's row in `units`."""
    membership = units[["unit_id", "track_id"]].assign(unit_row=np.arange(len(units)))
    weights = _conform(inputs.weights, {"track_id": pd.NA, "indicator_id": pd.NA, "weight": np.nan})
    overrides = _conform(inputs.weight_overrides, {"unit_id": pd.NA, "indicator_id": pd.NA, "weight": np.nan})

    # 一单位一策: a unit with any override row is scored on its own rows only, never a mix.
    overridden = membership["unit_id"].isin(overrides["unit_id"])
    from_track = membership[~overridden].merge(
        weights[["track_id", "indicator_id", "weight"]].astype({"track_id": membership["track_id"].dtype}),
        on="track_id",
    )
    from_override = membership[overridden].merge(
        overrides[["unit_id", "indicator_id", "weight"]], on="unit_id"
    )
    # An empty part can have object columns (a period without overrides), and concatenating it would turn the
    # keys into Python objects: every later join and group-by on them runs an order of magnitude slower.
    parts = [part for part in (from_track, from_override) if not part.empty] or [from_track]
    cells = pd.concat(parts, ignore_index=True)
    cells["weight"] = cells["weight"].astype(float)
    cells = cells[cells["weight"] > 0].rename(columns={"weight": "nominal_weight"})
    return cells.reset_index(drop=True)


def _indicator_attributes(inputs: PeriodInputs) -> pd.DataFrame:
    indicators = _conform(
        inputs.indicators,
        {
            "indicator_id": pd.NA,
            "dimension_id": pd.NA,
            "direction": HIGHER,
            "method": "efficacy",
            "target": np.nan,
            "rank_step": 0.05,
            "rank_floor": 0.6,
            "per_capita_base": None,
        },
    )
    indicators["rank_step"] = indicators["rank_step"].astype(float).fillna(0.05)
    indicators["rank_floor"] = indicators["rank_floor"].astype(float).fillna(0.6)
    indicators["target"] = indicators["target"].astype(float)
    base = indicators["per_capita_base"].astype(object)
    indicators["per_capita_base"] = base.where(base.notna() & (base.astype(str).str.strip() != ""), None)
    # Every cell gets its indicator's text attributes; as categoricals they are copied and compared as small
    # integer codes rather than as 100,000+ strings.
    for text in ("direction", "method", "per_capita_base"):
        indicators[text] = indicators[text].astype("category")
    return indicators[
        [
            "indicator_id",
            "dimension_id",
            "direction",
            "method",
            "target",
            "rank_step",
            "rank_floor",
            "per_capita_base",
        ]
    ].rename(columns={"target": "default_target"})


def _attach_values(
    cells: pd.DataFrame, units: pd.DataFrame, inputs: PeriodInputs, problems: list[str]
) -> pd.DataFrame:
    """Indicator attributes, statistics, status, per-capita value and the target each cell is scored against."""
    cells = _left_join(cells, _indicator_attributes(inputs), ["indicator_id"])
    statistics = _conform(
        inputs.statistics,
        {"unit_id": pd.NA, "indicator_id": pd.NA, "value": np.nan, "not_applicable": False, "target": np.nan},
    )
    statistics = statistics[["unit_id", "indicator_id", "value", "not_applicable", "target"]].rename(
        columns={"target": "unit_target"}
    )
    cells = _left_join(cells, statistics, ["unit_id", "indicator_id"])
    cells["value"] = cells["value"].astype(float)
    cells["unit_target"] = cells["unit_target"].astype(float)
    cells["lower"] = cells["direction"] == LOWER  # what the share functions ask of the direction

    exempt = cells["not_applicable"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    missing = cells["value"].isna().to_numpy()
    # Codes into _STATUSES; an exempt cell has no value, so being exempt is checked first.
    codes = np.select([exempt, missing], [_STATUSES.index(NOT_APPLICABLE), _STATUSES.index(MISSING)],
                      default=_STATUSES.index(SCORED))
    cells["status"] = pd.Categorical.from_codes(codes, categories=_STATUSES)

    _flag_unknown_methods(cells, problems)
    _divide_per_capita(cells, units, problems)
    _resolve_targets(cells, problems)
    return cells.drop(columns=["not_applicable", "unit_target", "default_target"])


def _mark_unscorable(cells: pd.DataFrame, mask, reason: str, problems: list[str]) -> None:
    """Turn cells that had a value into missing ones, and say why (in Chinese, for the officer)."""
    mask = np.asarray(mask, dtype=bool) & (cells["status"] == SCORED).to_numpy()
    if not mask.any():
        return
    cells.loc[mask, "status"] = MISSING
    for unit_id, indicator_id in zip(
        cells.loc[mask, "unit_id"], cells.loc[mask, "indicator_id"], strict=True
    ):
        problems.append(f"单位 {unit_id} 的指标 {indicator_id}：{reason}，按缺失值计 0 分。")


def _flag_unknown_methods(cells: pd.DataFrame, problems: list[str]) -> None:
    known_method = cells["method"].isin(list(_SHARE_BY_METHOD))
    _mark_unscorable(cells, ~known_method, "评分方法未定义或无法识别", problems)
    # `direct` ignores direction; every other method needs 正向 or 逆向.
    bad_direction = ~cells["direction"].isin([HIGHER, LOWER]) & (cells["method"] != "direct")
    _mark_unscorable(cells, bad_direction, "指标方向未定义或无法识别", problems)


def _divide_per_capita(cells: pd.DataFrame, units: pd.DataFrame, problems: list[str]) -> None:
    """scored_value = value / the unit's base attribute for per-capita indicators, else the value itself."""
    value = cells["value"].to_numpy()
    scored_value = value.copy()
    unit_row = cells["unit_row"].to_numpy()
    # A loop over the few base attributes (population, gdp, …), each one vectorised over cells.
    for base in cells["per_capita_base"].dropna().unique():
        rows = (cells["per_capita_base"] == base).to_numpy()
        if base in units.columns:
            base_values = units[base].astype(float).to_numpy()[unit_row[rows]]
        else:
            base_values = np.full(rows.sum(), np.nan)
        unusable = np.isnan(base_values) | (base_values == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            scored_value[rows] = np.where(unusable, np.nan, value[rows] / base_values)
        bad = np.zeros(len(cells), dtype=bool)
        bad[rows] = unusable
        _mark_unscorable(cells, bad, f"人均基数“{base}”缺失或为零", problems)
    cells["scored_value"] = scored_value


def _resolve_targets(cells: pd.DataFrame, problems: list[str]) -> None:
    """The target of target/threshold cells: the unit's own when the sheet gives one, else the default."""
    uses_target = cells["method"].isin(["target", "threshold"])
    target = cells["unit_target"].fillna(cells["default_target"])
    cells["target_used"] = target.where(uses_target)
    _mark_unscorable(cells, uses_target & target.isna(), "没有目标值", problems)
    # v / 0 has no meaning; SPEC refuses such a scheme at load time, this guards the engine anyway.
    zero_target = uses_target & (cells["direction"] == HIGHER) & (target == 0)
    _mark_unscorable(cells, zero_target, "正向指标的目标值为 0", problems)


# ---------------------------------------------------------------------------------------------------------
# Weights and indicator scores


def _apply_effective_weights(units: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Spread a unit's exempted weight over its other cells: × W / (W − exempted), W its total weight.

    W is 100 by contract (track weights and overrides both sum to 100); using the unit's own sum keeps the
    performance out of the same total even if a caller passes something else.
    """
    nominal = cells["nominal_weight"].to_numpy()
    exempt = (cells["status"] == NOT_APPLICABLE).to_numpy()
    unit_row = cells["unit_row"].to_numpy()
    total = _sum_per_unit(units, cells, nominal)[unit_row]
    exempted = _sum_per_unit(units, cells, np.where(exempt, nominal, 0.0))[unit_row]
    remaining = np.where(total - exempted > 0, total - exempted, np.nan)
    cells["weight"] = np.where(exempt, np.nan, nominal * total / remaining)
    return cells


def _scores(cells: pd.DataFrame) -> np.ndarray:
    """Score of each cell: weight × share for scored cells, 0 when missing, NaN when not applicable."""
    share = np.full(len(cells), np.nan)
    scored = (cells["status"] == SCORED).to_numpy()
    # Only what the share functions read: each method takes a row subset, and copying every column would cost more.
    read = cells[["track_id", "indicator_id", "scored_value", "target_used", "lower", "rank_step", "rank_floor"]]
    # A loop over the five methods; each computes the shares of all its cells at once.
    for method, share_of in _SHARE_BY_METHOD.items():
        rows = scored & (cells["method"] == method).to_numpy()
        if rows.any():
            share[rows] = share_of(read[rows]).to_numpy(dtype=float)
    score = cells["weight"].to_numpy() * share
    score[(cells["status"] == MISSING).to_numpy()] = 0.0
    return score


def _is_lower(cells: pd.DataFrame) -> pd.Series:
    return cells["lower"]


def _efficacy_share(cells: pd.DataFrame) -> pd.Series:
    """功效系数法: 0.6 + 0.4 · r, r the position of v between the track's min and max (1 when all equal)."""
    values = cells["scored_value"]
    peers = values.groupby([cells["track_id"], cells["indicator_id"]])
    low, high = peers.transform("min"), peers.transform("max")
    span = (high - low).where(lambda s: s > 0)
    position = (values - low) / span
    position = position.where(~_is_lower(cells), (high - values) / span)
    return 0.6 + 0.4 * position.fillna(1.0)


def _target_share(cells: pd.DataFrame) -> pd.Series:
    """目标完成率法: v / t (正向) or t / v (逆向, 1 when v = 0), clamped to [0, 1]."""
    values, target = cells["scored_value"], cells["target_used"]
    higher_rate = values / target
    lower_rate = (target / values.where(values != 0)).fillna(1.0)
    rate = higher_rate.where(~_is_lower(cells), lower_rate)
    return rate.clip(0.0, 1.0)


def _rank_share(cells: pd.DataFrame) -> pd.Series:
    """排名赋分法: max(1 − step · (k − 1), floor), k the competition rank of v among the track's values."""
    values = cells["scored_value"]
    # Negating makes "higher is better" an ascending rank too; negation is exact, so ties stay ties.
    key = values.where(_is_lower(cells), -values)
    rank = key.groupby([cells["track_id"], cells["indicator_id"]]).rank(method="min")
    return np.maximum(1.0 - cells["rank_step"] * (rank - 1.0), cells["rank_floor"])


def _threshold_share(cells: pd.DataFrame) -> pd.Series:
    """达标法: all or nothing against the target."""
    values, target = cells["scored_value"], cells["target_used"]
    reached = (values >= target).where(~_is_lower(cells), values <= target)
    return reached.astype(float)


def _direct_share(cells: pd.DataFrame) -> pd.Series:
    """直接赋分法: v is already a 0–100 score; direction does not apply."""
    return cells["scored_value"].clip(0.0, 100.0) / 100.0


_SHARE_BY_METHOD = {
    "efficacy": _efficacy_share,
    "target": _target_share,
    "rank": _rank_share,
    "threshold": _threshold_share,
    "direct": _direct_share,
}


# ---------------------------------------------------------------------------------------------------------
# Components, totals, ranks and tiers


def _performance(units: pd.DataFrame, cells: pd.DataFrame) -> pd.Series:
    """Sum of each unit's indicator scores by unit_id; NaN for a unit with no cell that counts (all exempt)."""
    total = _sum_per_unit(units, cells, cells["score"].to_numpy(), min_count=1)
    return pd.Series(total, index=units["unit_id"].to_numpy())


def _component_scores(units: pd.DataFrame, inputs: PeriodInputs, performance: pd.Series) -> pd.DataFrame:
    """Every unit × every component; the performance component is the computed performance."""
    components = _conform(
        inputs.components, {"component_id": pd.NA, "weight": np.nan, "is_performance": False}
    )
    imported = _conform(inputs.component_scores, {"unit_id": pd.NA, "component_id": pd.NA, "score": np.nan})
    grid = units[["unit_id"]].merge(components[["component_id", "is_performance"]], how="cross")
    grid = _left_join(grid, imported[["unit_id", "component_id", "score"]], ["unit_id", "component_id"])
    is_performance = grid["is_performance"].astype(bool)
    grid["score"] = grid["score"].astype(float).where(~is_performance, grid["unit_id"].map(performance))
    # An exempted-from-everything performance is not a missing score: the unit simply has no total.
    grid["missing"] = grid["score"].isna() & ~is_performance
    return grid[["unit_id", "component_id", "score", "missing"]].sort_values(
        ["unit_id", "component_id"], ignore_index=True
    )


def _adjustments(units: pd.DataFrame, inputs: PeriodInputs, rules: ScoringRules) -> pd.DataFrame:
    """Capped bonus and penalty per unit, both as positive amounts."""
    adjustments = _conform(inputs.adjustments, {"unit_id": pd.NA, "points": np.nan})
    points = adjustments["points"].astype(float)
    sums = (
        pd.DataFrame(
            {
                "bonus": points.clip(lower=0.0),
                "penalty": (-points).clip(lower=0.0),
                "unit_id": adjustments["unit_id"],
            }
        )
        .groupby("unit_id")[["bonus", "penalty"]]
        .sum()
    )
    out = units[["unit_id"]].set_index("unit_id").join(sums).fillna(0.0)
    out["bonus"] = out["bonus"].clip(upper=rules.bonus_cap)
    out["penalty"] = out["penalty"].clip(upper=rules.penalty_cap)
    return out


def _unit_results(
    units: pd.DataFrame,
    inputs: PeriodInputs,
    rules: ScoringRules,
    cells: pd.DataFrame,
    performance: pd.Series,
    component_scores: pd.DataFrame,
) -> pd.DataFrame:
    components = _conform(inputs.components, {"component_id": pd.NA, "weight": np.nan})
    component_weight = component_scores["component_id"].map(
        components.set_index("component_id")["weight"].astype(float)
    )
    # A missing component score counts 0 (SPEC §5).
    weighted = (
        (component_weight * component_scores["score"].fillna(0.0) / 100.0)
        .groupby(component_scores["unit_id"])
        .sum()
    )

    results = units[["unit_id", "track_id"]].copy()
    results["performance"] = results["unit_id"].map(performance).astype(float)
    adjustments = _adjustments(units, inputs, rules)
    results["bonus"] = results["unit_id"].map(adjustments["bonus"])
    results["penalty"] = results["unit_id"].map(adjustments["penalty"])
    total = results["unit_id"].map(weighted).fillna(0.0) + results["bonus"] - results["penalty"]
    results["total"] = total.where(results["performance"].notna())

    verdicts = _conform(inputs.verdicts, {"unit_id": pd.NA, "kind": ""})
    results["vetoed"] = results["unit_id"].isin(verdicts.loc[verdicts["kind"] == "veto", "unit_id"])
    results["affirmed"] = results["unit_id"].isin(verdicts.loc[verdicts["kind"] == "affirmation", "unit_id"])

    _rank_and_tier(results, rules)
    _rank_change(results, inputs)

    # `results` still has the row order of `units` here, the order the per-unit sums come in.
    missing_cells = _sum_per_unit(units, cells, (cells["status"] == MISSING).to_numpy(dtype=float))
    missing_components = component_scores["missing"].groupby(component_scores["unit_id"]).sum()
    results["missing_count"] = (
        missing_cells + results["unit_id"].map(missing_components).fillna(0).to_numpy()
    ).astype(int)

    columns = [
        "unit_id",
        "track_id",
        "performance",
        "bonus",
        "penalty",
        "total",
        "rank",
        "tier",
        "rank_change",
        "missing_count",
        "vetoed",
        "affirmed",
    ]
    return results[columns].sort_values(
        ["track_id", "rank", "unit_id"], na_position="last", ignore_index=True
    )


def _rank_and_tier(results: pd.DataFrame, rules: ScoringRules) -> None:
    """Competition rank by the total rounded to 2 decimals; tiers by quota, then veto and affirmation."""
    track = results["track_id"]
    rounded = round_half_up(results["total"], 2)
    rank = rounded.groupby(track).rank(method="min", ascending=False)

    # n counts every unit of the track, with or without a total.
    n = results.groupby("track_id")["unit_id"].transform("size").astype(float)
    first_places = round_half_up(n * rules.first_share, 0)
    third_places = round_half_up(n * rules.third_share, 0)

    # First-tier places go to the best non-vetoed units; ties at the line all get in. Affirmed units are
    # ranked like anyone else here, so an affirmation takes nobody's place.
    has_total = rounded.notna()
    contenders = rounded.where(has_total & ~results["vetoed"])
    contender_rank = contenders.groupby(track).rank(method="min", ascending=False)
    first = contender_rank <= first_places
    third = rank > n - third_places

    tier = np.select(
        [~has_total, results["vetoed"], results["affirmed"], first, third],
        [np.nan, 3, 1, 1, 3],
        default=2,
    )
    results["rank"] = rank.astype("Int64")
    results["tier"] = pd.array(tier, dtype="Float64").astype("Int64")


def _rank_change(results: pd.DataFrame, inputs: PeriodInputs) -> None:
    """previous rank − rank, only against last year's rank in the same track (positive = moved up)."""
    previous = _conform(inputs.previous_ranks, {"unit_id": pd.NA, "track_id": pd.NA, "rank": pd.NA})
    previous = previous[["unit_id", "track_id", "rank"]].rename(columns={"rank": "previous_rank"})
    matched = _left_join(results[["unit_id", "track_id"]], previous, ["unit_id", "track_id"])
    matched.index = results.index  # a left join keeps the rows in order
    change = matched["previous_rank"].astype("Float64") - results["rank"].astype("Float64")
    results["rank_change"] = change.astype("Int64")


# ---------------------------------------------------------------------------------------------------------
# Strengths and weaknesses


def _dimension_sums(units: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Score and weight of each unit per dimension, over its assessed (not exempt) cells with a dimension.

    Each (unit, dimension) pair is numbered as one integer to group by, in (unit_id, dimension_id) order like
    the group-by on unit_id, track_id and dimension_id it replaces (see `_sum_per_unit` for why the order
    matters), without hashing three keys of every cell of the period.
    """
    assessed = (cells["status"] != NOT_APPLICABLE).to_numpy()
    dimension, dimension_ids = pd.factorize(cells["dimension_id"], sort=True)  # -1 for a cell without one
    pairs = max(len(dimension_ids), 1)
    unit = _unit_numbers(units)[cells["unit_row"].to_numpy()]
    pair = np.where(dimension >= 0, unit * pairs + dimension, -1)[assessed]  # -1: left out, like a NaN key
    groups = pd.Categorical.from_codes(pair, categories=pd.RangeIndex(len(units) * pairs))
    present = np.flatnonzero(np.bincount(pair[pair >= 0], minlength=len(units) * pairs))

    def summed(column: str) -> np.ndarray:
        sums = pd.Series(cells[column].to_numpy()[assessed]).groupby(groups, observed=False).sum()
        return sums.to_numpy(dtype=float)[present]

    unit_number, dimension_number = np.divmod(present, pairs)
    unit_row = np.argsort(_unit_numbers(units))[unit_number]
    return pd.DataFrame(
        {
            "unit_id": units["unit_id"].to_numpy()[unit_row],
            "track_id": units["track_id"].to_numpy()[unit_row],
            "dimension_id": dimension_ids[dimension_number],
            "score": summed("score"),
            "weight": summed("weight"),
        }
    )


def _dimension_rates(units: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Score rate per unit and dimension against the track median; the k best and worst are flagged."""
    rates = _dimension_sums(units, cells)
    rates["rate"] = rates["score"] / rates["weight"]
    rates["track_median"] = rates.groupby(["track_id", "dimension_id"])["rate"].transform("median")
    rates["difference"] = rates["rate"] - rates["track_median"]

    dimensions = rates.groupby("unit_id")["dimension_id"].transform("size")
    places = np.minimum(3, dimensions // 2)
    # One order per unit, best first, ties by dimension_id; the worst are the same order read backwards, so
    # with places ≤ m // 2 no dimension can be both, even when every difference ties.
    ordering = rates.assign(key=rates["difference"].round(_ORDER_DECIMALS))
    best_first = ordering.sort_values(["unit_id", "key", "dimension_id"], ascending=[True, False, True])
    position = best_first.groupby("unit_id").cumcount().reindex(rates.index)
    from_the_bottom = dimensions - 1 - position
    # A strength is above the track's median and a weakness below it: a unit that trails the median on
    # every dimension has no strengths to be told about, however its dimensions rank among themselves.
    key = ordering["key"]
    rates["kind"] = np.select([(position < places) & (key > 0), (from_the_bottom < places) & (key < 0)],
                              [STRENGTH, WEAKNESS], default="")
    return rates[
        [
            "unit_id",
            "track_id",
            "dimension_id",
            "score",
            "weight",
            "rate",
            "track_median",
            "difference",
            "kind",
        ]
    ].sort_values(["unit_id", "dimension_id"], ignore_index=True)
