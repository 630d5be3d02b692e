"""The cadre roster import (SPEC §9): all-or-nothing, every problem located, idempotent."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from cadres.models import Appointment, Cadre
from cadres.roster import import_roster
from tests.sheets import make_id_number, roster_xlsx

WANG = make_id_number("19800512", 11, male=True)
ZHAO = make_id_number("19850303", 12, male=False)


def good_rows():
    return [
        [WANG, "王建国", "男", date(1980, 5, 12), "TA", "镇长", "正职", date(2021, 1, 5), "正科级"],
        [ZHAO, "赵晓梅", "女", date(1985, 3, 3), "TB", "副镇长", "副职", "2022/3/1", "副科级"],
    ]


@pytest.mark.django_db
def test_it_imports_a_roster_with_a_title_row(registry):
    result = import_roster(roster_xlsx(good_rows()), "名册.xlsx")
    assert result.committed and not result.errors
    assert (result.cadres_created, result.appointments_opened) == (2, 2)
    wang = Cadre.objects.with_id_number(WANG).get()
    assert (wang.name, wang.gender, wang.birth_date, wang.rank) == ("王建国", "M", date(1980, 5, 12), "正科级")
    post = wang.appointments.get()
    assert (post.unit.code, post.title, post.role, post.start_date) == ("TA", "镇长", "principal", date(2021, 1, 5))
    assert AuditEvent.objects.filter(action="cadres.roster.imported").count() == 1


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing_the_second_time(registry):
    data = roster_xlsx(good_rows())
    import_roster(data, "名册.xlsx")
    again = import_roster(data, "名册.xlsx")
    assert again.changes == 0
    assert (again.cadres_unchanged, again.appointments_unchanged) == (2, 2)
    assert Appointment.objects.filter(cadre__in=Cadre.objects.with_id_numbers([WANG, ZHAO])).count() == 2


@pytest.mark.django_db
def test_a_move_to_another_unit_ends_the_old_appointment_the_day_before(registry):
    import_roster(roster_xlsx(good_rows()), "名册.xlsx")
    moved = [[WANG, "王建国", "男", date(1980, 5, 12), "TB", "党委书记", "正职", date(2024, 3, 1), "正科级"]]
    result = import_roster(roster_xlsx(moved), "调整.xlsx")
    assert (result.appointments_opened, result.appointments_ended) == (1, 1)
    posts = {post.unit.code: post for post in Cadre.objects.with_id_number(WANG).get().appointments.all()}
    assert posts["TA"].end_date == date(2024, 2, 29)
    assert posts["TB"].end_date is None and posts["TB"].start_date == date(2024, 3, 1)


@pytest.mark.django_db
def test_a_file_with_bad_cells_stores_nothing_and_lists_every_problem(registry):
    rows = good_rows() + [
        [with_wrong_check_character(make_id_number("19700101", 13)), "钱七", "男", "", "TA", "副镇长", "副职", date(2020, 1, 1), ""],
        [make_id_number("19710101", 14), "孙八", "男", "", "XX", "副镇长", "副职", date(2020, 1, 1), ""],
        [make_id_number("19720101", 15), "", "男", "", "TA", "", "领导", "不是日期", "处长"],
    ]
    before = Cadre.objects.count()
    result = import_roster(roster_xlsx(rows), "名册.xlsx")
    assert not result.committed
    assert Cadre.objects.count() == before and not Cadre.objects.with_id_number(WANG).exists()
    located = {(problem.row, problem.column) for problem in result.errors}
    # The title row and a blank row sit above the header (row 3); data starts on row 4.
    assert (6, "身份证号") in located  # bad check character
    assert (7, "单位代码") in located  # unknown unit
    assert {(8, "姓名"), (8, "职务"), (8, "类别"), (8, "任职时间"), (8, "职级")} <= located
    messages = [str(problem) for problem in result.errors]
    assert any("第6行" in text and "校验位错误" in text for text in messages)
    assert any("第7行" in text and "单位代码不存在" in text and "XX" in text for text in messages)


@pytest.mark.django_db
def test_an_id_number_stored_as_a_number_is_an_error_not_a_guess(registry):
    rows = [[110105194912310020, "张三", "男", "", "TA", "镇长", "正职", date(2021, 1, 1), ""]]
    result = import_roster(roster_xlsx(rows), "名册.xlsx")
    assert not result.committed
    assert "存成了数字" in result.errors[0].message


@pytest.mark.django_db
def test_a_birth_date_contradicting_the_id_number_is_a_warning(registry):
    rows = [[WANG, "王建国", "男", date(1981, 5, 12), "TA", "镇长", "正职", date(2021, 1, 5), ""]]
    result = import_roster(roster_xlsx(rows), "名册.xlsx")
    assert result.committed
    assert [problem.message for problem in result.warnings] == ["出生日期与身份证号不符（按身份证号应为1980-05-12）"]


@pytest.mark.django_db
def test_a_file_that_is_not_a_spreadsheet_is_refused_in_chinese(registry):
    result = import_roster(b"not a spreadsheet", "名册.xlsx")
    assert not result.committed and result.errors[0].message == "文件扩展名是 xlsx，但内容不是有效的表格文件"
    result = import_roster(b"PK\x03\x04", "名册.pdf")
    assert result.errors[0].message == "只接受 .xlsx、.xls 或 .ods 格式的表格文件"


@pytest.mark.django_db
def test_a_roster_without_the_required_columns_names_them(registry):
    from tests.sheets import xlsx_bytes

    result = import_roster(xlsx_bytes([["身份证号", "姓名"], [WANG, "王建国"]]), "名册.xlsx")
    assert {problem.message for problem in result.errors} >= {"缺少必需的列“单位代码”", "缺少必需的列“任职时间”"}


@pytest.mark.django_db
def test_the_command_imports_a_file_and_fails_on_errors(registry, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(roster_xlsx(good_rows()))
    call_command("import_cadres", str(good))
    assert Cadre.objects.with_id_numbers([WANG, ZHAO]).count() == 2

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(roster_xlsx([[WANG, "王建国", "男", "", "NOPE", "镇长", "正职", date(2021, 1, 5), ""]]))
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_cadres", str(bad))


def test_the_command_exits_non_zero_on_a_bad_file(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"garbage")
    completed = subprocess.run(
        [sys.executable, "manage.py", "import_cadres", str(bad)], cwd=Path(settings.BASE_DIR),
        capture_output=True, text=True, env={**__import__("os").environ, "SQLITE_NAME": str(tmp_path / "x.sqlite3")},
    )
    assert completed.returncode != 0
    assert "不是有效的表格文件" in completed.stderr


@pytest.mark.django_db
def test_an_officer_uploads_previews_and_confirms_in_the_browser(client, personas, registry):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    upload = client.post(reverse("cadres:roster_import"), {"file": _file(roster_xlsx(good_rows()))})
    page = upload.content.decode()
    assert "检查通过，请确认导入" in page
    assert not Cadre.objects.with_id_number(WANG).exists()  # nothing stored before confirmation
    token = upload.context["token"]
    confirmed = client.post(reverse("cadres:roster_import_confirm"), {"token": token})
    assert confirmed.status_code == 302
    assert Cadre.objects.with_id_numbers([WANG, ZHAO]).count() == 2
    # A token is good for one confirmation only.
    again = client.post(reverse("cadres:roster_import_confirm"), {"token": token}, follow=True)
    assert "待导入的文件已失效" in again.content.decode()


@pytest.mark.django_db
def test_an_upload_with_errors_shows_them_and_offers_no_confirmation(client, personas, registry):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    rows = [[WANG, "王建国", "男", "", "NOPE", "镇长", "正职", date(2021, 1, 5), ""]]
    page = client.post(reverse("cadres:roster_import"), {"file": _file(roster_xlsx(rows))}).content.decode()
    assert "文件未导入" in page and "单位代码不存在" in page and "确认导入" not in page


def with_wrong_check_character(id_number: str) -> str:
    return id_number[:-1] + ("1" if id_number[-1] == "0" else "0")


def _file(data: bytes, name: str = "名册.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
