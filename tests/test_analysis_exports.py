"""The circular (通报) workbook: what an officer prints and sends out, opened back with openpyxl."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.exports import chinese_ordinal, circular_xlsx_bytes, period_label
from assessment.models import Adjustment, Period, PeriodType
from assessment.recompute import recompute_period
from cadres.models import Unit


@pytest.fixture
def circular(district):
    # 东镇 is renamed to something a spreadsheet would run as a formula; 南镇 gets a 2-point bonus.
    Unit.objects.filter(code="Z1").update(name="=HYPERLINK(\"http://x\",\"东镇\")")
    Adjustment.objects.create(period=district["period"], unit=district["towns"]["Z3"], points=Decimal("2"),
                              category="考核加分", reason="省级表彰", approved_at="2024-12-01T00:00:00Z")
    recompute_period(district["period"].pk)
    return district


def open_sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_the_circular_has_the_title_headers_and_a_section_per_track(circular):
    sheet = open_sheet(circular_xlsx_bytes(circular["period"]))
    assert sheet["A1"].value == "重算测试方案2024年度结果通报"
    assert "A1:J1" in {str(cells) for cells in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "共3个单位，分1个赛道排名（未发布，仅供内部审核）"
    header = [cell.value for cell in sheet[3]]
    assert header == ["名次", "单位", "总分", "绩效考核\n（80%）", "班子民主测评\n（20%）", "加分", "扣分", "等次",
                      "进位情况", "备注"]
    assert sheet["A4"].value == "一、乡镇（3个单位）"
    # 南镇: performance 92, survey 70, bonus 2 → 0.8 · 92 + 0.2 · 70 + 2 = 89.6, first of three.
    first = [cell.value for cell in sheet[5]]
    assert first[:5] == [1, "南镇", 89.6, 92, 70] and first[5] == 2 and first[7] == "第一等次"
    assert first[8] == "—"  # no period a year earlier to compare with
    second = [cell.value for cell in sheet[6]]
    assert second[:3] == [2, "'=HYPERLINK(\"http://x\",\"东镇\")", 78.8]  # a formula-like name stays text


def test_the_circular_is_formatted_for_print(circular):
    sheet = open_sheet(circular_xlsx_bytes(circular["period"]))
    for column in "CDEFG":
        assert sheet[f"{column}5"].number_format == "0.00"
    assert sheet["A1"].font.name == "黑体" and sheet["B5"].font.name == "宋体" and sheet["A3"].font.b
    assert sheet["C5"].border.left.style == "thin" and sheet["J5"].border.bottom.style == "thin"
    assert sheet.column_dimensions["B"].width == 30
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.freeze_panes == "A4"


def test_period_labels_and_section_numbers():
    assert [chinese_ordinal(n) for n in (1, 9, 10, 12, 20, 31)] == ["一", "九", "十", "十二", "二十", "三十一"]
    labels = {code: period_label(Period(code=code, period_type=PeriodType.YEAR)) for code in
              ("2024", "2024H1", "2024H2", "2024Q3", "2024-07", "特别")}
    assert labels == {"2024": "2024年度", "2024H1": "2024年上半年", "2024H2": "2024年下半年",
                      "2024Q3": "2024年第三季度", "2024-07": "2024年7月", "特别": "特别"}


def test_the_download_is_logged_and_checked(client, circular, make_user):
    period = circular["period"]
    url = reverse("analysis:ranking_workbook", args=[period.pk])
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    assert open_sheet(response.content)["A1"].value == "重算测试方案2024年度结果通报"
    event = AuditEvent.objects.get(action="assessment.results.exported")
    assert (event.username, event.object_id, event.detail["layout"]) == ("officer", str(period.pk), "circular")
    client.force_login(make_user("viewer", [Role.UNIT_VIEWER], unit=circular["towns"]["Z1"]))
    assert client.get(url).status_code == 403
