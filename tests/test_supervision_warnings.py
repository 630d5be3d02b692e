"""Unit warnings (红橙黄预警) and efficiency warnings (效能预警) of SPEC §7, the two export commands,
and the overview and efficiency pages."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import (
    Adjustment,
    Dimension,
    Direction,
    Indicator,
    Method,
    Period,
    PeriodState,
    Statistic,
)
from cadres.models import Appointment, AppointmentRole, Cadre, Unit, UnitKind
from supervision.efficiency import evaluate_efficiency_warnings
from supervision.evaluation import evaluate_everyone
from supervision.models import EfficiencyWarning, Record, RecordType, UnitWarningState

pytestmark = pytest.mark.django_db
DAY = date(2024, 6, 30)


def team(code: str, size: int, *, kind=UnitKind.TOWNSHIP) -> tuple[Unit, list[Cadre]]:
    unit = Unit.objects.create(code=code, name=f"{code}镇", kind=kind)
    cadres = []
    for index in range(size):
        cadre = Cadre.objects.create(name=f"{code}干部{index}", gender="F", id_number=f"{code}{index:016d}")
        Appointment.objects.create(cadre=cadre, unit=unit, title="委员", role=AppointmentRole.MEMBER,
                                   start_date=date(2020, 1, 1))
        cadres.append(cadre)
    return unit, cadres


def give(cadre, name: str, subtype: str = "", day: date = DAY) -> None:
    Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name=name, subtype=subtype), date=day,
                          source="信访")


def warning_of(unit) -> UnitWarningState:
    return UnitWarningState.objects.get(unit=unit, evaluated_on=DAY)


@pytest.mark.parametrize(("with_points", "level"), [(0, "none"), (1, "yellow"), (2, "orange"), (3, "red")])
def test_the_share_of_cadres_with_points_colours_a_unit(with_points, level):
    unit, cadres = team("S", 10)
    for cadre in cadres[:with_points]:
        give(cadre, "提醒谈话")  # one point each: below every line
    evaluate_everyone(DAY)
    warning = warning_of(unit)
    assert warning.level == level
    assert warning.reason == f"{with_points}/10 名干部近12个月有监督记录"
    assert (warning.cadres, warning.cadres_with_points) == (10, with_points)
    assert warning.share == Decimal(with_points) / 10


def test_one_cadre_at_a_line_colours_a_large_unit_whatever_the_share():
    unit, cadres = team("L", 20)
    give(cadres[0], "党纪处分", "警告")  # 6: the inquiry line
    evaluate_everyone(DAY)
    assert warning_of(unit).level == "orange"
    assert warning_of(unit).reason == "1/20 名干部近12个月有监督记录；1 人达到函询线"


def test_a_small_team_is_coloured_by_the_lines_alone():
    unit, cadres = team("X", 3)
    give(cadres[0], "提醒谈话")  # a third of the team, but only one point
    evaluate_everyone(DAY)
    assert warning_of(unit).level == "none"
    assert warning_of(unit).reason == "1/3 名干部近12个月有监督记录；班子不足5人，不按比例定色"
    give(cadres[1], "诫勉")
    give(cadres[1], "党纪处分", "警告")
    evaluate_everyone(DAY)  # the same day again replaces the row
    assert warning_of(unit).level == "red"
    assert "1 人达到诫勉线" in warning_of(unit).reason
    assert UnitWarningState.objects.filter(unit=unit).count() == 1


def test_a_cadre_who_left_the_unit_no_longer_counts_for_it():
    unit, cadres = team("M", 2)
    give(cadres[0], "诫勉", day=date(2024, 1, 10))
    give(cadres[0], "党纪处分", "警告", day=date(2024, 1, 10))
    Appointment.objects.filter(cadre=cadres[0]).update(end_date=date(2024, 3, 31))
    evaluate_everyone(date(2024, 3, 31))
    assert UnitWarningState.objects.get(unit=unit, evaluated_on=date(2024, 3, 31)).level == "red"
    evaluate_everyone(date(2024, 4, 1))
    state = UnitWarningState.objects.get(unit=unit, evaluated_on=date(2024, 4, 1))
    assert (state.level, state.cadres) == ("none", 1)


def test_units_without_cadres_say_so_and_inactive_units_are_left_out():
    empty = Unit.objects.create(code="E", name="空单位", kind=UnitKind.DEPARTMENT)
    closed = Unit.objects.create(code="C", name="撤并单位", kind=UnitKind.DEPARTMENT, is_active=False)
    evaluate_everyone(DAY)
    assert (warning_of(empty).level, warning_of(empty).reason) == ("none", "没有在任干部")
    assert not UnitWarningState.objects.filter(unit=closed).exists()


# --- Efficiency warnings -------------------------------------------------------------------------------


@pytest.fixture
def open_period(registry):
    """A period around today, 101 days of which have passed."""
    today = timezone.localdate()
    period = Period.objects.create(scheme=registry["scheme"], code="OPEN", start_date=today - timedelta(days=100),
                                   end_date=today + timedelta(days=265))
    dimension = Dimension.objects.create(scheme=registry["scheme"], name="经济发展")
    environment = Unit.objects.create(code="DE", name="生态环境局", kind=UnitKind.DEPARTMENT)

    def indicator(code, provider, method=Method.TARGET, direction=Direction.HIGHER):
        return Indicator.objects.create(scheme=registry["scheme"], code=code, name=f"指标{code}", dimension=dimension,
                                        provider=provider, method=method, direction=direction, target=Decimal(100))

    period.indicators = {
        "investment": indicator("A1", registry["bureau"]),
        "efficacy": indicator("A2", registry["bureau"], method=Method.EFFICACY),
        "lower": indicator("A3", registry["bureau"], direction=Direction.LOWER),
        "green": indicator("B1", environment),
    }
    return period


def test_early_signs_deductions_and_joint_warnings(registry, open_period):
    town_a, town_b = registry["town_a"], registry["town_b"]
    indicators = open_period.indicators
    Statistic.objects.create(period=open_period, unit=town_a, indicator=indicators["investment"], value=10)
    Statistic.objects.create(period=open_period, unit=town_b, indicator=indicators["investment"], value=50)
    Statistic.objects.create(period=open_period, unit=town_b, indicator=indicators["efficacy"], value=1)
    Statistic.objects.create(period=open_period, unit=town_b, indicator=indicators["lower"], value=1)
    # A per-unit target replaces the indicator's: 30 of 200 is 15%.
    Statistic.objects.create(period=open_period, unit=town_b, indicator=indicators["green"], value=30, target=200)
    Adjustment.objects.create(period=open_period, unit=town_a, points=Decimal("-3"), category="考核扣分",
                              reason="重点项目推进滞后", approved_at=timezone.now())
    Adjustment.objects.create(period=open_period, unit=town_b, points=Decimal("-2"), category="考核扣分",
                              reason="尚未审批")  # not approved: does not count
    Adjustment.objects.create(period=open_period, unit=town_b, points=Decimal("2"), category="考核加分",
                              reason="表彰", approved_at=timezone.now())

    assert evaluate_efficiency_warnings() == 4
    found = {(row.unit.code, row.kind): row for row in EfficiencyWarning.objects.select_related("unit")}
    assert set(found) == {("TA", "early_sign"), ("TA", "deduction"), ("TA", "joint"), ("TB", "early_sign")}
    assert "A1 指标A1完成10.0%，时间已过27.6%（统计局" in found["TA", "early_sign"].reason
    assert found["TA", "early_sign"].departments == ["统计局"]
    assert found["TA", "deduction"].reason == "考核扣分扣3分：重点项目推进滞后"
    assert found["TA", "joint"].departments == ["统计局", "考核办"]
    assert found["TA", "joint"].reason == "2个部门在本期提出预警：统计局、考核办"
    # Town B: 50% is ahead of time; the per-unit target puts B1 behind.
    assert "B1 指标B1完成15.0%" in found["TB", "early_sign"].reason and "A1" not in found["TB", "early_sign"].reason


def test_early_signs_follow_new_values_while_open_and_are_kept_once_locked(registry, open_period):
    value = Statistic.objects.create(period=open_period, unit=registry["town_a"],
                                     indicator=open_period.indicators["investment"], value=10)
    evaluate_efficiency_warnings()
    assert EfficiencyWarning.objects.filter(kind="early_sign").count() == 1
    open_period.state = PeriodState.LOCKED
    open_period.save()
    value.value = 90
    value.save()
    evaluate_efficiency_warnings()
    assert EfficiencyWarning.objects.filter(kind="early_sign").count() == 1  # a locked period keeps its signs
    open_period.state = PeriodState.OPEN
    open_period.save()
    evaluate_efficiency_warnings()
    assert not EfficiencyWarning.objects.exists()  # 90% is ahead of time


def test_two_departments_flagging_the_same_unit_make_a_joint_warning(registry, open_period):
    for key in ("investment", "green"):
        Statistic.objects.create(period=open_period, unit=registry["town_b"], indicator=open_period.indicators[key],
                                 value=5)
    evaluate_efficiency_warnings()
    joint = EfficiencyWarning.objects.get(kind="joint")
    assert joint.unit == registry["town_b"] and sorted(joint.departments) == ["生态环境局", "统计局"]


def test_the_nightly_job_computes_efficiency_warnings(registry, open_period):
    Adjustment.objects.create(period=open_period, unit=registry["town_b"], points=Decimal("-1"), category="督查",
                              reason="通报", approved_at=timezone.now())
    assert evaluate_everyone().efficiency_warnings == 1
    assert EfficiencyWarning.objects.get().kind == "deduction"


# --- Exports -------------------------------------------------------------------------------------------


def exported_rows(path) -> list[list]:
    if path.suffix == ".csv":
        return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    sheet = load_workbook(path, read_only=True).active
    return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_warnings_computes_each_active_unit_at_the_date(tmp_path, suffix):
    unit, cadres = team("W", 5)
    give(cadres[0], "党纪处分", "警告", day=date(2024, 1, 15))
    give(cadres[1], "提醒谈话", day=date(2024, 1, 15))
    Unit.objects.create(code="Z", name="撤并单位", kind=UnitKind.TOWNSHIP, is_active=False)
    output = tmp_path / f"warnings{suffix}"
    call_command("export_warnings", date="2024-06-30", output=str(output))
    rows = exported_rows(output)
    assert rows[0] == ["unit_code", "unit_name", "level", "share", "cadres", "cadres_with_points", "reason"]
    assert [row[0] for row in rows[1:]] == ["W"]
    code, name, level, share, cadres_count, with_points, reason = rows[1]
    assert (name, level, float(share), int(cadres_count), int(with_points)) == ("W镇", "red", 0.4, 5, 2)
    assert reason == "2/5 名干部近12个月有监督记录；1 人达到函询线"
    assert not UnitWarningState.objects.exists()  # computed from the records, nothing stored

    call_command("export_warnings", date="2025-01-15", output=str(output))
    assert exported_rows(output)[1][2] == "none"  # both records have aged out
    assert AuditEvent.objects.filter(action="supervision.warnings.exported").count() == 2


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_points_lists_serving_cadres_with_points_and_lines(tmp_path, suffix):
    unit, cadres = team("P", 3)
    cadres[2].name = "=HYPERLINK(\"http://x\")"
    cadres[2].save()
    give(cadres[0], "诫勉", day=date(2024, 3, 1))
    give(cadres[0], "党纪处分", "警告", day=date(2024, 3, 2))
    give(cadres[1], "函询", "采信了结", day=date(2024, 3, 1))
    retired = Cadre.objects.create(name="已离任", gender="M", id_number="R0000000000000000")
    Appointment.objects.create(cadre=retired, unit=unit, title="委员", role=AppointmentRole.MEMBER,
                               start_date=date(2015, 1, 1), end_date=date(2019, 1, 1))
    output = tmp_path / f"points{suffix}"
    call_command("export_points", date="2024-06-30", output=str(output))
    rows = exported_rows(output)
    assert rows[0] == ["id_number", "name", "unit_code", "points", "line"]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {cadre.id_number for cadre in cadres}
    assert float(by_id[cadres[0].id_number][3]) == 10 and by_id[cadres[0].id_number][4] == "admonishment"
    assert float(by_id[cadres[1].id_number][3]) == 0 and by_id[cadres[1].id_number][4] == "none"
    assert by_id[cadres[0].id_number][2] == "P"
    assert by_id[cadres[2].id_number][1] == "'=HYPERLINK(\"http://x\")"  # never a live formula
    assert AuditEvent.objects.filter(action="supervision.points.exported").exists()


def test_an_export_to_an_unknown_format_is_refused(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=".csv 或 .xlsx"):
        call_command("export_points", output=str(tmp_path / "points.pdf"))
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_points", date="30/06/2024", output=str(tmp_path / "points.csv"))


# --- Pages ---------------------------------------------------------------------------------------------


@pytest.fixture
def officer_client(client, personas):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    return client


def test_the_overview_counts_levels_filters_and_downloads(officer_client, registry):
    red, red_team = team("R", 3)
    give(red_team[0], "政务处分", "降级", day=timezone.localdate())
    yellow, yellow_team = team("Y", 10, kind=UnitKind.STREET)
    give(yellow_team[0], "提醒谈话", day=timezone.localdate())
    evaluate_everyone()
    url = reverse("supervision:warning_overview")
    page = officer_client.get(url).content.decode()
    assert "R镇" in page and "Y镇" in page and "1 人达到诫勉线" in page
    assert page.index("R镇") < page.index("Y镇")  # red first

    response = officer_client.get(url, {"level": "yellow"})
    assert response.context["page"].paginator.count == 1 and "Y镇" in response.content.decode()
    assert [count for key, _label, count in response.context["level_counts"]] == [1, 0, 1, 3]
    assert officer_client.get(url, {"kind": "street"}).context["page"].paginator.count == 1
    assert officer_client.get(url, {"q": "R镇"}).context["page"].paginator.count == 1

    download = officer_client.get(url, {"level": "red", "_export": "xlsx"})
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("单位代码", "单位名称", "单位类型", "预警等级")
    assert [row[:4] for row in rows[1:]] == [("R", "R镇", "乡镇", "红色预警")]
    assert AuditEvent.objects.filter(action="supervision.warnings.exported").exists()


def test_the_overview_reads_each_units_latest_day(officer_client, registry):
    evaluate_everyone(timezone.localdate() - timedelta(days=1))
    give(registry["cadre_a"], "诫勉", day=timezone.localdate())
    give(registry["cadre_a"], "党纪处分", "警告", day=timezone.localdate())
    from supervision.evaluation import after_records_changed

    after_records_changed([registry["cadre_a"].pk])  # re-colours town A today only
    states = {state.unit.code: state for state in officer_client.get(
        reverse("supervision:warning_overview")).context["page"].object_list}
    assert states["TA"].level == "red" and states["TA"].evaluated_on == timezone.localdate()
    assert states["TB"].evaluated_on == timezone.localdate() - timedelta(days=1)


def test_an_empty_overview_says_so(officer_client):
    assert "还没有单位预警" in officer_client.get(reverse("supervision:warning_overview")).content.decode()


def test_the_unit_page_lists_the_team_and_the_history(officer_client, registry):
    give(registry["cadre_a"], "诫勉", day=timezone.localdate())
    evaluate_everyone()
    page = officer_client.get(reverse("supervision:unit_warning", kwargs={"unit_pk": registry["town_a"].pk}))
    content = page.content.decode()
    assert "张三" in content and "1 人达到提醒线" in content and "黄色预警" in content


def test_the_efficiency_page_lists_and_filters(officer_client, registry, open_period):
    Adjustment.objects.create(period=open_period, unit=registry["town_b"], points=Decimal("-1"), category="督查",
                              reason="通报", approved_at=timezone.now())
    evaluate_efficiency_warnings()
    url = reverse("supervision:efficiency_warnings")
    content = officer_client.get(url).content.decode()
    assert "乙镇" in content and "扣分预警" in content and "督查扣1分：通报" in content
    assert officer_client.get(url, {"kind": "joint"}).context["page"].paginator.count == 0
    assert "没有符合条件的效能预警" in officer_client.get(url, {"kind": "joint"}).content.decode()


def test_the_overview_shows_each_units_efficiency_warnings(officer_client, registry, open_period):
    Adjustment.objects.create(period=open_period, unit=registry["town_b"], points=Decimal("-1"), category="督查",
                              reason="通报", approved_at=timezone.now())
    evaluate_everyone()
    response = officer_client.get(reverse("supervision:warning_overview"))
    rows = {state.unit.code: state for state in response.context["page"].object_list}
    assert [warning.kind for warning in rows["TB"].efficiency] == ["deduction"] and rows["TA"].efficiency == []
    assert ("deduction", "扣分预警", 1) in response.context["efficiency_counts"]
    assert "OPEN 扣分预警" in response.content.decode()
