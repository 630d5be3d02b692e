"""Importing a batch of supervision records (SPEC §9): every row checked, all or nothing, twice is once."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from cadres.models import Cadre
from supervision.models import Alert, ImportStatus, Record, RecordImportBatch, RecordType, RecordVersion
from supervision.record_import import import_records
from tests.office_files import Sheet, Text, fods_text, libreoffice_files, soffice_path
from tests.sheets import make_id_number, xlsx_bytes

HEADER = ["身份证号", "姓名", "类型", "细类", "日期", "文号", "来源部门", "摘要"]
ZHANG = "11010519491231002X"  # 张三 of the registry fixture
LI = "440524188001010014"  # 李四
UNKNOWN = make_id_number("19800101", 11)


def records_file(rows: list[list[object]], *, title: str | None = "2026年监督记录报送表", trailing_blank_rows: int = 0,
                 header: list[str] = HEADER) -> bytes:
    return xlsx_bytes([header, *rows, *([[None] * len(header)] * trailing_blank_rows)], sheet="监督记录",
                      title=title, text_columns=(0,))


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def officer(personas):
    return personas[Role.SUPERVISION_OFFICER]


def days_ago(today: datetime.date, days: int) -> datetime.date:
    return today - datetime.timedelta(days=days)


def problems_at(result) -> dict[tuple[int, str], str]:
    return {(problem.row, problem.column): problem.message for problem in result.errors}


# --- Problems: every one reported, nothing stored ---------------------------------------------------


def test_an_ambiguous_name_an_unknown_id_number_and_a_bad_date_are_all_reported_and_nothing_is_stored(
        registry, officer, today):
    Cadre.objects.create(name="张三", gender="M", id_number=make_id_number("19750505", 21))  # a second 张三
    data = records_file([
        [ZHANG, "张三", "提醒谈话", None, days_ago(today, 3), "云组谈〔2026〕1号", "组织部", "作风不实"],  # good
        [None, "张三", "提醒谈话", None, days_ago(today, 3), "云组谈〔2026〕2号", "组织部", ""],  # which 张三?
        [UNKNOWN, "王五", "通报批评", None, days_ago(today, 5), "", "纪委监委", ""],
        [LI, "李四", "审计问题", "一般", "2026-13-45", "云审〔2026〕1号", "审计", ""],
    ], trailing_blank_rows=3)

    result = import_records(data, "问题批次.xlsx", user=officer)

    # Title on row 1, a blank row 2, the header on row 3: the rows are 4 to 7, as a spreadsheet shows them.
    problems = problems_at(result)
    assert set(problems) == {(5, "身份证号"), (6, "身份证号"), (7, "日期")}
    assert "姓名为“张三”的干部有2人" in problems[(5, "身份证号")]
    assert "系统中没有这个身份证号的干部" in problems[(6, "身份证号")]
    assert "不是有效的日期" in problems[(7, "日期")]
    assert all(problem.sheet == "监督记录" for problem in result.errors)
    assert [problem.column_letter for problem in result.errors] == ["A", "A", "E"]

    assert not result.committed and not Record.objects.exists() and not Alert.objects.exists()
    batch = RecordImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED and batch.row_count == 4 and len(batch.problems) == 3
    with batch.file.open("rb") as handle:
        assert handle.read() == data
    assert AuditEvent.objects.filter(action="supervision.import.failed", object_id=str(batch.pk)).exists()


@pytest.mark.parametrize(("row", "column", "words"), [
    ([ZHANG, "李四", "提醒谈话", None, "TODAY", "", "组织部", ""], "姓名", "该身份证号登记的干部是“张三”"),
    ([ZHANG, "张三", "党纪处分", None, "TODAY", "", "纪委监委", ""], "细类", "须填写细类"),
    ([ZHANG, "张三", "党纪处分", "罚款", "TODAY", "", "纪委监委", ""], "细类", "没有细类“罚款”"),
    ([ZHANG, "张三", "提醒谈话", "严肃", "TODAY", "", "组织部", ""], "细类", "没有细类，请把细类留空"),
    ([ZHANG, "张三", "警告", None, "TODAY", "", "纪委监委", ""], "类型", "“党纪处分”或“政务处分”"),
    ([ZHANG, "张三", "约谈", None, "TODAY", "", "组织部", ""], "类型", "没有名为“约谈”"),
    ([ZHANG, "张三", "提醒谈话", None, "TOMORROW", "", "组织部", ""], "日期", "晚于今天"),
    ([ZHANG, "张三", "提醒谈话", None, None, "", "组织部", ""], "日期", "日期不能为空"),
    ([ZHANG, "张三", "提醒谈话", None, "TODAY", "", None, ""], "来源部门", "来源部门不能为空"),
    (["11010519491231002Y", "张三", "提醒谈话", None, "TODAY", "", "组织部", ""], "身份证号", "只能由数字和末位的X组成"),
])
def test_a_wrong_cell_is_reported_where_it_is(registry, officer, today, row, column, words):
    row = [today if cell == "TODAY" else today + datetime.timedelta(days=1) if cell == "TOMORROW" else cell
           for cell in row]
    result = import_records(records_file([row]), "a.xlsx", user=officer)
    assert [(problem.row, problem.column) for problem in result.errors] == [(4, column)]
    assert words in result.errors[0].message
    assert not Record.objects.exists()


def test_rows_repeated_inside_the_file_are_refused(registry, officer, today):
    row = [ZHANG, "张三", "审计问题", "一般", today, "云审〔2026〕5号", "审计", "往来款"]
    result = import_records(records_file([row, [LI, "李四", "提醒谈话", None, today, "", "组织部", ""], row]), "a.xlsx")
    assert [(problem.row, problem.column, problem.message) for problem in result.errors] == [
        (6, "文号", "与第4行重复（同一干部、类型、日期和文号）")]
    assert not Record.objects.exists()


def test_a_row_repeated_in_a_file_is_refused_even_when_the_record_is_stored(registry, officer, today):
    row = [LI, "李四", "通报批评", None, today, "云纪通〔2026〕1号", "纪委监委", ""]
    import_records(records_file([row]), "a.xlsx")
    result = import_records(records_file([row, row]), "b.xlsx")
    assert [(problem.row, problem.message) for problem in result.errors] == [(5, "与第4行重复（同一干部、类型、日期和文号）")]
    assert Record.objects.count() == 1


def test_a_file_that_is_not_a_spreadsheet_or_lacks_a_column_is_refused(registry, officer, today):
    result = import_records(b"%PDF-1.4 not a sheet", "records.xlsx", user=officer)
    assert not result.committed and "不是有效的表格文件" in result.errors[0].message

    missing_source = records_file([[ZHANG, "张三", "提醒谈话", None, today, "", ""]], header=HEADER[:6] + ["摘要"])
    result = import_records(missing_source, "records.xlsx", user=officer)
    assert not result.committed and "缺少必需的列“来源部门”" in result.errors[0].message
    assert RecordImportBatch.objects.filter(status=ImportStatus.FAILED).count() == 2


# --- A good file ------------------------------------------------------------------------------------


def good_rows(today: datetime.date) -> list[list[object]]:
    twenty = days_ago(today, 20)
    thirty = days_ago(today, 30)
    return [
        # Dates as an Excel date, as 2024/3/5 text and as 2024年3月5日 text.
        [ZHANG, "张三", "党纪处分", "警告", days_ago(today, 10), "云纪〔2026〕3号", "纪委监委", "违规接受宴请"],
        [ZHANG, "张 三", "提醒谈话", None, f"{twenty.year}/{twenty.month}/{twenty.day}", "", "组织部", ""],
        # An ID number typed as a number (Excel keeps 15 digits) still finds the one cadre it can be.
        [float(LI), "李四", "信访举报", "收到", f"{thirty.year}年{thirty.month}月{thirty.day}日", "云信〔2026〕8号",
         "信访", "反映其作风粗暴"],
        [LI.lower(), "李四", "党纪处分·严重警告", None, days_ago(today, 40), "云纪〔2026〕1号", "纪委监委", ""],
    ]


def test_a_good_file_stores_every_row_and_raises_the_alerts_at_once(registry, officer, today):
    data = records_file(good_rows(today), trailing_blank_rows=4)

    result = import_records(data, "纪委监委报送.xlsx", user=officer)

    assert result.errors == [], [str(problem) for problem in result.errors]
    assert result.committed and result.rows_read == 4 and result.created == 4 and result.unchanged == 0
    [warning] = result.warnings
    assert warning.row == 6 and warning.column == "身份证号" and "李四" in warning.message
    batch = result.batch
    assert batch.status == ImportStatus.COMMITTED and batch.created_count == 4
    assert set(Record.objects.values_list("import_batch", flat=True)) == {batch.pk}
    assert Record.objects.filter(cadre=registry["cadre_a"]).count() == 2
    assert Record.objects.get(document_number="云纪〔2026〕1号").record_type == RecordType.objects.get(
        name="党纪处分", subtype="严重警告")
    # 张三: 6 + 1 = 7 points (inquiry line); 李四: 0 + 8 = 8 points (inquiry line).
    assert sorted((alert.cadre.name, alert.line) for alert in result.alerts) == [("张三", "inquiry"), ("李四", "inquiry")]
    assert Alert.objects.count() == 2
    assert AuditEvent.objects.filter(action="supervision.import.committed", user=officer).exists()


def test_importing_the_same_file_twice_changes_nothing(registry, officer, today):
    data = records_file(good_rows(today))
    import_records(data, "a.xlsx", user=officer)
    before = (list(Record.objects.order_by("pk").values()), RecordVersion.objects.count(), Alert.objects.count())

    again = import_records(data, "a.xlsx", user=officer)

    assert again.committed and again.created == 0 and again.unchanged == 4 and again.alerts == []
    assert (list(Record.objects.order_by("pk").values()), RecordVersion.objects.count(), Alert.objects.count()) == before
    assert any("已于" in problem.message and "导入过" in problem.message for problem in again.warnings)


def test_a_later_file_records_the_outcome_of_a_stored_inquiry(registry, officer, today):
    sent, answered = days_ago(today, 50), days_ago(today, 8)
    first = records_file([[ZHANG, "张三", "函询", None, sent, "云纪函〔2026〕4号", "纪委监委", "反映违规兼职"]])
    import_records(first, "函询.xlsx", user=officer)
    inquiry = Record.objects.get()

    later = records_file([[ZHANG, "张三", "函询", "诫勉", answered, "云纪函〔2026〕4号", "纪委监委", "情况属实"]])
    result = import_records(later, "函询结果.xlsx", user=officer)

    assert result.committed and result.created == 0 and result.outcomes_recorded == 1 and result.follow_ups == 1
    inquiry.refresh_from_db()
    assert str(inquiry.record_type) == "函询·诫勉" and inquiry.date == sent
    assert RecordVersion.objects.get(record=inquiry).snapshot["record_type"] == "函询"
    follow_up = Record.objects.get(follows=inquiry)
    assert str(follow_up.record_type) == "诫勉" and follow_up.date == answered
    assert [alert.line for alert in result.alerts] == ["inquiry"]  # 2 + 4 points

    again = import_records(later, "函询结果.xlsx", user=officer)
    assert again.committed and again.outcomes_recorded == 0 and again.follow_ups == 0 and again.unchanged == 1
    assert Record.objects.count() == 2 and RecordVersion.objects.count() == 1


def test_a_different_outcome_for_an_inquiry_that_has_one_is_refused(registry, officer, today):
    import_records(records_file([[ZHANG, "张三", "函询", "批评教育", days_ago(today, 9), "云纪函〔2026〕6号",
                                  "纪委监委", ""]]), "a.xlsx")
    result = import_records(records_file([[ZHANG, "张三", "函询", "采信了结", days_ago(today, 2), "云纪函〔2026〕6号",
                                           "纪委监委", ""]]), "b.xlsx")
    assert not result.committed and "已登记办理结果“批评教育”" in result.errors[0].message
    assert str(Record.objects.get().record_type) == "函询·批评教育"


def test_an_admonishment_reported_beside_its_inquiry_is_linked_not_doubled(registry, officer, today):
    day = days_ago(today, 5)
    result = import_records(records_file([
        [LI, "李四", "函询", "诫勉", day, "云纪函〔2026〕9号", "纪委监委", ""],
        [LI, "李四", "诫勉", None, day, "云纪函〔2026〕9号", "纪委监委", "诫勉谈话"],
    ]), "a.xlsx")
    assert result.committed and result.created == 2 and result.follow_ups == 0
    inquiry = Record.objects.get(record_type__name="函询")
    assert Record.objects.get(record_type__name="诫勉").follows == inquiry


# --- The command ------------------------------------------------------------------------------------


def test_the_command_prints_every_problem_and_exits_non_zero(registry, tmp_path, today):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(records_file([
        [UNKNOWN, "王五", "提醒谈话", None, today, "", "组织部", ""],
        [ZHANG, "张三", "提醒谈话", None, "昨天", "", "组织部", ""],
    ]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_records", str(path), stdout=out, stderr=err)
    assert failed.value.returncode == 1 and "2处错误" in str(failed.value)
    lines = err.getvalue().splitlines()
    assert len(lines) == 2
    assert "第4行" in lines[0] and "“身份证号”列（A列）" in lines[0] and "系统中没有这个身份证号的干部" in lines[0]
    assert "第5行" in lines[1] and "“日期”列（E列）" in lines[1] and "不是有效的日期" in lines[1]
    assert not Record.objects.exists()


def test_the_command_imports_and_prints_the_counts(registry, officer, tmp_path, today):
    path = tmp_path / "good.xlsx"
    path.write_bytes(records_file(good_rows(today)))
    out = io.StringIO()
    call_command("import_records", str(path), "--user", officer.username, stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "读取4行，新增记录4条，已有记录0条" in text and "新预警2条" in text
    assert "张三 积分 7 分，已达到函询线，已生成预警" in text
    assert RecordImportBatch.objects.get().uploaded_by == officer

    with pytest.raises(CommandError, match="找不到用户"):
        call_command("import_records", str(path), "--user", "nobody-here", stdout=io.StringIO())


# --- Files written by LibreOffice -------------------------------------------------------------------


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")
def test_xls_and_ods_files_written_by_libreoffice_import_alike(registry, officer, tmp_path, today):
    day = days_ago(today, 12)
    sheet = Sheet(name="监督记录", merges=("A1:H1",), rows=[
        ["监督记录报送表", None, None, None, None, None, None, None],
        [],
        HEADER,
        [Text(ZHANG), "张三", "审计问题", "重大", f"{day.year}/{day.month}/{day.day}", "云审〔2026〕7号", "审计", "超概算"],
        [Text(LI), "李四", "提醒谈话", None, day.isoformat(), "", "组织部", ""],
        [],
    ])
    files = libreoffice_files({"records": fods_text(sheet)}, tmp_path, formats=("xls", "ods"))["records"]

    for extension in ("xls", "ods"):
        result = import_records(files[extension], f"records.{extension}", user=officer)
        assert result.errors == [], (extension, [str(problem) for problem in result.errors])
        assert result.rows_read == 2
    assert Record.objects.count() == 2  # the second format found the first one's records
    assert sorted(Record.objects.values_list("cadre__name", "record_type__subtype", "date")) == [
        ("张三", "重大", day), ("李四", "", day)]


# --- Pages ------------------------------------------------------------------------------------------


def test_the_import_page_shows_the_problems_the_history_and_the_original_file(client, registry, officer, today):
    client.force_login(officer)
    bad = records_file([[UNKNOWN, "王五", "提醒谈话", None, today, "", "组织部", ""]])
    response = client.post(reverse("supervision:record_import"), {"file": SimpleUploadedFile("报送.xlsx", bad)})
    batch = RecordImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("supervision:record_import_batch", kwargs={"batch_pk": batch.pk})

    page = client.get(response.url).content.decode()
    assert "未导入任何记录" in page and "系统中没有这个身份证号的干部" in page and "身份证号" in page

    history = client.get(reverse("supervision:record_import")).content.decode()
    assert "报送.xlsx" in history and "有错误，未导入" in history

    original = client.get(reverse("supervision:record_import_file", kwargs={"batch_pk": batch.pk}))
    assert b"".join(original.streaming_content) == bad
    assert AuditEvent.objects.filter(action="supervision.import.file_downloaded", user=officer).exists()


def test_a_good_upload_lists_the_records_and_tells_of_the_alerts(client, registry, officer, today):
    client.force_login(officer)
    response = client.post(reverse("supervision:record_import"),
                           {"file": SimpleUploadedFile("good.xlsx", records_file(good_rows(today)))}, follow=True)
    page = response.content.decode()
    assert "已导入：读取4行，新增记录4条" in page
    assert "张三 积分 7 分，已达到函询线，已生成预警" in page
    assert page.count(reverse("supervision:record_edit", kwargs={"record_pk": Record.objects.first().pk})) == 1


def test_the_import_page_refuses_a_file_of_the_wrong_kind_before_reading_it(client, registry, officer):
    client.force_login(officer)
    response = client.post(reverse("supervision:record_import"), {"file": SimpleUploadedFile("notes.txt", b"hello")})
    assert response.status_code == 200 and "只接受 .xlsx、.xls 或 .ods" in response.content.decode()
    assert not RecordImportBatch.objects.exists()
