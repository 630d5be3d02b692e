"""What the analysis pages read: strengths and weaknesses in words, and the numbers behind each chart,
checked against the stored results of the ``district`` fixture and against hand-computed values.

The district (tests/conftest.py): three towns in one track; G1 增速 (efficacy, 经济发展, 60 points) over
10 / 20 / 30 scores 36 / 48 / 60; G2 完成率 (target 100, 生态建设, 40 points) over 100 / 50 / 80 scores
40 / 20 / 32. So 经济发展 rates are 0.6 / 0.8 / 1.0 and 生态建设 rates 1.0 / 0.5 / 0.8, both with median 0.8;
totals are 0.8 × performance + 0.2 × survey: 东镇 78.8, 西镇 70.4, 南镇 87.6.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from assessment.analysis import charts, dimension_sentence, distributions, domains, trends
from assessment.analysis.numbers import quantile, rounded, spread
from assessment.analysis.period_overview import missing_by_unit, tier_counts
from assessment.models import (
    Component,
    ComponentScore,
    Dimension,
    DimensionResult,
    Indicator,
    Method,
    Period,
    PeriodState,
    Scheme,
    Statistic,
    Track,
    TrackMembership,
    UnitResult,
    Weight,
)
from assessment.recompute import recompute_period
from assessment.selectors import unit_result_detail
from assessment.site.period_dashboard import department_uploads, reminder_text
from cadres.models import Unit, UnitKind


@pytest.fixture
def computed(district):
    recompute_period(district["period"].pk)
    return district


def earlier_year(district, values: dict[tuple[str, str], float], *, state=PeriodState.PUBLISHED) -> Period:
    """The district's scheme of 2023 under the same name, with its own period, statistics and results."""
    scheme = Scheme.objects.create(name=district["scheme"].name, year=2023)
    Component.objects.create(scheme=scheme, name="绩效考核", weight=80, is_performance=True)
    survey = Component.objects.create(scheme=scheme, name="班子民主测评", weight=20, sort_order=1)
    track = Track.objects.create(scheme=scheme, code="XZ", name="乡镇")
    towns = district["towns"]
    for town in towns.values():
        TrackMembership.objects.create(scheme=scheme, track=track, unit=town)
    provider = Unit.objects.get(code="TJ")
    indicators = {}
    for code, name, dimension_name, method, weight in (("G1", "增速", "经济发展", Method.EFFICACY, 60),
                                                       ("G2", "完成率", "生态建设", Method.TARGET, 40)):
        dimension = Dimension.objects.create(scheme=scheme, name=dimension_name)
        indicators[code] = Indicator.objects.create(scheme=scheme, code=code, name=name, dimension=dimension,
                                                    provider=provider, method=method, target=Decimal("100"))
        Weight.objects.create(indicator=indicators[code], track=track, weight=weight)
    period = Period.objects.create(scheme=scheme, code="2023", start_date=date(2023, 1, 1),
                                   end_date=date(2023, 12, 31), state=state)
    for (unit_code, code), value in values.items():
        Statistic.objects.create(period=period, unit=towns[unit_code], indicator=indicators[code], value=value)
    for town in towns.values():
        ComponentScore.objects.create(period=period, unit=town, component=survey, score=80)
    recompute_period(period.pk)
    return period


def test_quartiles_are_excels_quartile_inc():
    # Excel: QUARTILE.INC({1,2,3,4,100},1) = 2, (…,3) = 4; PERCENTILE.INC({10,20,30,1000},0.25) = 17.5.
    assert quantile([1, 2, 3, 4, 100], 0.25) == 2 and quantile([1, 2, 3, 4, 100], 0.75) == 4
    assert quantile([10, 20, 30, 1000], 0.25) == 17.5 and quantile([10, 20, 30, 1000], 0.75) == 272.5
    summary = spread([1, 2, 3, 4, 100])
    assert (summary.lower_fence, summary.upper_fence) == (-1, 7)
    assert summary.is_outlier(100) and not summary.is_outlier(4)
    assert summary.whiskers([1, 2, 3, 4, 100]) == (1, 4)


def test_display_rounding_is_half_up():
    assert rounded(2.675) == 2.68 and rounded(0.125, 2) == 0.13 and rounded(None) is None


