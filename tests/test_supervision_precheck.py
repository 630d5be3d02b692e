"""Promotion pre-check (数据研判前置, SPEC §7): every block with its reason and the day it ends."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import CadreGrade
from supervision.models import Alert, AlertStatus, MandatoryCheck, MandatoryCheckKind, Record, RecordType
from supervision.precheck import BlockKind, precheck
from tests.sheets import xlsx_bytes


def add_record(cadre, name, subtype="", day=date(2025, 3, 10), source="纪委监委", number=""):
    return Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name=name, subtype=subtype),
                                 date=day, source=source, document_number=number)


def kinds(verdict):
    return [block.kind for block in verdict.blocks]


@pytest.fixture
def cadre(registry):
    return registry["cadre_a"]


def test_a_cadre_without_anything_on_file_is_eligible(cadre):
    verdict = precheck(cadre, date(2025, 6, 1))
    assert verdict.eligible and verdict.status == "eligible" and verdict.blocks == []


def test_an_impact_period_blocks_until_the_day_it_ends(cadre):
    warning = add_record(cadre, "党纪处分", "警告", day=date(2025, 3, 10), number="区纪〔2025〕3号")  # 12 months
    verdict = precheck(cadre, date(2025, 6, 1))
    assert not verdict.eligible and verdict.status == "blocked"
    [block] = [b for b in verdict.blocks if b.kind == BlockKind.IMPACT_PERIOD]
    assert block.record == warning and block.ends_on == date(2026, 3, 10)
    assert "党纪处分·警告" in block.text and "影响期12个月" in block.text
    assert "区纪〔2025〕3号" in block.evidence
    assert BlockKind.IMPACT_PERIOD in kinds(precheck(cadre, date(2026, 3, 9)))
    assert precheck(cadre, date(2026, 3, 10)).eligible  # the day the block ends


def test_a_concealment_found_by_a_personal_matters_check_blocks_for_twelve_months(cadre):
    add_record(cadre, "个人有关事项查核", "瞒报", day=date(2024, 1, 31))
    [block] = precheck(cadre, date(2024, 2, 1)).blocks[:1]
    assert block.kind == BlockKind.IMPACT_PERIOD and block.ends_on == date(2025, 1, 31)


def test_a_record_dated_after_the_day_does_not_count(cadre):
    add_record(cadre, "诫勉", day=date(2025, 3, 10))
    assert precheck(cadre, date(2025, 3, 9)).eligible
    assert not precheck(cadre, date(2025, 3, 10)).eligible


def test_an_inquiry_without_outcome_blocks_with_no_end_date(cadre):
    inquiry = add_record(cadre, "函询", day=date(2025, 2, 1))
    verdict = precheck(cadre, date(2025, 6, 1))
    [block] = verdict.blocks
    assert block.kind == BlockKind.OPEN_CASE and block.ends_on is None and block.record == inquiry
    assert "函询" in block.text and "尚无办理结果" in block.text
    inquiry.record_type = RecordType.objects.get(name="函询", subtype="采信了结")
    inquiry.save()
    assert precheck(cadre, date(2025, 6, 1)).eligible  # cleared: the block is gone


def test_an_open_investigation_blocks_with_no_end_date(cadre):
    add_record(cadre, "立案审查调查", day=date(2025, 2, 1))
    [block] = precheck(cadre, date(2025, 6, 1)).blocks
    assert block.kind == BlockKind.OPEN_CASE and block.ends_on is None and "立案审查调查" in block.text


def test_the_admonishment_line_blocks_until_the_points_fall_below_it(cadre):
    # 3 + 3 + 3 + 1 = 10 points, none with an impact period of its own.
    add_record(cadre, "信访举报", "属实", day=date(2024, 9, 1), source="信访")
    add_record(cadre, "信访举报", "属实", day=date(2024, 11, 1), source="信访")
    add_record(cadre, "审计问题", "重大", day=date(2025, 1, 15), source="审计")
    add_record(cadre, "提醒谈话", day=date(2025, 2, 1), source="组织部")
    add_record(cadre, "信访举报", "收到", day=date(2025, 2, 10), source="信访")  # no points: not evidence
    verdict = precheck(cadre, date(2025, 3, 1))
    assert verdict.points == 10 and verdict.line == "admonishment"
    [block] = verdict.blocks
    assert block.kind == BlockKind.ADMONISHMENT_LINE
    assert "诫勉线" in block.text and "10" in block.text
    # The evidence is every record adding up to the line, oldest first; the last took the cadre over it.
    assert len(block.counted) == 4 and block.record.record_type.name == "提醒谈话"
    assert block.evidence.startswith("信访举报·属实（2024-09-01）；") and "审计问题·重大（2025-01-15）" in block.evidence
    # The 2024-09-01 record leaves the window on 2025-09-01: 7 points, below the line.
    assert block.ends_on == date(2025, 9, 1)
    assert not precheck(cadre, date(2025, 8, 31)).eligible
    assert precheck(cadre, date(2025, 9, 1)).eligible


def test_an_open_admonishment_line_alert_blocks_until_it_is_closed(cadre, django_user_model):
    record = add_record(cadre, "提醒谈话", day=date(2024, 5, 1))
    alert = Alert.objects.create(cadre=cadre, line="admonishment", points=10, raised_on=date(2024, 6, 1))
    alert.records.add(record)
    assert precheck(cadre, date(2024, 5, 31)).eligible  # raised after the day
    verdict = precheck(cadre, date(2025, 8, 1))  # points long gone, the alert is still open
    [block] = verdict.blocks
    assert block.kind == BlockKind.OPEN_ALERT and block.ends_on is None and block.alert == alert
    assert block.record == record and "2024-06-01" in block.text
    alert.status = AlertStatus.HANDLED
    alert.save()
    assert not precheck(cadre, date(2025, 8, 1)).eligible  # handled is not closed
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.make_aware(datetime.combine(date(2025, 7, 1), time(10)))
    alert.save()
    assert precheck(cadre, date(2025, 8, 1)).eligible
    assert not precheck(cadre, date(2025, 6, 30)).eligible  # it was still open then


def test_an_alert_at_a_lower_line_does_not_block(cadre):
    Alert.objects.create(cadre=cadre, line="inquiry", points=6, raised_on=date(2025, 1, 1))
    assert precheck(cadre, date(2025, 2, 1)).eligible


def test_a_basically_competent_grade_blocks_until_a_later_grade(cadre, registry):
    CadreGrade.objects.create(cadre=cadre, unit=registry["town_a"], year=2024, grade="基本称职")
    [block] = precheck(cadre, date(2025, 3, 1)).blocks
    assert block.kind == BlockKind.GRADE and block.ends_on is None
    assert "2024年度" in block.text and "基本称职" in block.text
    CadreGrade.objects.create(cadre=cadre, unit=registry["town_a"], year=2025, grade="称职")
    assert precheck(cadre, date(2026, 3, 1)).eligible


def test_an_incompetent_grade_blocks_too(cadre, registry):
    CadreGrade.objects.create(cadre=cadre, unit=registry["town_a"], year=2024, grade="不称职")
    assert kinds(precheck(cadre, date(2025, 3, 1))) == [BlockKind.GRADE]


def test_missing_mandatory_checks_are_listed_but_do_not_decide(cadre):
    MandatoryCheck.objects.create(cadre=cadre, kind=MandatoryCheckKind.FILE_REVIEWED, done_on=date(2025, 5, 1))
    verdict = precheck(cadre, date(2025, 6, 1))
    assert verdict.eligible
    done = {state.kind: state.done for state in verdict.checks}
    assert done == {"file_reviewed": True, "personal_matters_verified": False, "discipline_opinion": False,
                    "petitions_investigated": False}
    assert len(verdict.missing_checks) == 3


def test_every_reason_is_listed_together(cadre, registry):
    add_record(cadre, "诫勉", day=date(2025, 4, 1))
    add_record(cadre, "函询", day=date(2025, 5, 1))
    CadreGrade.objects.create(cadre=cadre, unit=registry["town_a"], year=2024, grade="基本称职")
    assert kinds(precheck(cadre, date(2025, 6, 1))) == [BlockKind.IMPACT_PERIOD, BlockKind.OPEN_CASE,
                                                       BlockKind.GRADE]


# --- The command -----------------------------------------------------------------------------------


def run_precheck(*args) -> list[str]:
    out = io.StringIO()
    call_command("precheck", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_prints_eligible_first(cadre):
    assert run_precheck(cadre.id_number, "--date", "2025-06-01")[0] == "eligible"


def test_the_command_prints_blocked_then_every_reason_with_record_and_end_date(cadre):
    add_record(cadre, "党纪处分", "警告", day=date(2025, 3, 10), number="区纪〔2025〕3号")
    add_record(cadre, "函询", day=date(2025, 4, 1))
    lines = run_precheck(cadre.id_number, "--date", "2025-06-01")
    assert lines[0] == "blocked"
    assert "区纪〔2025〕3号" in lines[1] and "2026-03-10" in lines[1]
    assert "函询" in lines[2] and "无固定期限" in lines[2]
    event = AuditEvent.objects.get(action="supervision.precheck")
    assert event.object_id == str(cadre.pk) and event.detail["verdict"] == "blocked"


def test_the_command_refuses_an_unknown_id_number_in_chinese(registry):
    with pytest.raises(CommandError, match="系统中没有身份证号为 110105194912310038 的干部"):
        run_precheck("110105194912310038")


def test_the_command_refuses_a_bad_date(cadre):
    with pytest.raises(CommandError, match="日期应写成"):
        run_precheck(cadre.id_number, "--date", "2025/13/01")


# --- The pages -------------------------------------------------------------------------------------


@pytest.fixture
def officer_client(client, personas):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    return client


def test_the_page_shows_a_verdict_for_a_full_id_number_and_logs_it(officer_client, cadre):
    add_record(cadre, "诫勉", day=date(2025, 4, 1))
    page = officer_client.get(reverse("supervision:precheck"), {"q": cadre.id_number, "date": "2025-06-01"})
    text = page.content.decode()
    assert "存在影响提拔的情形" in text and "2025-10-01" in text and "凡提四必" in text
    assert "不单独决定" in text
    assert AuditEvent.objects.filter(action="supervision.precheck", object_id=str(cadre.pk)).count() == 1


def test_the_page_lets_the_officer_choose_among_several_matches(officer_client, registry):
    from cadres.models import Cadre

    Cadre.objects.create(name="张三丰", gender="M", id_number="110105194912310038")
    text = officer_client.get(reverse("supervision:precheck"), {"q": "张三"}).content.decode()
    assert "找到多名干部" in text and "张三丰" in text
    assert not AuditEvent.objects.filter(action="supervision.precheck").exists()


def test_batch_precheck_of_pasted_id_numbers_reports_unknown_and_invalid_lines(officer_client, registry):
    add_record(registry["cadre_a"], "诫勉", day=timezone.localdate())
    pasted = "\n".join([registry["cadre_a"].id_number, "", "110105194912310038", registry["cadre_b"].id_number,
                        "12345"])
    text = officer_client.post(reverse("supervision:precheck_batch"), {"id_numbers": pasted}).content.decode()
    assert "系统中没有身份证号为 110105194912310038 的干部" in text
    assert "身份证号应为18位" in text
    assert "张三" in text and "李四" in text and "存在影响提拔的情形" in text
    assert AuditEvent.objects.filter(action="supervision.precheck").count() == 2


def test_batch_precheck_reads_the_id_column_of_an_uploaded_sheet_and_downloads_excel(officer_client, registry):
    from django.core.files.uploadedfile import SimpleUploadedFile

    add_record(registry["cadre_a"], "函询", day=timezone.localdate())
    sheet = xlsx_bytes([["序号", "姓名", "身份证号"], [1, "张三", registry["cadre_a"].id_number],
                        [2, "某某", "110105194912310038"]], title="拟提拔人选")
    upload = SimpleUploadedFile("名单.xlsx", sheet)
    text = officer_client.post(reverse("supervision:precheck_batch"), {"file": upload}).content.decode()
    assert "尚无办理结果" in text and "系统中没有身份证号为 110105194912310038 的干部" in text

    response = officer_client.post(reverse("supervision:precheck_batch"), {
        "export": "xlsx", "line": ["4", "5"], "id_number": [registry["cadre_a"].id_number, "110105194912310038"],
        "problem": ["", ""]})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("行", "身份证号", "姓名")
    assert rows[1][0] == 4 and rows[1][2] == "张三" and rows[1][5] == "存在影响提拔的情形"
    assert "尚无办理结果" in rows[1][6]
    assert rows[2][0] == 5 and rows[2][5] == "未核查" and "系统中没有" in rows[2][6]
    assert AuditEvent.objects.filter(action="supervision.precheck.exported").count() == 1


def test_batch_precheck_refuses_a_sheet_without_an_id_column(officer_client, registry):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("名单.xlsx", xlsx_bytes([["姓名"], ["张三"]]))
    text = officer_client.post(reverse("supervision:precheck_batch"), {"file": upload}).content.decode()
    assert "找不到“身份证号”列" in text


def test_batch_precheck_refuses_more_lines_than_the_limit(officer_client, registry):
    from supervision.precheck_batch import MAX_LINES

    pasted = "\n".join([registry["cadre_a"].id_number] * (MAX_LINES + 1))
    text = officer_client.post(reverse("supervision:precheck_batch"), {"id_numbers": pasted}).content.decode()
    assert f"一次最多核查{MAX_LINES}人" in text
    assert not AuditEvent.objects.filter(action="supervision.precheck").exists()
