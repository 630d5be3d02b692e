"""One unit's feedback report (反馈单), on the page and as the Excel form, for the ``district`` of
tests/conftest.py: three towns, two indicators, results computed by the recompute service.

东镇 (Z1) scores 36/60 on 增速 (经济发展) and 40/40 on 完成率 (生态建设): the track medians are 80 %
on both, so 生态建设 is its strength (+20 points) and 经济发展 its weakness (−20). With the approved
two-point penalty its total is 0.8 × 76 + 0.2 × 90 − 2 = 76.8, second of three; one first-tier place
(round(3 × 0.3) = 1) goes to 南镇, so 东镇 is in the second tier.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import Adjustment, Verdict, VerdictKind, VetoItem
from assessment.recompute import recompute_period
from feedback.models import FeedbackNote, RectificationItem, RectificationStatus
from feedback.notes import feedback_note_save

STRENGTH = "生态建设得分率100.0%，高于赛道中位数20.0个百分点"
WEAKNESS = "经济发展得分率60.0%，低于赛道中位数20.0个百分点"
PENALTY_REASON = "被区委督查室通报：信访积案化解不力"
COMMENTS = "你镇生态建设成效明显。\n经济发展低于赛道中位数，请对照短板制定措施。"


@pytest.fixture
def reported(district, make_user):
    """The district with a penalty (and one still awaiting approval) for 东镇, a veto for 西镇, the
    office's comments on 东镇, and two rectification items of 东镇: one overdue, one not yet due."""
    period, towns = district["period"], district["towns"]
    officer = make_user("kaohe", [Role.ASSESSMENT_OFFICER])
    now = timezone.now()
    Adjustment.objects.create(period=period, unit=towns["Z1"], points=-2, category="考核扣分", reason=PENALTY_REASON,
                              approved_by=officer, approved_at=now)
    Adjustment.objects.create(period=period, unit=towns["Z1"], points=-1, category="考核扣分", reason="尚待审批的扣分")
    veto_item = VetoItem.objects.create(name="安全生产", legal_basis="安全生产法")
    Verdict.objects.create(period=period, unit=towns["Z2"], kind=VerdictKind.VETO, veto_item=veto_item,
                           reason="西镇发生较大生产安全事故", approved_by=officer, approved_at=now)
    recompute_period(period.pk)
    feedback_note_save(period=period, unit=towns["Z1"], comments=COMMENTS, user=officer)
    today = timezone.localdate()
    overdue = RectificationItem.objects.create(period=period, unit=towns["Z1"], problem="招商引资台账不全",
                                               requirement="补齐台账", deadline=today - datetime.timedelta(days=3),
                                               status=RectificationStatus.IN_PROGRESS)
    due = RectificationItem.objects.create(period=period, unit=towns["Z1"], source="half_year",
                                           problem="河道保洁不到位", requirement="建立河道巡查制度",
                                           deadline=today + datetime.timedelta(days=30))
    return {**district, "officer": officer, "overdue": overdue, "due": due}


def report_url(name: str, period, unit) -> str:
    return reverse(f"feedback:{name}", kwargs={"period_pk": period.pk, "unit_pk": unit.pk})


def test_the_report_page_says_rank_tier_progress_strengths_deductions_comments_and_items(client, reported):
    client.force_login(reported["officer"])
    page = client.get(report_url("report", reported["period"], reported["towns"]["Z1"])).content.decode()
    assert "东镇" in page and "第2名（共3个单位）" in page and "第二等次" in page
    assert "76.80" in page  # 0.8 × 76 + 0.2 × 90 − 2
    assert "无上年可比名次" in page  # the first year: no progress to report
    assert STRENGTH in page and WEAKNESS in page
    assert PENALTY_REASON in page and "-2.00" in page
    assert "尚待审批的扣分" not in page  # not approved, so it did not count
    assert "西镇发生较大生产安全事故" not in page  # another unit's veto
    assert "G1 增速" in page and "24.00" in page  # 60 − 36 points lost
    assert "G2 完成率" not in page  # full marks: nothing lost
    assert "你镇生态建设成效明显。" in page and "请对照短板制定措施。" in page
    assert "招商引资台账不全" in page and "河道保洁不到位" in page
    rows = page[page.index('id="sheet-rectifications"'):].split("<tr")
    overdue_row = next(row for row in rows if "招商引资台账不全" in row)
    due_row = next(row for row in rows if "河道保洁不到位" in row)
    assert 'class="is-overdue"' in overdue_row and "逾期" in overdue_row
    assert 'class="is-overdue"' not in due_row and "逾期" not in due_row
    assert 'href="/static/css/print.css" media="print"' in page


def test_a_vetoed_unit_sees_the_veto_among_its_deductions(client, reported):
    client.force_login(reported["officer"])
    page = client.get(report_url("report", reported["period"], reported["towns"]["Z2"])).content.decode()
    assert "一票否决" in page and "安全生产：西镇发生较大生产安全事故" in page and "第三等次" in page


def cells(sheet) -> list[list]:
    return [[cell.value for cell in row if cell.value is not None] for row in sheet.iter_rows()]