def test_strengths_and_weaknesses_are_said_in_words(computed):
    detail = unit_result_detail(computed["period"], computed["towns"]["Z1"])
    assert [d.dimension.name for d in detail.strengths] == ["生态建设"]
    assert [d.dimension.name for d in detail.weaknesses] == ["经济发展"]
    assert dimension_sentence(detail.strengths[0]) == "生态建设得分率100.0%，高于赛道中位数20.0个百分点"
    assert dimension_sentence(detail.weaknesses[0]) == "经济发展得分率60.0%，低于赛道中位数20.0个百分点"


def test_the_unit_page_shows_the_sentences_the_trend_and_the_lost_points(client, computed, make_user):
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    page = client.get(reverse("assessment:unit_result", args=[computed["period"].pk, computed["towns"]["Z1"].pk]))
    text = page.content.decode()
    assert "生态建设得分率100.0%，高于赛道中位数20.0个百分点" in text
    assert "经济发展得分率60.0%，低于赛道中位数20.0个百分点" in text
    # G1 lost 60 − 36 = 24 points; the radar and trend charts are on the page with their data addresses.
    assert "24.00" in text
    assert reverse("analysis:unit_radar_chart", args=[computed["period"].pk, computed["towns"]["Z1"].pk]) in text
    assert reverse("analysis:unit_trend_chart", args=[computed["period"].pk, computed["towns"]["Z1"].pk]) in text


def test_the_radar_data_are_the_stored_rates_and_medians(client, computed, make_user):
    period, town = computed["period"], computed["towns"]["Z1"]
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    data = client.get(reverse("analysis:unit_radar_chart", args=[period.pk, town.pk])).json()
    stored = list(DimensionResult.objects.filter(period=period, unit=town).select_related("dimension")
                  .order_by("dimension__sort_order", "dimension__name"))
    assert data["kind"] == "radar" and not data["empty"]
    assert [axis["name"] for axis in data["axes"]] == [d.dimension.name for d in stored] == ["经济发展", "生态建设"]
    assert data["series"][0]["values"] == [round(d.rate * 100, 1) for d in stored] == [60.0, 100.0]
    assert data["series"][1]["values"] == [round(d.track_median * 100, 1) for d in stored] == [80.0, 80.0]
    # The axes start one step of ten below the lowest value drawn (60 %), so the gap to the median shows.
    assert {axis["min"] for axis in data["axes"]} == {50} and {axis["max"] for axis in data["axes"]} == {100}


def test_the_tier_chart_counts_each_tracks_tiers(client, computed, make_user):
    # Three towns: k1 = round(0.9) = 1 first-tier place, k3 = round(0.3) = 0 third-tier places.
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    data = client.get(reverse("analysis:tier_chart", args=[computed["period"].pk])).json()
    assert data["categories"] == ["乡镇"]
    assert [(series["name"], series["values"]) for series in data["series"]] == [
        ("第一等次", [1]), ("第二等次", [2]), ("第三等次", [0])]
    stored = list(UnitResult.objects.filter(period=computed["period"]).values_list("tier", flat=True))
    assert sorted(stored) == [1, 2, 2]
    assert tier_counts(computed["period"])[0].units == 3


def test_the_domain_comparison_is_the_median_and_mean_rate_per_track(client, computed, make_user):
    comparison = domains.domain_comparison(computed["period"])
    (economy, economy_cells), (ecology, ecology_cells) = comparison.rows()
    assert (economy.name, ecology.name) == ("经济发展", "生态建设")
    assert economy_cells[0].summary.median == pytest.approx(0.8) and economy_cells[0].summary.mean == pytest.approx(0.8)
    assert ecology_cells[0].summary.median == pytest.approx(0.8)
    assert ecology_cells[0].summary.mean == pytest.approx((1.0 + 0.5 + 0.8) / 3)
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    data = client.get(reverse("analysis:domain_chart", args=[computed["period"].pk])).json()
    assert data["categories"] == ["经济发展", "生态建设"]
    assert data["series"] == [{"name": "乡镇", "values": [80.0, 80.0]}]


