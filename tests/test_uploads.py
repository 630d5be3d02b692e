"""A department's statistics upload: check → preview → commit, history, rollback, and the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import Indicator, Period, PeriodState, Statistic, UnitResult
from cadres.models import Unit, UnitKind
from indicators.models import ImportBatch, ImportMode, ImportStatus, ValueVersion
from indicators.statistics_template import statistics_template_bytes
from indicators.uploads import (
    UploadError,
    batch_check,
    batch_commit,
    batch_receive,
    batch_rollback,
    import_statistics_file,
    problems_of,
)
from tests.sheets import xlsx_bytes

HEADER = ["单位代码", "单位名称", "G1 增速", "G2 完成率"]


def sheet(*rows, header=HEADER, title=True) -> bytes:
    lines = [["2024年统计数据"]] if title else []
    return xlsx_bytes([*lines, header, *rows], sheet="统计数据")


def stored(period) -> dict[tuple[str, str], object]:
    return {(s.unit.code, s.indicator.code): ("不适用" if s.not_applicable else s.value)
            for s in Statistic.objects.filter(period=period).select_related("unit", "indicator")}


def upload(district, data, *, mode=ImportMode.MERGE, accept_warnings=True, user=None) -> ImportBatch:
    return import_statistics_file(data, "tj.xlsx", period=district["period"], department=district["growth"].provider,
                                  mode=mode, accept_warnings=accept_warnings, user=user)


def where(batch: ImportBatch) -> list[tuple]:
    return [(p.row, p.column_letter, p.message) for p in problems_of(batch)]


def test_a_clean_upload_stores_the_changes_keeps_the_old_values_and_recomputes(
        district, django_capture_on_commit_callbacks):
    period = district["period"]
    before = stored(period)
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(district, sheet(["Z1", "东镇", 12, 100], ["Z2", "西镇", 20, "不适用"], ["Z3", "南镇", 30, 80]))
    assert batch.status == ImportStatus.COMMITTED, where(batch)
    assert batch.counts == {"cells": 6, "created": 0, "changed": 2, "cleared": 0, "unchanged": 4}
    after = stored(period)
    assert after[("Z1", "G1")] == Decimal(12) and after[("Z2", "G2")] == "不适用"
    assert {key for key in after if after[key] != before[key]} == {("Z1", "G1"), ("Z2", "G2")}
    # The replaced values are kept with the import that replaced them.
    versions = {(v.unit.code, v.indicator.code): v.value for v in ValueVersion.objects.filter(batch=batch)
                .select_related("unit", "indicator")}
    assert versions == {("Z1", "G1"): Decimal(10), ("Z2", "G2"): Decimal(50)}
    assert set(Statistic.objects.filter(batch=batch).values_list("unit__code", "indicator__code")) == {
        ("Z1", "G1"), ("Z2", "G2")}
    # The recompute ran once the upload was committed (eagerly here).
    assert UnitResult.objects.filter(period=period).count() == 3
    assert AuditEvent.objects.filter(action="statistics.import.committed").count() == 1


@pytest.mark.parametrize(("rows", "header", "expected"), [
    ([["Z9", "北镇", 1, 1]], HEADER, [(3, "A", "单位代码不是本考核方案的考核对象")]),
    ([["Z1", "东镇", 1, 1], ["Z1", "东镇", 2, 2]], HEADER, [(4, "A", "与第3行重复")]),
    ([["Z1", "东镇", "很多", 1]], HEADER, None),
    ([["Z1", "东镇", -5, 1]], HEADER, [(3, "C", "指标G1不能为负数")]),
    ([["Z1", "东镇", 1, 1]], ["单位代码", "单位名称", "G1 增速", "X9 不存在"], [(2, "D", "“X9”不是本考核方案的指标代码")]),
    ([["Z1", "东镇", 1, 1]], ["单位代码", "单位名称", "G1 增速", "G1 增速"], [(2, "D", "表头重复")]),
])
def test_every_bad_cell_is_reported_where_it_is_and_nothing_is_stored(district, rows, header, expected):
    before = stored(district["period"])
    batch = upload(district, sheet(*rows, header=header))
    assert batch.status == ImportStatus.FAILED
    if expected is None:  # a non-numeric value: the message explains what was expected
        assert [(row, letter) for row, letter, _message in where(batch)] == [(3, "C")]
        assert "应填数字或“不适用”" in where(batch)[0][2]
    else:
        assert [item for item in where(batch) if item[2] in {e[2] for e in expected}] == expected
    assert stored(district["period"]) == before
    assert not ValueVersion.objects.exists()


def test_an_indicator_of_another_department_is_refused(district):
    other = Unit.objects.create(code="FG", name="发改局", kind=UnitKind.DEPARTMENT)
    Indicator.objects.create(scheme=district["scheme"], code="G3", name="投资", dimension=district["growth"].dimension,
                             provider=other)
    batch = upload(district, sheet(["Z1", "东镇", 1, 1, 5], header=[*HEADER, "G3 投资"]))
    assert batch.status == ImportStatus.FAILED
    assert (2, "E", "指标G3由发改局提供，本部门不能填报") in where(batch)


def test_a_locked_period_takes_no_upload(district):
    period = district["period"]
    period.state = PeriodState.LOCKED
    period.save()
    batch = upload(district, sheet(["Z1", "东镇", 1, 1]))
    assert batch.status == ImportStatus.FAILED
    assert "考核周期2024已锁定或已发布" in problems_of(batch)[0].message


def test_warnings_must_be_accepted_before_the_commit(district):
    batch = batch_receive(data=sheet(["Z1", "东镇（原名）", 11, 100]), filename="tj.xlsx", period=district["period"],
                          department=district["growth"].provider)
    batch_check(batch)
    assert batch.status == ImportStatus.PREVIEWED
    assert [(p.row, p.column_letter, p.severity) for p in problems_of(batch)] == [(3, "B", "warning")]
    with pytest.raises(UploadError, match="请核实后勾选"):
        batch_commit(batch)
    assert stored(district["period"])[("Z1", "G1")] == Decimal(10)
    batch_commit(batch, accept_warnings=True)
    assert stored(district["period"])[("Z1", "G1")] == Decimal(11)


def test_a_value_far_outside_last_years_track_range_is_a_warning(district):
    last_year = Period.objects.create(scheme=district["scheme"], code="2023", start_date=date(2023, 1, 1),
                                      end_date=date(2023, 12, 31))
    for code, value in (("Z1", 10), ("Z2", 12), ("Z3", 14)):
        Statistic.objects.create(period=last_year, unit=district["towns"][code], indicator=district["growth"],
                                 value=value)
    batch = upload(district, sheet(["Z1", "东镇", 11, 100], ["Z2", "西镇", 95, 50]), accept_warnings=False)
    assert batch.status == ImportStatus.PREVIEWED  # checked, waiting for the warning to be accepted
    (warning,) = problems_of(batch)
    assert (warning.row, warning.column_letter, warning.severity) == (4, "C", "warning")
    assert "远超上期同赛道的数值范围（10～14）" in warning.message


def test_merge_keeps_blank_cells_and_replace_clears_them(district):
    period = district["period"]
    upload(district, sheet(["Z1", "东镇", None, 70]))
    assert stored(period)[("Z1", "G1")] == Decimal(10) and stored(period)[("Z1", "G2")] == Decimal(70)
    batch = upload(district, sheet(["Z1", "东镇", None, 70]), mode=ImportMode.REPLACE)
    assert batch.counts["cleared"] == 1
    assert ("Z1", "G1") not in stored(period)
    assert ValueVersion.objects.get(batch=batch).value == Decimal(10)


def test_a_blank_target_is_kept_when_merging_and_cleared_when_replacing(district):
    """The same value with its unit target left blank: merging keeps the stored target, replacing clears it."""
    period = district["period"]
    header = [*HEADER, "目标:G1"]

    def targets() -> dict[str, object]:
        return dict(Statistic.objects.filter(period=period, indicator__code="G1")
                    .values_list("unit__code", "target"))

    upload(district, sheet(["Z1", "东镇", 10, None, 60], ["Z2", "西镇", 20, None, 70], header=header))
    assert targets() == {"Z1": Decimal(60), "Z2": Decimal(70), "Z3": None}
    merged = upload(district, sheet(["Z1", "东镇", 10, None, None], header=header))
    assert merged.counts["changed"] == 0 and targets()["Z1"] == Decimal(60)
    replaced = upload(district, sheet(["Z2", "西镇", 20, None, None], header=header), mode=ImportMode.REPLACE)
    assert replaced.counts["changed"] == 1 and targets()["Z2"] is None
    assert ValueVersion.objects.get(batch=replaced, indicator__code="G1").target == Decimal(70)


def test_the_same_file_twice_changes_nothing_the_second_time(district):
    data = sheet(["Z1", "东镇", 12, 100], ["Z2", "西镇", 21, 50], ["Z3", "南镇", 30, 80])
    upload(district, data)
    versions, values = ValueVersion.objects.count(), stored(district["period"])
    again = upload(district, data, accept_warnings=False)
    assert again.status == ImportStatus.PREVIEWED  # the "already imported" note waits for the provider
    assert any("已于" in p.message and "导入过" in p.message for p in problems_of(again))
    batch_commit(again, accept_warnings=True)
    assert again.counts == {"cells": 6, "created": 0, "changed": 0, "cleared": 0, "unchanged": 6}
    assert ValueVersion.objects.count() == versions and stored(district["period"]) == values


def test_a_ninth_decimal_is_rounded_as_the_database_rounds_it_and_the_file_again_changes_nothing(district):
    data = sheet(["Z1", "东镇", 1.123456785, 100], ["Z2", "西镇", -0.0, 50])
    first = upload(district, data)
    assert stored(district["period"])[("Z1", "G1")] == Decimal("1.12345679")
    assert first.counts["changed"] == 2
    again = upload(district, data)
    assert again.counts == {"cells": 4, "created": 0, "changed": 0, "cleared": 0, "unchanged": 4}


def test_rolling_back_restores_values_and_results_and_refuses_an_older_batch(district):
    period = district["period"]
    original_values = stored(period)
    original_totals = dict(UnitResult.objects.filter(period=period).values_list("unit__code", "total"))
    first = upload(district, sheet(["Z1", "东镇", 40, 100]))
    assert not original_totals or dict(UnitResult.objects.filter(period=period)
                                       .values_list("unit__code", "total")) != original_totals
    second = upload(district, sheet(["Z2", "西镇", None, None], ["Z3", "南镇", 33, 90]), mode=ImportMode.REPLACE)
    assert ("Z2", "G1") not in stored(period)
    with pytest.raises(UploadError, match="请先撤销较新的导入"):
        batch_rollback(first)
    batch_rollback(second)
    batch_rollback(first)
    assert stored(period) == original_values
    from assessment.recompute import recompute_period

    recompute_period(period.pk)
    totals = dict(UnitResult.objects.filter(period=period).values_list("unit__code", "total"))
    first.refresh_from_db()
    assert first.status == ImportStatus.ROLLED_BACK and first.rolled_back_at is not None
    # The values written by the first batch are gone; the ones before it are back, with their origin.
    assert not Statistic.objects.filter(batch__in=[first, second]).exists()
    assert totals.keys() == {"Z1", "Z2", "Z3"}


def test_a_template_for_another_period_is_recognised(district):
    other = Period.objects.create(scheme=district["scheme"], code="2024H1", start_date=date(2024, 1, 1),
                                  end_date=date(2024, 6, 30), period_type="half")
    template = statistics_template_bytes(other, district["growth"].provider)
    batch = upload(district, template)
    assert batch.status == ImportStatus.FAILED
    assert "此文件是2024H1周期的模板，当前导入的是2024周期" in problems_of(batch)[0].message


def test_the_downloaded_template_uploaded_unchanged_changes_nothing(district):
    template = statistics_template_bytes(district["period"], district["growth"].provider)
    batch = upload(district, template, mode=ImportMode.REPLACE)
    assert batch.status == ImportStatus.COMMITTED, where(batch)
    assert batch.counts["created"] == batch.counts["changed"] == batch.counts["cleared"] == 0


def test_the_command_prints_every_problem_and_exits_non_zero(district, tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet(["Z9", "北镇", 1, 1], ["Z1", "东镇", "x", 1]))
    with pytest.raises(Exception, match="2处错误") as failure:
        call_command("import_statistics", str(bad), scheme=district["scheme"].name, period="2024", department="TJ")
    assert type(failure.value).__name__ == "CommandError"
    printed = capsys.readouterr().err
    assert "第3行" in printed and "第4行" in printed
    good = tmp_path / "good.xlsx"
    good.write_bytes(sheet(["Z1", "东镇", 15, 100]))
    call_command("import_statistics", str(good), scheme=district["scheme"].name, period="2024", department="TJ")
    assert "修改1项" in capsys.readouterr().out
    assert stored(district["period"])[("Z1", "G1")] == Decimal(15)


# --- The pages -------------------------------------------------------------------------------


@pytest.fixture
def provider_client(client, make_user, district):
    client.force_login(make_user("tianbao", [Role.DATA_PROVIDER], department=district["growth"].provider))
    return client


def test_a_provider_uploads_sees_the_preview_and_confirms(district, provider_client,
                                                         django_capture_on_commit_callbacks):
    period = district["period"]
    index = provider_client.get(reverse("indicators:index")).content.decode()
    assert reverse("indicators:upload", args=[period.pk]) in index
    template = provider_client.get(reverse("indicators:template_download", args=[period.pk]))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")

    data = sheet(["Z1", "东镇", 14, 100])
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):  # the check task runs once the upload is saved
        response = provider_client.post(reverse("indicators:upload", args=[period.pk]), {
            "file": SimpleUploadedFile("tj.xlsx", data), "mode": ImportMode.MERGE})
    page = provider_client.get(response.url).content.decode()
    assert "待确认" in page and "14" in page  # the preview lists the new value next to the old one
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.PREVIEWED and stored(period)[("Z1", "G1")] == Decimal(10)
    page = provider_client.post(reverse("indicators:batch_confirm", args=[batch.pk]), follow=True).content.decode()
    assert "已导入，正在重新计算考核结果" in page
    assert stored(period)[("Z1", "G1")] == Decimal(14)


def test_confirming_a_file_that_changes_nothing_says_so(district, provider_client, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    period = district["period"]
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(reverse("indicators:upload", args=[period.pk]), {
            "file": SimpleUploadedFile("tj.xlsx", sheet(["Z1", "东镇", 10, 100])), "mode": ImportMode.MERGE})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == ImportStatus.PREVIEWED
    version = Period.objects.get(pk=period.pk).inputs_version
    page = provider_client.post(reverse("indicators:batch_confirm", args=[batch.pk]), follow=True).content.decode()
    assert "没有任何修改" in page and "正在重新计算" not in page
    assert Period.objects.get(pk=period.pk).inputs_version == version  # and nothing is recomputed


def test_a_provider_cannot_touch_another_departments_uploads_or_a_locked_period(district, provider_client, make_user):
    other = Unit.objects.create(code="FG", name="发改局", kind=UnitKind.DEPARTMENT)
    foreign = batch_receive(data=sheet(["Z1", "东镇", 1, 1]), filename="fg.xlsx", period=district["period"],
                            department=other)
    assert provider_client.get(reverse("indicators:batch_detail", args=[foreign.pk])).status_code == 404
    assert provider_client.get(reverse("indicators:batch_file", args=[foreign.pk])).status_code == 404
    period = district["period"]
    period.state = PeriodState.LOCKED
    period.save()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = provider_client.post(reverse("indicators:upload", args=[period.pk]), {
        "file": SimpleUploadedFile("tj.xlsx", sheet(["Z1", "东镇", 1, 1])), "mode": ImportMode.MERGE})
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 1


def test_an_oversize_file_and_a_zip_bomb_are_refused_at_once(district, provider_client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("indicators:upload", args=[district["period"].pk])
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    response = provider_client.post(url, {"file": SimpleUploadedFile("big.xlsx", b"PK" + b"0" * 1_100_000),
                                          "mode": ImportMode.MERGE})
    assert "超过了1 MB的上限" in response.content.decode()
    import io
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 200 * 1024 * 1024)
    response = provider_client.post(url, {"file": SimpleUploadedFile("bomb.xlsx", bomb.getvalue()),
                                          "mode": ImportMode.MERGE})
    assert "疑似压缩炸弹" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_office_sees_who_has_uploaded_and_can_roll_back(district, client, make_user):
    batch = upload(district, sheet(["Z1", "东镇", 16, 100]))
    client.force_login(make_user("kaohe", [Role.ASSESSMENT_OFFICER]))
    page = client.get(reverse("indicators:period_uploads", args=[district["period"].pk])).content.decode()
    assert "统计局" in page and "100%" in page
    template = client.get(reverse("indicators:template_download", args=[district["period"].pk]), {"department": "TJ"})
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    client.post(reverse("indicators:batch_rollback", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.ROLLED_BACK
    rollback = AuditEvent.objects.get(action="statistics.import.rolled_back")
    assert (rollback.username, rollback.object_id) == ("kaohe", str(batch.pk))
    assert stored(district["period"])[("Z1", "G1")] == Decimal(10)


def test_the_annotated_copy_marks_the_bad_cells(district, provider_client):
    import io

    from openpyxl import load_workbook

    batch = upload(district, sheet(["Z1", "东镇", "abc", 1]))
    response = provider_client.get(reverse("indicators:batch_annotated", args=[batch.pk]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "问题清单"
    assert "应填数字" in book["统计数据"]["C3"].comment.text
    assert book["问题清单"]["B2"].value == "统计数据" and book["问题清单"]["C2"].value == 3


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_the_same_moment_give_exactly_one_of_them(district):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (CI runs this on PostgreSQL)")
    files = {
        "a": sheet(["Z1", "东镇", 101, 91], ["Z2", "西镇", 102, 92], ["Z3", "南镇", 103, 93]),
        "b": sheet(["Z1", "东镇", 201, 81], ["Z2", "西镇", 202, 82], ["Z3", "南镇", 203, 83]),
    }
    start = threading.Barrier(2)
    failures = []

    def send(name):
        try:
            start.wait()
            upload(district, files[name], mode=ImportMode.REPLACE)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(name,)) for name in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    values = {key: int(value) for key, value in stored(district["period"]).items()}
    first_file = {("Z1", "G1"): 101, ("Z2", "G1"): 102, ("Z3", "G1"): 103, ("Z1", "G2"): 91, ("Z2", "G2"): 92,
                  ("Z3", "G2"): 93}
    second_file = {("Z1", "G1"): 201, ("Z2", "G1"): 202, ("Z3", "G1"): 203, ("Z1", "G2"): 81, ("Z2", "G2"): 82,
                   ("Z3", "G2"): 83}
    assert values in (first_file, second_file)
    committed = ImportBatch.objects.filter(status=ImportStatus.COMMITTED).order_by("committed_at")
    assert committed.count() == 2
    # The later commit saw the earlier one's values and kept them as its history.
    later = committed.last()
    assert ValueVersion.objects.filter(batch=later).count() == 6


def test_component_scores_are_imported_as_a_batch_that_can_be_rolled_back(district, tmp_path, capsys):
    from assessment.models import ComponentScore

    path = tmp_path / "components.xlsx"
    path.write_bytes(xlsx_bytes([["单位代码", "班子民主测评"], ["Z1", 95], ["Z2", 80], ["Z3", 70]], sheet="板块得分"))
    call_command("import_components", str(path), scheme=district["scheme"].name, period="2024")
    assert "其中1个有变化" in capsys.readouterr().out
    batch = ImportBatch.objects.get(kind="components")
    assert batch.status == ImportStatus.COMMITTED and ValueVersion.objects.get(batch=batch).value == Decimal(90)
    assert ComponentScore.objects.get(unit__code="Z1").score == Decimal(95)
    batch_rollback(batch)
    assert ComponentScore.objects.get(unit__code="Z1").score == Decimal(90)

    path.write_bytes(xlsx_bytes([["单位代码", "班子民主测评"], ["Z1", 120]], sheet="板块得分"))
    with pytest.raises(Exception, match="1处错误"):
        call_command("import_components", str(path), scheme=district["scheme"].name, period="2024")
    assert "板块得分应在0到100之间" in capsys.readouterr().err


def test_a_unit_with_statistics_cannot_be_deleted(district):
    from django.db.models import ProtectedError

    upload(district, sheet(["Z1", "东镇", 5, 1], ["Z2", "西镇", 6, 2], ["Z3", "南镇", 7, 3]))
    with pytest.raises(ProtectedError):
        Unit.objects.get(code="Z1").delete()


@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_statistics_pointing_nowhere_even_past_the_application(district):
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the statement-level reference triggers exist on PostgreSQL only (CI runs this on PostgreSQL)")
    upload(district, sheet(["Z1", "东镇", 5, 1], ["Z2", "西镇", 6, 2], ["Z3", "南镇", 7, 3]))
    period, unit = district["period"], Unit.objects.get(code="Z1")
    indicator = Indicator.objects.get(scheme=period.scheme, code="G1")
    with connection.cursor() as cursor:
        for statement, params in (
            ("INSERT INTO indicators_statistic (period_id, unit_id, indicator_id, value, not_applicable, updated_at)"
             " VALUES (%s, %s, %s, 1, false, now())", [period.pk, 999_999, indicator.pk]),
            ("UPDATE indicators_statistic SET indicator_id = %s WHERE unit_id = %s", [999_999, unit.pk]),
            ("DELETE FROM cadres_unit WHERE id = %s", [unit.pk]),
            ("DELETE FROM indicators_indicator WHERE id = %s", [indicator.pk]),
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                cursor.execute(statement, params)
    assert Statistic.objects.filter(unit=unit).count() == 2
