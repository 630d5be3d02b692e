"""The golden example (tests/data/golden), end to end through the product's own import paths.

The scheme workbook, two departments' statistics (one .xlsx with a title row and a 不适用 cell,
one old-format .xls with percent-formatted cells and a blank cell) and the component sheet are
loaded as users load them; the recompute must reproduce the independently computed results.
"""

from __future__ import annotations

import csv

import pytest

from assessment.models import Period, UnitResult
from assessment.recompute import recompute_period
from assessment.scheme_workbook import apply_scheme, read_scheme_workbook
from cadres.models import Unit
from indicators.component_import import import_component_scores
from indicators.models import ImportStatus
from indicators.uploads import import_statistics_file, problems_of
from tests.golden import GOLDEN_SAMPLES

SAMPLES = GOLDEN_SAMPLES


def sample(name: str) -> bytes:
    path = SAMPLES / name
    assert path.is_file(), f"the golden sample {path} is missing"
    return path.read_bytes()


@pytest.mark.django_db
def test_it_reproduces_the_golden_results():
    draft, problems = read_scheme_workbook(sample("scheme.xlsx"), "scheme.xlsx")
    assert draft is not None and not [p for p in problems if p.is_error], problems
    scheme = apply_scheme(draft, name="示例方案", year=2024, period_codes=["2024"]).scheme
    period = Period.objects.get(scheme=scheme, code="2024")

    for filename, department in (("stats_S01.xlsx", "S01"), ("stats_S06.xls", "S06")):
        batch = import_statistics_file(sample(filename), filename, period=period,
                                       department=Unit.objects.get(code=department))
        assert batch.status == ImportStatus.COMMITTED, [str(problem) for problem in problems_of(batch)]
    components = import_component_scores(sample("components.xlsx"), "components.xlsx", period=period)
    assert components.committed, [str(problem) for problem in components.problems]

    recompute_period(period.pk)

    stored = {result.unit.code: result for result in UnitResult.objects.filter(period=period).select_related("unit")}
    with (SAMPLES / "expected_results.csv").open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    assert len(expected) == 14 and set(stored) == {row["unit_code"] for row in expected}
    for row in expected:
        result = stored[row["unit_code"]]
        assert result.track.code == row["track"]
        assert result.performance == pytest.approx(float(row["performance"]), abs=0.01), row["unit_code"]
        assert result.total == pytest.approx(float(row["total"]), abs=0.01), row["unit_code"]
        assert result.rank == int(row["rank"]), row["unit_code"]
        assert result.tier == int(row["tier"]), row["unit_code"]
    # The blank E06 cell of S09 is a missing value, the 不适用 E01 cell of S08 is not.
    assert stored["S09"].missing_count == 1 and stored["S08"].missing_count == 0