def test_the_indicator_distribution_box_and_lost_points(client, computed, make_user):
    period, growth = computed["period"], computed["growth"]
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    data = client.get(reverse("analysis:indicator_chart", args=[period.pk, growth.pk])).json()
    # Values 10 / 20 / 30: quartiles 15 and 25, fences 0 and 40, nothing beyond them.
    assert data["boxes"] == [[10.0, 15.0, 20.0, 25.0, 30.0]] and data["outliers"] == []
    losses = distributions.indicator_lost_points(period, growth)
    assert [(loss.unit.code, loss.lost) for loss in losses] == [("Z1", pytest.approx(24)), ("Z2", pytest.approx(12))]
    page = client.get(reverse("analysis:indicator_analysis", args=[period.pk]), {"indicator": growth.pk})
    assert page.status_code == 200 and "24.00" in page.content.decode()


def test_a_value_beyond_the_fences_is_an_outlier(client, computed, make_user):
    period, growth = computed["period"], computed["growth"]
    far = Unit.objects.create(code="Z4", name="北镇", kind=UnitKind.TOWNSHIP, population=3)
    TrackMembership.objects.create(scheme=computed["scheme"], track=computed["track"], unit=far)
    Statistic.objects.create(period=period, unit=far, indicator=growth, value=1000)
    Statistic.objects.create(period=period, unit=far, indicator=Indicator.objects.get(code="G2"), value=90)
    recompute_period(period.pk)
    # 10 / 20 / 30 / 1000: Q1 17.5, Q3 272.5, upper fence 272.5 + 1.5 × 255 = 655.
    (track,) = distributions.indicator_distribution(period, growth)
    assert [item.unit.name for item in track.high_outliers] == ["北镇"] and track.low_outliers == []
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    data = client.get(reverse("analysis:indicator_chart", args=[period.pk, growth.pk])).json()
    assert data["outliers"] == [{"category": 0, "value": 1000.0, "name": "北镇"}]
    assert data["boxes"][0][4] == 30.0  # the whisker ends at the highest value inside the fences


def test_the_unit_trend_follows_the_scheme_name_and_only_visible_periods(client, computed, make_user):
    # In 2023 the towns' growth was the other way round: 东镇 first.
    earlier = earlier_year(computed, {("Z1", "G1"): 30, ("Z2", "G1"): 20, ("Z3", "G1"): 10, ("Z1", "G2"): 100,
                                      ("Z2", "G2"): 50, ("Z3", "G2"): 60}, state=PeriodState.LOCKED)
    period, town = computed["period"], computed["towns"]["Z1"]
    recompute_period(period.pk)  # progress against 2023 now that it exists
    before, now = (UnitResult.objects.get(period=p, unit=town) for p in (earlier, period))
    assert (before.rank, now.rank, now.rank_change) == (1, 2, -1)

    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    data = client.get(reverse("analysis:unit_trend_chart", args=[period.pk, town.pk])).json()
    assert data["categories"] == ["2023", "2024"]
    assert data["series"][0]["values"] == [rounded(before.total), rounded(now.total)]
    assert data["series"][1]["values"] == [1, 2]
    ranking = client.get(reverse("assessment:period_detail", args=[period.pk])).content.decode()
    row = ranking[ranking.index('id="ranking"'):].split("东镇")[0].rsplit("<tr", 1)[1]
    assert "rank-down" in row and "退 1" in row  # 东镇 fell from first to second

    # The unit's own viewer sees published periods only: 2023 is locked, so its line has one point.
    Period.objects.filter(pk=period.pk).update(state=PeriodState.PUBLISHED)
    client.force_login(make_user("viewer", [Role.UNIT_VIEWER], unit=town))
    data = client.get(reverse("analysis:unit_trend_chart", args=[period.pk, town.pk])).json()
    assert data["categories"] == ["2024"] and data["series"][1]["values"] == [2]


def test_the_track_and_indicator_trends(computed):
    earlier = earlier_year(computed, {("Z1", "G1"): 30, ("Z2", "G1"): 20, ("Z3", "G1"): 10, ("Z1", "G2"): 100,
                                      ("Z2", "G2"): 50, ("Z3", "G2"): 60})
    periods = trends.period_series(computed["period"], Period.objects.all())
    assert periods == [earlier, computed["period"]]
    trend = trends.track_trend(computed["track"], periods)
    totals_2024 = sorted(UnitResult.objects.filter(period=computed["period"]).values_list("total", flat=True))
    assert trend.points[1].maximum == pytest.approx(totals_2024[-1]) and trend.points[1].median == pytest.approx(
        totals_2024[1])
    assert {unit.code: ranks for unit, ranks in trend.ranks} == {"Z3": [3, 1], "Z1": [1, 2], "Z2": [2, 3]}
    (line,) = trends.indicator_trend(computed["growth"], periods)
    assert (line.track_name, line.medians) == ("乡镇", [20, 20])
    chart = charts.track_trend_chart(trend)
    assert chart["categories"] == ["2023", "2024"] and chart["series"][0]["values"][1] == rounded(totals_2024[-1])


