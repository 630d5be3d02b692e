"""Periodic analyses of supervision (SPEC §7): the counts of a known small history, read back from Excel."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from cadres.models import Cadre
from supervision.models import (
    Alert,
    AlertStatus,
    Record,
    RecordType,
    ReportKind,
    SupervisionReport,
    UnitWarningState,
)
from supervision.reports import PeriodError, generate_report, period_end, period_label, report_tables
from supervision.tasks import generate_due_supervision_reports


def add_record(cadre, name, subtype, day, source):
    Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name=name, subtype=subtype), date=day,
                          source=source)


@pytest.fixture
def history(registry):
    """January 2026 and the December before it, in 甲镇 (张三) and 乙镇 (李四), plus 王五 who holds no post."""
    zhang, li = registry["cadre_a"], registry["cadre_b"]
    wang = Cadre.objects.create(name="王五", gender="M", id_number="110105194912310038")
    add_record(zhang, "提醒谈话", "", date(2026, 1, 5), "组织部")
    add_record(zhang, "审计问题", "一般", date(2026, 1, 20), "审计")
    add_record(li, "信访举报", "属实", date(2026, 1, 31), "信访")
    add_record(wang, "提醒谈话", "", date(2026, 1, 10), "组织部")
    add_record(li, "审计问题", "重大", date(2025, 12, 15), "审计")
    add_record(zhang, "诫勉", "", date(2026, 2, 1), "纪委监委")  # the month after: not counted
    Alert.objects.create(cadre=li, line="reminder", points=3, raised_on=date(2026, 1, 31))
    Alert.objects.create(cadre=li, line="reminder", points=3, raised_on=date(2025, 12, 15), status=AlertStatus.CLOSED,
                         closed_at=timezone.make_aware(datetime.combine(date(2026, 1, 20), time(9))))
    town_a, town_b = registry["town_a"], registry["town_b"]
    UnitWarningState.objects.create(unit=town_a, evaluated_on=date(2025, 12, 31), level="orange", reason="上期")
    UnitWarningState.objects.create(unit=town_a, evaluated_on=date(2026, 1, 31), level="red",
                                    reason="1 人达到诫勉线")
    UnitWarningState.objects.create(unit=town_b, evaluated_on=date(2026, 1, 15), level="yellow", reason="黄")
    UnitWarningState.objects.create(unit=town_b, evaluated_on=date(2026, 2, 10), level="orange", reason="之后")
    return registry


def test_a_monthly_report_counts_its_month_and_the_month_before(history):
    report = generate_report(ReportKind.MONTHLY, date(2026, 1, 1))
    assert report.period_end == date(2026, 1, 31)
    current, previous = report.data["current"], report.data["previous"]
    assert current["records"] == 4 and current["cadres"] == 3
    assert current["by_type"] == {"提醒谈话": 2, "审计问题": 1, "信访举报": 1}
    assert current["by_source"] == {"组织部": 2, "审计": 1, "信访": 1}
    assert current["by_unit"] == [{"code": "TA", "name": "甲镇", "count": 2}, {"code": "TB", "name": "乙镇", "count": 1}]
    assert current["without_unit"] == 1
    assert current["alerts"] == 1 and current["alerts_by_line"] == {"reminder": 1, "inquiry": 0, "admonishment": 0}
    assert current["alerts_closed"] == 1
    assert current["warnings_by_level"] == {"none": 0, "yellow": 1, "orange": 0, "red": 1}
    assert current["serious_units"] == [{"code": "TA", "name": "甲镇", "level": "red", "reason": "1 人达到诫勉线"}]
    assert previous["start"] == "2025-12-01" and previous["records"] == 1
    assert previous["by_unit"] == [{"code": "TB", "name": "乙镇", "count": 1}]
    assert previous["warnings_by_level"]["orange"] == 1 and previous["warnings_by_level"]["red"] == 0


def test_unit_warnings_are_computed_for_a_day_the_nightly_job_did_not_run(registry):
    add_record(registry["cadre_b"], "党纪处分", "警告", date(2025, 11, 10), "纪委监委")  # 6 points: inquiry line
    current = generate_report(ReportKind.MONTHLY, date(2025, 11, 1)).data["current"]
    assert current["warnings_by_level"] == {"none": 2, "yellow": 0, "orange": 1, "red": 0}  # 甲镇, 统计局; 乙镇
    [unit] = current["serious_units"]
    assert unit["code"] == "TB" and unit["level"] == "orange" and "函询线" in unit["reason"]


def test_the_trend_sets_each_figure_beside_the_previous_period(history):
    tables = report_tables(generate_report(ReportKind.MONTHLY, date(2026, 1, 1)))
    records = tables["summary"][0]
    assert records == {"name": "监督记录", "current": 4, "previous": 1, "change": 3, "percent": 300.0}
    by_type = {row["name"]: row for row in tables["by_type"]}
    assert by_type["审计问题"]["previous"] == 1 and by_type["审计问题"]["change"] == 0
    assert by_type["提醒谈话"]["percent"] is None  # nothing to compare with
    assert [(row["code"], row["current"], row["previous"]) for row in tables["by_unit"]] == [
        ("TA", 2, 0), ("TB", 1, 1), ("", 1, 0)]
    assert tables["by_unit"][-1]["name"] == "未在任"
    assert tables["previous_label"] == "2025年12月"


def test_quarterly_and_annual_reports_cover_their_whole_period(history):
    quarter = generate_report(ReportKind.QUARTERLY, date(2026, 1, 1))
    assert quarter.period_end == date(2026, 3, 31) and quarter.data["current"]["records"] == 5
    assert quarter.data["previous"]["start"] == "2025-10-01" and quarter.data["previous"]["records"] == 1
    year = generate_report(ReportKind.ANNUAL, date(2025, 1, 1))
    assert year.period_end == date(2025, 12, 31) and year.data["current"]["records"] == 1
    assert period_label(ReportKind.QUARTERLY, date(2026, 1, 1)) == "2026年第1季度"


def test_generating_again_refreshes_the_same_report(history, registry):
    first = generate_report(ReportKind.MONTHLY, date(2026, 1, 1))
    add_record(registry["cadre_a"], "通报批评", "", date(2026, 1, 25), "组织部")
    second = generate_report(ReportKind.MONTHLY, date(2026, 1, 1))
    assert second.pk == first.pk and second.data["current"]["records"] == 5
    assert SupervisionReport.objects.count() == 1


def test_a_period_must_start_on_its_first_day():
    with pytest.raises(PeriodError, match="不是季度分析的起始日期"):
        period_end(ReportKind.QUARTERLY, date(2026, 2, 1))


def test_the_scheduled_task_makes_the_missing_reports_once(history):
    made = generate_due_supervision_reports("2026-02-10")
    reports = {(report.kind, report.period_start) for report in SupervisionReport.objects.filter(pk__in=made)}
    assert reports == {(ReportKind.MONTHLY, date(2026, 1, 1)), (ReportKind.QUARTERLY, date(2025, 10, 1)),
                       (ReportKind.ANNUAL, date(2025, 1, 1))}
    assert generate_due_supervision_reports("2026-02-11") == []


@pytest.fixture
def officer(client, personas):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    return client


def test_an_officer_generates_a_report_and_reads_it_as_a_page(officer, history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(reverse("supervision:report_generate"), {"kind": "monthly", "month": "2026-01"})
    report = SupervisionReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("supervision:reports") + "?kind=monthly"
    assert AuditEvent.objects.filter(action="supervision.report.requested").count() == 1
    assert AuditEvent.objects.get(action="supervision.report.generated").username == "supervisor"
    page = officer.get(reverse("supervision:report_detail", kwargs={"report_pk": report.pk})).content.decode()
    assert "2026年1月月度简报" in page and "2025年12月" in page
    assert "+300.0%" in page and "未在任" in page and "1 人达到诫勉线" in page
    listing = officer.get(reverse("supervision:reports")).content.decode()
    assert "2026-01-01 – 2026-01-31" in listing


def test_a_report_for_a_month_not_yet_begun_is_refused(officer, registry, django_capture_on_commit_callbacks):
    next_year = timezone.localdate().year + 1
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(reverse("supervision:report_generate"), {"kind": "annual", "month": f"{next_year}-01"})
    assert not SupervisionReport.objects.exists()
    assert "不能为尚未开始的月份生成报告" in officer.get(response.url).content.decode()


def test_the_report_list_has_a_clear_empty_state(officer, registry):
    assert "还没有分析报告" in officer.get(reverse("supervision:reports")).content.decode()


def test_the_excel_download_reads_back_and_is_logged(officer, history):
    report = generate_report(ReportKind.MONTHLY, date(2026, 1, 1))
    response = officer.get(reverse("supervision:report_download", kwargs={"report_pk": report.pk}))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:4] == ["概况", "按类型", "按来源部门", "按单位"]
    summary = list(book["概况"].iter_rows(values_only=True))
    assert summary[0] == ("项目", "2026年1月", "2025年12月", "增减", "增减（%）")
    assert summary[1] == ("监督记录", 4, 1, 3, 300)
    units = list(book["按单位"].iter_rows(values_only=True))
    assert units[1] == ("TA", "甲镇", 2, 0, 2, None) and units[2] == ("TB", "乙镇", 1, 1, 0, 0)
    sources = {row[0]: row[1] for row in book["按来源部门"].iter_rows(min_row=2, values_only=True)}
    assert sources == {"组织部": 2, "审计": 1, "信访": 1}
    assert AuditEvent.objects.filter(action="supervision.report.exported", object_id=str(report.pk)).exists()
