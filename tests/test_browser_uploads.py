"""A department's upload in a real browser: template, two bad cells, the fix, the confirm, the new ranking."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from assessment.models import Period, Statistic, UnitResult
from indicators.models import ImportBatch, ImportStatus
from tests.test_browser import browser, demo, log_in, page, screenshot, sidebar_link  # noqa: F401 - fixtures

DEPARTMENT = "D03"  # tianbao's department, which provides K01 in the demo scheme


def template_rows(data: bytes):
    book = load_workbook(io.BytesIO(data))
    return book, book["统计数据"]


def workbook_bytes(book) -> bytes:
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def upload_file(page, path) -> None:  # noqa: F811 - the page fixture
    page.get_by_role("link", name="上传数据").first.click()
    expect(page.get_by_role("heading", name=re.compile("上传统计数据"))).to_be_visible()
    page.get_by_label("统计数据表").set_input_files(str(path))
    page.get_by_role("button", name="上传并校验").click()


def test_a_provider_fixes_two_bad_cells_and_the_ranking_shows_the_new_result(page, tmp_path):  # noqa: F811
    period = Period.objects.get(code="2024", scheme__year=2024)
    log_in(page, "tianbao")
    sidebar_link(page, "指标与填报").click()
    row = page.locator("#department-periods tbody tr").filter(has_text="2024")
    expect(row).to_have_count(1)
    with page.expect_download() as download_info:
        row.get_by_role("link", name="下载模板").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)

    book, sheet = template_rows(template.read_bytes())
    assert sheet["A2"].value == "单位代码" and str(sheet["C2"].value).startswith("K01")
    first_code, second_code = sheet["A3"].value, sheet["A4"].value
    sheet["C3"] = "很多"
    sheet["C4"] = "12..5"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes(book))

    upload_file(page, bad)
    expect(page.locator("#batch-errors")).to_contain_text("文件中有 2 处错误")
    problems = page.locator(".problem-list tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("3")
    expect(problems.nth(0)).to_contain_text("（C）")
    expect(problems.nth(1)).to_contain_text("4")
    screenshot(page, "upload-errors.png")
    assert ImportBatch.objects.latest("pk").status == ImportStatus.FAILED

    # The fix: a much better value for the first unit, and the second back to a number.
    unit_before = UnitResult.objects.get(period=period, unit__code=first_code)
    previous_value = Statistic.objects.get(period=period, unit__code=second_code, indicator__code="K01").value
    sheet["C3"] = 99
    sheet["C4"] = float(previous_value)
    fixed = tmp_path / "fixed.xlsx"
    fixed.write_bytes(workbook_bytes(book))
    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("统计数据表").set_input_files(str(fixed))
    page.get_by_role("button", name="上传并校验").click()

    expect(page.locator("#batch-counts")).to_contain_text("修改")
    expect(page.locator("#batch-changes tbody tr").filter(has_text=first_code)).to_contain_text("99")
    accept = page.get_by_label(re.compile("已核实以下"))
    if accept.count():  # 99 may be far outside last year's range: the provider confirms it
        accept.check()
    screenshot(page, "upload-preview.png")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".alert-success").first).to_contain_text("已导入")

    unit_after = UnitResult.objects.get(period=period, unit__code=first_code)
    assert unit_after.total > unit_before.total

    page.context.clear_cookies()  # a new session: the office's officer
    log_in(page, "kaohe")
    page.goto(f"/assessment/periods/{period.pk}/?track={unit_after.track_id}")
    ranking_row = page.locator("table tbody tr").filter(has_text=unit_after.unit.name)
    expect(ranking_row).to_contain_text(f"{unit_after.total:.2f}")
    expect(ranking_row.locator("td").first).to_have_text(str(unit_after.rank))
    screenshot(page, "ranking-after-upload.png")