def test_the_dashboard_lists_missing_values_by_unit_and_the_reminder(computed):
    period = computed["period"]
    Statistic.objects.filter(period=period, unit__code="Z2", indicator__code="G2").delete()
    ComponentScore.objects.filter(period=period, unit__code="Z3").delete()
    recompute_period(period.pk)
    missing = {item.result.unit.code: item for item in missing_by_unit(period)}
    assert set(missing) == {"Z2", "Z3"}
    assert [i.code for i in missing["Z2"].indicators] == ["G2"] and missing["Z2"].components == []
    assert missing["Z3"].indicators == [] and missing["Z3"].components == ["班子民主测评"]
    (bureau,) = department_uploads(period)
    assert bureau.department.code == "TJ" and bureau.missing_cells == 1
    assert [(m.indicator.code, m.missing_units) for m in bureau.missing_indicators] == [("G2", 1)]
    text = reminder_text(period, [bureau])
    assert "统计局（尚未导入）：G2 完成率（缺1个单位）" in text  # the fixture's values came from no upload


def test_the_dashboard_page_shows_the_reminder_and_the_warning_counts(client, computed, make_user):
    from supervision.models import EfficiencyWarning, EfficiencyWarningKind

    period = computed["period"]
    Statistic.objects.filter(period=period, unit__code="Z2", indicator__code="G2").delete()
    recompute_period(period.pk)
    EfficiencyWarning.objects.create(unit=computed["towns"]["Z1"], period=period, kind=EfficiencyWarningKind.DEDUCTION,
                                     reason="扣分：内部原因不应出现在看板上")
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    text = client.get(reverse("analysis:period_dashboard", args=[period.pk])).content.decode()
    assert "G2 完成率（缺1个单位）" in text and 'id="reminder-text"' in text
    assert "扣分预警 1" in text and "内部原因" not in text


def ranking_names(client, period, **query) -> list[str]:
    import re

    page = client.get(reverse("assessment:period_detail", args=[period.pk]), query).content.decode()
    table = page[page.index('id="ranking"'):page.index("</table>", page.index('id="ranking"'))]
    return re.findall(r'/units/\d+/">([^<]+)</a>', table)


def test_the_ranking_filters_by_tier_and_name_and_sorts_by_any_column(client, computed, make_user):
    period = computed["period"]
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    assert ranking_names(client, period) == ["南镇", "东镇", "西镇"]  # by rank: 87.6, 78.8, 70.4
    assert ranking_names(client, period, tier="2") == ["东镇", "西镇"]
    assert ranking_names(client, period, q="西") == ["西镇"]
    assert ranking_names(client, period, q="Z3") == ["南镇"]
    assert ranking_names(client, period, sort="-rank") == ["西镇", "东镇", "南镇"]
    survey = f"component_{computed['survey'].pk}"  # 民主测评 90 / 80 / 70
    assert ranking_names(client, period, sort=survey) == ["南镇", "西镇", "东镇"]
    page = client.get(reverse("assessment:period_detail", args=[period.pk])).content.decode()
    assert "87.60" in page and "班子民主测评" in page and reverse("analysis:ranking_workbook", args=[period.pk]) in page


def test_the_dashboard_counts_overdue_rectification_items(client, computed, make_user):
    import datetime

    from feedback.models import RectificationItem, RectificationStatus

    period = computed["period"]
    today = datetime.date.today()
    for deadline, status in [(today - datetime.timedelta(days=3), RectificationStatus.NOT_STARTED),
                             (today + datetime.timedelta(days=30), RectificationStatus.NOT_STARTED),
                             (today - datetime.timedelta(days=3), RectificationStatus.DONE)]:
        RectificationItem.objects.create(period=period, unit=computed["towns"]["Z1"], problem="台账不全",
                                         requirement="补齐", deadline=deadline, status=status)
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    text = client.get(reverse("analysis:period_dashboard", args=[period.pk])).content.decode()
    assert "逾期 1 项" in text and "未完成 2 项" in text
    assert f"?period={period.pk}&amp;overdue=yes" in text
