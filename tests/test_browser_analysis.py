"""The analysis pages in a real browser, on the demo district: the assessment officer goes from the
dashboard to the period dashboard, locks and publishes 2024, reads the ranking and a unit's page with its
radar and trend charts drawn; then the unit's own viewer sees that page and nothing of another unit.

Charts are drawn by static/js/charts.js under the app's Content-Security-Policy; the console must stay
free of CSP reports. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from assessment.models import Period, PeriodState, UnitResult
from assessment.templatetags.scores import score
from cadres.models import Unit
from tests.test_browser import browser, demo, log_in, page, screenshot, sidebar_link  # noqa: F401 - fixtures

DRAWN_PIXELS = """element => {
  const canvas = element.querySelector("canvas");
  if (!canvas) { return 0; }
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { painted += 1; } }
  return painted;
}"""
SERIES = "element => echarts.getInstanceByDom(element).getOption().series.map(s => s.data)"


def chart_in(browser_page, card_id: str):
    chart = browser_page.locator(f"#{card_id} .chart")
    expect(chart).to_have_attribute("data-chart-state", "drawn")
    return chart


def assert_drawn(chart) -> list:
    """The chart's canvas has paint on it and ECharts holds the data it was given (the first series at
    least: a box plot's outliers may be none); returns each series' data."""
    assert chart.evaluate(DRAWN_PIXELS) > 1000
    series = chart.evaluate(SERIES)
    assert series and len(series[0]) > 0
    return series


def watch_console(browser_page) -> list[str]:
    messages: list[str] = []
    browser_page.on("console", lambda message: messages.append(message.text))
    return messages


def test_the_officer_publishes_and_reads_the_analysis_and_the_unit_viewer_sees_its_own(page, browser, live_server):  # noqa: F811
    period = Period.objects.get(scheme__year=2024, code="2024")
    unit = Unit.objects.get(code="T01")  # 青石镇, the demo unit viewer's unit
    result = UnitResult.objects.get(period=period, unit=unit)
    console = watch_console(page)

    log_in(page, "kaohe")
    card = page.locator("#latest-periods")
    card.locator("li").filter(has_text=str(period)).get_by_role("link", name="周期看板").click()
    expect(page.get_by_role("heading", name=re.compile("^周期看板"))).to_be_visible()
    tiers = assert_drawn(chart_in(page, "tiers"))
    assert sum(sum(counts) for counts in tiers) == UnitResult.objects.filter(period=period).exclude(tier=None).count()
    expect(page.locator("#missing-values tbody tr")).to_have_count(
        UnitResult.objects.filter(period=period, missing_count__gt=0).count())
    screenshot(page, "analysis-period-dashboard.png")

    # Lock, then publish with the missing values confirmed.
    publishing = page.locator("#publishing")
    publishing.get_by_label(re.compile("我已知晓")).check()
    publishing.get_by_role("button", name="锁定本周期").click()
    expect(page.locator(".alert-success")).to_contain_text("已锁定")
    publishing.get_by_label(re.compile("我已核对缺失值清单")).check()
    publishing.get_by_label(re.compile("我已核对排名和等次")).check()
    publishing.get_by_role("button", name="发布结果").click()
    expect(page.locator(".alert-success")).to_contain_text("已发布")
    period.refresh_from_db()
    assert period.state == PeriodState.PUBLISHED

    # The ranking of the towns, filtered to one of them, then its page.
    page.locator(".period-nav").get_by_role("link", name="排名").click()
    expect(page.locator("#ranking tbody tr").first).to_be_visible()
    screenshot(page, "analysis-ranking.png")
    page.get_by_label("单位名称或代码").fill(unit.name)
    page.get_by_role("button", name="查询").click()
    rows = page.locator("#ranking tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(score(result.total))
    rows.first.get_by_role("link", name=unit.name).click()

    expect(page.get_by_role("heading", name=re.compile(unit.name))).to_be_visible()
    radar = assert_drawn(chart_in(page, "dimensions"))
    own_rates = radar[0][0]["value"]
    assert len(own_rates) == page.locator("#dimensions tbody tr").count()
    trend = assert_drawn(chart_in(page, "trend"))
    assert [point for point in trend[1] if point is not None][-1] == result.rank
    expect(page.locator("#strengths")).to_contain_text("赛道中位数")
    screenshot(page, "analysis-unit.png")

    # The trend analysis of the unit's track across 2023 and 2024.
    page.goto(f"/analysis/periods/{period.pk}/trends/?track={result.track_id}&unit={unit.pk}")
    assert_drawn(chart_in(page, "track-trend"))
    unit_trend = assert_drawn(chart_in(page, "unit-trend"))
    assert len(unit_trend[0]) == 2  # 2023 and 2024
    screenshot(page, "analysis-trends.png")

    page.goto(f"/analysis/periods/{period.pk}/domains/")
    assert_drawn(chart_in(page, "domain-chart"))
    page.goto(f"/analysis/periods/{period.pk}/indicators/")
    assert_drawn(chart_in(page, "distribution"))
    screenshot(page, "analysis-indicator.png")
    assert not [message for message in console if "Content Security Policy" in message], console

    # The unit viewer: its own unit's published page, and a 404 for another unit's page and data.
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 1366, "height": 900})
    viewer = context.new_page()
    try:
        viewer_console = watch_console(viewer)
        log_in(viewer, "danwei")
        viewer.locator("#own-results").get_by_role("link", name=re.compile(str(period.code))).click()
        expect(viewer.get_by_role("heading", name=re.compile(unit.name))).to_be_visible()
        assert_drawn(chart_in(viewer, "dimensions"))
        viewer_trend = assert_drawn(chart_in(viewer, "trend"))
        assert len(viewer_trend[0]) == 2  # the demo published 2023, the officer above 2024
        expect(viewer.locator(".breadcrumb")).not_to_contain_text("考核结果")  # no way to the ranking
        screenshot(viewer, "analysis-unit-viewer.png")
        other = Unit.objects.get(code="T02")
        for path in (f"/assessment/periods/{period.pk}/units/{other.pk}/",
                     f"/analysis/periods/{period.pk}/units/{other.pk}/radar.json",
                     f"/assessment/periods/{period.pk}/"):
            response = viewer.goto(path)
            assert response is not None and response.status in (403, 404), path
        assert not [message for message in viewer_console if "Content Security Policy" in message]
    finally:
        context.close()
