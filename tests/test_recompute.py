"""The recompute service: inputs from the database, results stored at once, coalesced and idempotent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from assessment.models import (
    Adjustment,
    DimensionResult,
    IndicatorScore,
    Period,
    PeriodState,
    Scheme,
    Statistic,
    Track,
    UnitResult,
    Verdict,
    VetoItem,
)
from assessment.recompute import inputs_approve, previous_period, recompute_period, request_recompute


def results(period) -> dict[str, UnitResult]:
    return {result.unit.code: result for result in UnitResult.objects.filter(period=period).select_related("unit")}


def test_it_computes_and_stores_every_result(district):
    period = district["period"]
    recompute_period(period.pk)
    by_code = results(period)
    # G1 efficacy over 10/20/30: 60·0.6, 60·0.8, 60·1.0; G2 target 100: 40·1.0, 40·0.5, 40·0.8.
    assert by_code["Z1"].performance == pytest.approx(36 + 40)
    assert by_code["Z2"].performance == pytest.approx(48 + 20)
    assert by_code["Z3"].performance == pytest.approx(60 + 32)
    # total = 0.8·performance + 0.2·survey
    assert by_code["Z3"].total == pytest.approx(0.8 * 92 + 0.2 * 70)
    assert [by_code[code].rank for code in ("Z3", "Z1", "Z2")] == [1, 2, 3]
    assert IndicatorScore.objects.filter(period=period).count() == 6
    assert DimensionResult.objects.filter(period=period).count() == 6
    assert by_code["Z1"].component_scores == {str(district["performance"].pk): pytest.approx(76),
                                              str(district["survey"].pk): pytest.approx(90)}
    period.refresh_from_db()
    assert period.results_version == period.inputs_version and period.computed_at is not None


def test_running_it_twice_gives_identical_rows(district):
    period = district["period"]
    recompute_period(period.pk)
    first = list(UnitResult.objects.filter(period=period).order_by("unit_id").values(
        "unit_id", "total", "rank", "tier", "performance", "component_scores", "missing_count"))
    first_scores = list(IndicatorScore.objects.filter(period=period).order_by("unit_id", "indicator_id").values(
        "unit_id", "indicator_id", "score", "weight", "status"))
    recompute_period(period.pk)
    assert first == list(UnitResult.objects.filter(period=period).order_by("unit_id").values(
        "unit_id", "total", "rank", "tier", "performance", "component_scores", "missing_count"))
    assert first_scores == list(IndicatorScore.objects.filter(period=period).order_by(
        "unit_id", "indicator_id").values("unit_id", "indicator_id", "score", "weight", "status"))


@pytest.mark.django_db(transaction=True)
def test_a_changed_statistic_is_recomputed_after_commit(district):
    period = district["period"]
    request_recompute(period)  # eager in tests: runs once the (auto)commit is done
    assert results(period)["Z1"].rank == 2
    statistic = Statistic.objects.get(period=period, unit=district["towns"]["Z1"], indicator__code="G1")
    statistic.value = Decimal("50")
    statistic.save()
    request_recompute(period)
    assert results(period)["Z1"].rank == 1
    period.refresh_from_db()
    assert not period.recompute_pending and not period.recompute_queued


def test_changes_while_a_run_is_queued_are_coalesced(district, django_capture_on_commit_callbacks):
    period = district["period"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_recompute(period)
        request_recompute(period)
        request_recompute(period)
    assert len(callbacks) == 1  # one run for three changes
    period.refresh_from_db()
    assert period.recompute_pending and period.inputs_version == 3
    callbacks[0]()
    period.refresh_from_db()
    assert not period.recompute_pending and period.results_version == 3


def test_only_approved_adjustments_and_verdicts_count(district, django_user_model):
    period = district["period"]
    town = district["towns"]["Z2"]
    officer = django_user_model.objects.create(username="approver")
    Adjustment.objects.create(period=period, unit=town, points=Decimal("3"), category="表彰", reason="省级表彰")
    item = VetoItem.objects.create(name="安全生产", legal_basis="《安全生产法》")
    Verdict.objects.create(period=period, unit=district["towns"]["Z3"], kind="veto", veto_item=item, reason="事故")
    recompute_period(period.pk)
    assert results(period)["Z2"].bonus == 0 and not results(period)["Z3"].vetoed

    assert inputs_approve(Adjustment.objects.all(), user=officer) == 1
    assert inputs_approve(Verdict.objects.all(), user=officer) == 1
    assert inputs_approve(Verdict.objects.all(), user=officer) == 0  # already approved
    recompute_period(period.pk)
    by_code = results(period)
    assert by_code["Z2"].bonus == 3 and by_code["Z3"].vetoed and by_code["Z3"].tier == 3


def test_progress_compares_with_the_same_period_a_year_earlier(district):
    period = district["period"]
    scheme_2023 = Scheme.objects.create(name="重算测试方案", year=2023)
    track_2023 = Track.objects.create(scheme=scheme_2023, code="XZ", name="乡镇")
    earlier = Period.objects.create(scheme=scheme_2023, code="2023", start_date=date(2023, 1, 1),
                                    end_date=date(2023, 12, 31), state=PeriodState.PUBLISHED)
    assert previous_period(period) == earlier
    from django.utils import timezone

    for code, rank in (("Z1", 1), ("Z2", 2), ("Z3", 3)):
        UnitResult.objects.create(period=earlier, unit=district["towns"][code], track=track_2023, total=90 - rank,
                                  rank=rank, tier=1, computed_at=timezone.now(), inputs_version=1)
    recompute_period(period.pk)
    by_code = results(period)
    assert (by_code["Z3"].rank_change, by_code["Z1"].rank_change, by_code["Z2"].rank_change) == (2, -1, -1)


def test_the_ranking_page_shows_totals_and_says_when_a_recompute_is_pending(client, district, make_user):
    period = district["period"]
    recompute_period(period.pk)
    client.force_login(make_user("kaohe-test", [Role.ASSESSMENT_OFFICER]))
    page = client.get(reverse("assessment:period_detail", args=[period.pk])).content.decode()
    expected_total = f"{0.8 * 92 + 0.2 * 70:.2f}"
    assert "南镇" in page and expected_total in page and "结果已是最新" in page
    Period.objects.filter(pk=period.pk).update(inputs_version=period.inputs_version + 1)
    page = client.get(reverse("assessment:period_detail", args=[period.pk])).content.decode()
    assert "正在计算" in page

    unit_page = client.get(reverse("assessment:unit_result", args=[period.pk, district["towns"]["Z2"].pk]))
    text = unit_page.content.decode()
    assert unit_page.status_code == 200 and "增速" in text and "完成率" in text


def test_results_from_older_inputs_never_replace_newer_ones(district):
    from assessment.recompute import compute_period, load_period_inputs, store_results

    period = district["period"]
    stale_inputs = load_period_inputs(period)  # a run that read the inputs at version 0 …
    Statistic.objects.filter(period=period, unit__code="Z1", indicator__code="G1").update(value=30)
    Period.objects.filter(pk=period.pk).update(inputs_version=1)
    recompute_period(period.pk)  # … finishes after a run that saw the change
    fresh = dict(UnitResult.objects.filter(period=period).values_list("unit__code", "total"))
    store_results(period, compute_period(stale_inputs), version=0)
    assert dict(UnitResult.objects.filter(period=period).values_list("unit__code", "total")) == fresh


def test_the_results_export_keeps_formula_like_names_as_text():
    import csv as csv_module
    import io

    from openpyxl import load_workbook

    from assessment.exports import ResultsTable, results_csv_bytes, results_xlsx_bytes

    table = ResultsTable(header=["unit_code", "unit_name", "total"], rows=[["T1", "=HYPERLINK(\"x\")", 91.5]])
    sheet = load_workbook(io.BytesIO(results_xlsx_bytes(table))).active
    assert sheet["B2"].value == "'=HYPERLINK(\"x\")" and sheet["B2"].data_type == "s" and sheet["C2"].value == 91.5
    rows = list(csv_module.reader(io.StringIO(results_csv_bytes(table).decode("utf-8-sig"))))
    assert rows[1] == ["T1", "'=HYPERLINK(\"x\")", "91.5"]
