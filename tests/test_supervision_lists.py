"""The three lists of a year (三类名单, SPEC §6): who is on which list, and why."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import CadreGrade
from cadres.models import Appointment, AppointmentRole, Cadre
from supervision.lists import ListKind, three_lists
from supervision.models import Record, RecordType

ID_NUMBERS = ["110105194912310038", "110105194912310011", "110105194912310054", "110105194912310070",
              "110105194912310097"]


def add_record(cadre, name, subtype="", day=date(2024, 6, 1)):
    Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name=name, subtype=subtype), date=day,
                          source="纪委监委")


@pytest.fixture
def year_2024(registry):
    """Seven cadres of 甲镇, one for each way onto (or off) a list in 2024."""
    town = registry["town_a"]

    def cadre(name, id_number):
        person = Cadre.objects.create(name=name, gender="M", id_number=id_number)
        Appointment.objects.create(cadre=person, unit=town, title="副镇长", role=AppointmentRole.DEPUTY,
                                   start_date=date(2020, 1, 1))
        return person

    people = {
        "excellent": registry["cadre_a"],
        "basic": cadre("基本", ID_NUMBERS[0]),
        "reminder": cadre("提醒", ID_NUMBERS[1]),
        "incompetent": cadre("不称", ID_NUMBERS[2]),
        "admonishment": cadre("诫勉", ID_NUMBERS[3]),
        "late": cadre("年后", ID_NUMBERS[4]),
    }
    grade = {"excellent": "优秀", "basic": "基本称职", "incompetent": "不称职", "reminder": "称职"}
    for key, value in grade.items():
        CadreGrade.objects.create(cadre=people[key], unit=town, year=2024, grade=value)
    add_record(people["reminder"], "审计问题", "重大", day=date(2024, 3, 1))  # 3 points: the reminder line
    add_record(people["admonishment"], "党纪处分", "撤销党内职务", day=date(2024, 10, 1))  # 10 points
    add_record(people["late"], "党纪处分", "警告", day=date(2025, 1, 2))  # after the year end: not counted
    add_record(people["late"], "审计问题", "重大", day=date(2023, 6, 1))  # aged out of the window by 2024-12-31
    return people


def names(lists, kind):
    return {entry.cadre.name for entry in lists.of(kind)}


def test_each_list_holds_the_right_cadres(year_2024):
    lists = three_lists(2024, today=date(2025, 3, 1))
    assert lists.on == date(2024, 12, 31)
    assert names(lists, ListKind.EXCELLENT) == {"张三"}
    assert names(lists, ListKind.REMINDER_TALK) == {"基本", "提醒"}
    assert names(lists, ListKind.ADJUSTMENT) == {"不称", "诫勉"}


def test_each_entry_says_why(year_2024):
    lists = three_lists(2024, today=date(2025, 3, 1))
    reasons = {entry.cadre.name: entry.reasons for kind in ListKind for entry in lists.of(kind)}
    assert reasons["张三"] == ["2024年度考核等次为优秀"]
    assert reasons["基本"] == ["2024年度考核等次为基本称职"]
    assert reasons["提醒"] == ["2024-12-31 积分 3 分，达到提醒线"]
    assert reasons["不称"] == ["2024年度考核等次为不称职"]
    assert reasons["诫勉"] == ["2024-12-31 积分 10 分，达到诫勉线"]


def test_a_cadre_at_the_inquiry_line_is_suggested_a_reminder_talk(registry):
    add_record(registry["cadre_b"], "党纪处分", "警告", day=date(2024, 5, 1))  # 6 points
    lists = three_lists(2024, today=date(2025, 3, 1))
    [entry] = lists.of(ListKind.REMINDER_TALK)
    assert entry.cadre == registry["cadre_b"] and "函询线" in entry.reasons[0]
    assert not lists.of(ListKind.ADJUSTMENT)


def test_the_current_year_is_taken_at_today(registry):
    add_record(registry["cadre_b"], "审计问题", "重大", day=date(2026, 5, 1))
    lists = three_lists(2026, today=date(2026, 4, 30))
    assert lists.on == date(2026, 4, 30) and not lists.of(ListKind.REMINDER_TALK)
    assert names(three_lists(2026, today=date(2026, 5, 1)), ListKind.REMINDER_TALK) == {"李四"}


@pytest.fixture
def officer(client, personas):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    return client


def test_the_page_shows_a_list_with_reasons_and_says_approval_data_is_missing(officer, year_2024):
    page = officer.get(reverse("supervision:lists"), {"year": 2024, "list": "adjustment"}).content.decode()
    assert "不称" in page and "诫勉" in page and "2024年度考核等次为不称职" in page
    assert "还没有干部民主测评（优称率）数据" in page
    assert "建议提醒谈话 <span class=\"badge text-bg-light border\">2</span>" in page


def test_the_page_has_a_clear_empty_state(officer, registry):
    page = officer.get(reverse("supervision:lists"), {"year": 2024}).content.decode()
    assert "2024年度还没有列入“优秀干部”的干部" in page


def test_the_excel_download_has_one_sheet_per_list_and_is_logged(officer, year_2024):
    response = officer.get(reverse("supervision:lists_download", kwargs={"year": 2024}))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["优秀干部", "建议提醒谈话", "建议组织调整"]
    rows = list(book["建议组织调整"].iter_rows(values_only=True))
    assert rows[0] == ("序号", "姓名", "身份证号", "单位及职务", "年度考核等次", "积分", "标准线", "列入理由")
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["诫勉"][2] == ID_NUMBERS[3] and by_name["诫勉"][5] == 10 and by_name["诫勉"][6] == "诫勉线"
    assert by_name["不称"][4] == "不称职" and by_name["不称"][3] == "甲镇副镇长"
    event = AuditEvent.objects.get(action="supervision.lists.exported")
    assert event.detail["year"] == 2024 and event.detail["adjustment"] == 2


def test_text_that_looks_like_a_formula_is_neutralised_in_the_download(officer, registry):
    registry["cadre_a"].name = "=HYPERLINK(\"x\")"
    registry["cadre_a"].save()
    CadreGrade.objects.create(cadre=registry["cadre_a"], unit=registry["town_a"], year=2024, grade="优秀")
    response = officer.get(reverse("supervision:lists_download", kwargs={"year": 2024}))
    row = list(load_workbook(io.BytesIO(response.content))["优秀干部"].iter_rows(values_only=True))[1]
    assert row[1] == "'=HYPERLINK(\"x\")"
