"""Feedback in a real browser: the officer prints a unit's feedback report to A4 with Chromium and makes
the period's zip; the unit viewer reads its own published report, reports progress on an overdue item,
and is refused another unit's report. Screenshots in test-artifacts/."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import Period, PeriodState, UnitResult
from assessment.site.demo import DEMO_SCHEME_NAME
from cadres.models import Unit
from feedback.demo import load_feedback_demo
from feedback.models import RectificationItem, RectificationStatus
from feedback.rectification import is_overdue
from tests.test_browser import ARTIFACTS, browser, demo, log_in, page, screenshot, sidebar_link  # noqa: F401

# A4 in PostScript points is 595.28 × 841.89; Chromium writes it rounded to its own units.
A4_POINTS = (595.28, 841.89)
# 青石镇's report (the demo's comments, three strengths, five indicators that lost points, two items)
# runs onto a second page; measured, and kept as the figure a change to the print layout must explain.
EXPECTED_PAGES = 2
# The printable width of A4 with print.css's 15 mm side margins, in CSS pixels (180 mm × 96 / 25.4).
PRINTABLE_WIDTH_PX = 680
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def published(demo):  # noqa: F811 - the demo fixture
    load_feedback_demo(scheme_name=DEMO_SCHEME_NAME)
    period = Period.objects.get(scheme__name=DEMO_SCHEME_NAME, code="2024")
    Period.objects.filter(pk=period.pk).update(state=PeriodState.PUBLISHED, published_at=timezone.now())
    return period


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of every page object of a PDF (Chromium writes them uncompressed)."""
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    boxes = [tuple(float(n) for n in box.split()[2:4])
             for box in re.findall(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", pdf)]
    assert len(boxes) >= len(pages)
    return boxes[:len(pages)]


CLIPPED_TEXT = """() => {
  const sheet = document.querySelector('#feedback-sheet');
  const right = sheet.getBoundingClientRect().right + 1;
  const offenders = [];
  for (const el of sheet.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.right > right || el.scrollWidth > el.clientWidth + 1) offenders.push(el.tagName + ': ' + el.textContent.trim().slice(0, 40));
  }
  return offenders;
}"""


def test_the_officer_prints_a_units_feedback_report_on_a4_and_makes_the_periods_zip(page, published):  # noqa: F811
    unit = Unit.objects.get(code="T01")
    result = UnitResult.objects.get(period=published, unit=unit)
    track_size = UnitResult.objects.filter(period=published, track=result.track).count()

    log_in(page, "kaohe")
    sidebar_link(page, "反馈单").click()
    page.locator("#feedback-periods tbody tr").filter(has_text="2024").get_by_role("link", name="2024").click()
    page.locator("#feedback-units tbody tr").filter(has_text=unit.name).get_by_role("link", name="反馈单").click()
    expect(page.get_by_role("heading", name="考核反馈单")).to_be_visible()
    expect(page.locator(".sheet-unit-name")).to_have_text(unit.name)
    expect(page.locator(".sheet-rank")).to_have_text(f"第{result.rank}名（共{track_size}个单位）")
    expect(page.locator("#sheet-comments")).to_contain_text("请对照反馈的短板和失分较多的指标")
    expect(page.locator("#sheet-rectifications tr.is-overdue")).to_have_count(1)
    screenshot(page, "feedback-report-screen.png")

    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    sizes = pdf_pages(pdf)
    assert len(sizes) == EXPECTED_PAGES
    for width, height in sizes:
        assert abs(width - A4_POINTS[0]) < 1.5 and abs(height - A4_POINTS[1]) < 1.5
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "feedback-report.pdf").write_bytes(pdf)

    # The print rendering at the width of the printed page: no navigation, nothing cut off.
    page.set_viewport_size({"width": PRINTABLE_WIDTH_PX, "height": 962})
    page.emulate_media(media="print")
    expect(page.locator(".app-sidebar")).to_be_hidden()
    expect(page.locator(".app-header")).to_be_hidden()
    expect(page.get_by_role("button", name="打印反馈单")).to_be_hidden()
    assert page.evaluate(CLIPPED_TEXT) == []
    font = page.evaluate("() => getComputedStyle(document.querySelector('#feedback-sheet')).fontFamily")
    assert all(name in font for name in ("Noto Sans CJK SC", "Noto Serif CJK SC", "Microsoft YaHei", "SimSun"))
    screenshot(page, "feedback-report-print.png")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 900})

    # Every unit's report in one zip, made in the background (eagerly here) with a progress bar.
    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=str(published)).click()
    page.get_by_role("button", name="生成全部反馈单").click()
    expect(page.locator("#batch-progress")).to_contain_text("100%")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载反馈单压缩包").click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    workbooks = [name for name in archive.namelist() if name.endswith("_反馈单.xlsx")]
    assert len(workbooks) == UnitResult.objects.filter(period=published).count() == 64
    assert "T01_青石镇_反馈单.xlsx" in workbooks
    screenshot(page, "feedback-period.png")


def test_the_unit_viewer_reads_its_own_report_reports_progress_and_cannot_open_another_units(page, published):  # noqa: F811
    own, other = Unit.objects.get(code="T01"), Unit.objects.get(code="T03")
    overdue = next(item for item in RectificationItem.objects.filter(unit=own) if is_overdue(item))

    log_in(page, "danwei")
    card = page.locator("#own-feedback-card")
    expect(card).to_contain_text("逾期 1 项")
    screenshot(page, "feedback-dashboard-danwei.png")
    card.get_by_role("link", name="查看反馈单").click()
    expect(page.get_by_role("heading", name="考核反馈单")).to_be_visible()
    expect(page.locator(".sheet-unit-name")).to_have_text(own.name)
    expect(page.get_by_role("link", name="填写反馈意见")).to_have_count(0)
    expect(page.get_by_role("button", name="打印反馈单")).to_be_visible()

    response = page.goto(f"/feedback/periods/{published.pk}/units/{other.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_text(other.name)).to_have_count(0)

    sidebar_link(page, "本单位整改").click()
    rows = page.locator("#rectification-table tbody tr")
    expect(rows).to_have_count(RectificationItem.objects.filter(unit=own).count())
    rows.filter(has_text=overdue.problem[:10]).get_by_role("link", name="查看").click()
    expect(page.locator(".overdue-badge").first).to_contain_text("已逾期")
    form = page.locator("#progress-form")
    form.get_by_label("整改状态").select_option(label="已完成")
    form.get_by_label("进展情况").fill("台账已全部补齐，“三会一课”月度检查制度已建立。")
    form.get_by_label("佐证材料").set_input_files(
        files=[{"name": "检查记录.png", "mimeType": "image/png", "buffer": TINY_PNG}])
    form.get_by_role("button", name="报送").click()
    expect(page.locator("#rectification-status")).to_have_text("已完成")
    expect(page.get_by_role("link", name="检查记录.png")).to_be_visible()
    overdue.refresh_from_db()
    assert overdue.status == RectificationStatus.DONE and not is_overdue(overdue)
    screenshot(page, "feedback-rectification-danwei.png")