def cell_after(sheet, label: str):
    """The first filled cell to the right of the cell holding ``label`` (the form's label: value pairs)."""
    for row in sheet.iter_rows():
        for index, cell in enumerate(row):
            if cell.value == label:
                return next(c for c in row[index + 1:] if c.value is not None)
    raise AssertionError(f"{label} not on the sheet")


def row_with(sheet, text: str) -> list:
    return next(row for row in sheet.iter_rows() if any(c.value == text for c in row))


def test_the_excel_form_holds_the_same_report_with_number_formats_and_a4_print_setup(client, reported):
    client.force_login(reported["officer"])
    response = client.get(report_url("report_xlsx", reported["period"], reported["towns"]["Z1"]))
    assert response.status_code == 200
    assert "Z1_%E4%B8%9C%E9%95%87_%E5%8F%8D%E9%A6%88%E5%8D%95.xlsx" in response["Content-Disposition"]  # Z1_东镇_反馈单
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "反馈单" and sheet["A1"].value == "考核反馈单"
    assert cell_after(sheet, "单位名称").value == "东镇"
    rank = cell_after(sheet, "赛道名次")
    assert rank.value == 2 and rank.number_format == "0"
    assert cell_after(sheet, "赛道单位数").value == 3
    assert cell_after(sheet, "等次").value == "第二等次"
    total = cell_after(sheet, "总分")
    assert total.value == pytest.approx(76.8) and total.number_format == "0.00"
    flat = [value for row in cells(sheet) for value in row]
    assert STRENGTH in flat and WEAKNESS in flat and "无上年可比名次" in flat
    penalty = [c for c in row_with(sheet, PENALTY_REASON) if c.value is not None]
    assert [c.value for c in penalty] == [1, "考核扣分", PENALTY_REASON, -2.0] and penalty[-1].number_format == "0.00"
    assert "尚待审批的扣分" not in flat
    lost = [c.value for c in row_with(sheet, "G1 增速") if c.value is not None]
    assert lost == [1, "G1 增速", "经济发展", 60.0, 24.0]
    assert COMMENTS in flat
    overdue = [c for c in row_with(sheet, "[考核反馈] 招商引资台账不全") if c.value is not None]
    assert overdue[3].value.date() == reported["overdue"].deadline and overdue[3].number_format == "yyyy-mm-dd"
    assert overdue[4].value == "整改中（逾期）"
    due = [c.value for c in row_with(sheet, "[半年评估] 河道保洁不到位") if c.value is not None]
    assert due[4] == "未开始"
    # Printed on A4 portrait, one page wide, as many pages down as needed.
    assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.orientation == "portrait"  # 9: A4
    assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert AuditEvent.objects.filter(action="feedback.report.downloaded", object_id=str(reported["towns"]["Z1"].pk)
                                     ).exists()


def test_formula_looking_text_is_written_as_text_and_long_comments_get_tall_rows(client, reported):
    period, town = reported["period"], reported["towns"]["Z1"]
    formula = '=HYPERLINK("http://evil.example/","点击查看")'
    long_comments = "请进一步压实责任，" * 40  # 360 characters: many lines in the merged cell
    feedback_note_save(period=period, unit=town, comments=formula + "\n" + long_comments, user=reported["officer"])
    RectificationItem.objects.create(period=period, unit=town, problem="@SUM(1+1)", requirement="-2+3",
                                     deadline=datetime.date(2030, 1, 1))
    client.force_login(reported["officer"])
    sheet = load_workbook(io.BytesIO(client.get(report_url("report_xlsx", period, town)).content)).active
    comment = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert comment.data_type == "s" and comment.value.startswith("'=HYPERLINK(")
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert any(c.value == "'-2+3" for row in sheet.iter_rows() for c in row)
    assert sheet.row_dimensions[comment.row].height >= 8 * 15  # 720 columns of text over a ~100-column line


def test_the_officer_writes_rewrites_and_clears_the_comments(client, reported):
    period, town = reported["period"], reported["towns"]["Z3"]
    url = report_url("note_edit", period, town)
    client.force_login(reported["officer"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"comments": "领先全赛道，继续保持。"}).status_code == 302
    assert FeedbackNote.objects.get(period=period, unit=town).comments == "领先全赛道，继续保持。"
    client.post(url, {"comments": "领先全赛道，望再接再厉。"})
    assert "望再接再厉" in client.get(report_url("report", period, town)).content.decode()
    client.post(url, {"comments": "  "})
    assert not FeedbackNote.objects.filter(period=period, unit=town).exists()
    saved = AuditEvent.objects.filter(action="feedback.note.saved").order_by("pk")
    assert [event.detail["after"] for event in saved if event.detail["unit"] == town.pk] == [
        "领先全赛道，继续保持。", "领先全赛道，望再接再厉。", ""]


def test_a_unit_without_results_gets_a_report_that_says_so(client, registry, personas):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    page = client.get(report_url("report", registry["period"], registry["town_a"])).content.decode()
    assert "本周期还没有该单位的计算结果。" in page
    response = client.get(report_url("report_xlsx", registry["period"], registry["town_a"]))
    assert response.status_code == 200


def test_a_unit_outside_the_scheme_has_no_report(client, registry, personas):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    assert client.get(report_url("report", registry["period"], registry["bureau"])).status_code == 404
