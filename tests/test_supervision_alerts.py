"""Points, lines and alerts (SPEC §7): crossing each line raises one alert with its records; the state
machine open → handled → closed; the nightly job agrees with evaluating each cadre on its own."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from cadres.models import Appointment, AppointmentRole, Cadre, Unit, UnitKind
from supervision.alerts import AlertTransitionRefused, close_alert, handle_alert
from supervision.evaluation import after_records_changed, evaluate_everyone
from supervision.models import (
    Alert,
    AlertStatus,
    CadrePointsState,
    HandlingAction,
    Record,
    RecordType,
    RuleVersion,
    UnitWarningState,
)

pytestmark = pytest.mark.django_db


def record(cadre, name: str, subtype: str, day: date) -> Record:
    return Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name=name, subtype=subtype),
                                 date=day, source="纪委监委")


def test_each_line_raises_one_alert_linking_the_records_of_the_window(registry):
    cadre = registry["cadre_a"]
    first = record(cadre, "信访举报", "属实", date(2024, 3, 1))  # 3 points
    raised = after_records_changed([cadre.pk], date(2024, 3, 1))
    assert [(alert.line, alert.points) for alert in raised] == [("reminder", Decimal(3))]
    assert list(raised[0].records.all()) == [first]
    assert raised[0].rule_version == RuleVersion.objects.get()

    assert after_records_changed([cadre.pk], date(2024, 3, 2)) == []  # still at the reminder line: no second alert

    second = record(cadre, "审计问题", "重大", date(2024, 4, 1))  # 6
    inquiry = after_records_changed([cadre.pk], date(2024, 4, 1))
    assert [(alert.line, alert.points) for alert in inquiry] == [("inquiry", Decimal(6))]
    assert set(inquiry[0].records.all()) == {first, second}

    third = record(cadre, "诫勉", "", date(2024, 5, 1))  # 10
    admonishment = after_records_changed([cadre.pk], date(2024, 5, 1))
    assert [(alert.line, alert.points) for alert in admonishment] == [("admonishment", Decimal(10))]
    assert set(admonishment[0].records.all()) == {first, second, third}
    assert Alert.objects.filter(cadre=cadre).count() == 3
    state = CadrePointsState.objects.get(cadre=cadre)
    assert (state.points, state.line, state.evaluated_on) == (Decimal(10), "admonishment", date(2024, 5, 1))


def test_a_jump_past_two_lines_raises_only_the_highest(registry):
    cadre = registry["cadre_b"]
    record(cadre, "政务处分", "降级", date(2024, 6, 1))  # 10 points at once
    raised = after_records_changed([cadre.pk], date(2024, 6, 1))
    assert [alert.line for alert in raised] == ["admonishment"]
    # A lower line later in the same window is covered by the higher alert.
    assert after_records_changed([cadre.pk], date(2024, 6, 2)) == []


def test_an_alert_is_raised_again_once_the_earlier_one_is_out_of_the_window(registry):
    cadre = registry["cadre_a"]
    record(cadre, "信访举报", "属实", date(2023, 1, 10))
    assert len(after_records_changed([cadre.pk], date(2023, 1, 10))) == 1
    record(cadre, "信访举报", "属实", date(2024, 2, 1))
    # On 2024-02-01 the 2023 alert was raised more than twelve months ago.
    assert [alert.line for alert in after_records_changed([cadre.pk], date(2024, 2, 1))] == ["reminder"]


def test_a_record_ageing_out_lowers_the_points_and_the_units_colour(registry):
    cadre, town = registry["cadre_a"], registry["town_a"]
    record(cadre, "党纪处分", "警告", date(2024, 3, 15))  # 6 points: the inquiry line
    after_records_changed([cadre.pk], date(2024, 3, 15))
    state = UnitWarningState.objects.get(unit=town, evaluated_on=date(2024, 3, 15))
    assert state.level == "orange" and "1 人达到函询线" in state.reason

    evaluate_everyone(date(2025, 3, 14))
    assert CadrePointsState.objects.get(cadre=cadre).points == Decimal(6)  # the last day it counts
    evaluate_everyone(date(2025, 3, 15))
    state = CadrePointsState.objects.get(cadre=cadre)
    assert (state.points, state.line) == (Decimal(0), "none")
    later = UnitWarningState.objects.get(unit=town, evaluated_on=date(2025, 3, 15))
    assert later.level == "none" and later.reason == "0/1 名干部近12个月有监督记录"
    assert Alert.objects.filter(cadre=cadre).count() == 1


def test_an_inquiry_cleared_counts_no_points(registry):
    cadre = registry["cadre_a"]
    inquiry = record(cadre, "函询", "", date(2024, 5, 1))
    record(cadre, "提醒谈话", "", date(2024, 5, 2))
    after_records_changed([cadre.pk], date(2024, 5, 2))
    assert CadrePointsState.objects.get(cadre=cadre).points == Decimal(3)
    assert Alert.objects.filter(cadre=cadre).count() == 1

    inquiry.record_type = RecordType.objects.get(name="函询", subtype="采信了结")
    inquiry.save()
    assert after_records_changed([cadre.pk], date(2024, 5, 3)) == []
    state = CadrePointsState.objects.get(cadre=cadre)
    assert (state.points, state.line) == (Decimal(1), "none")


def test_the_alerts_of_one_cadre_leave_the_other_cadres_alone(registry):
    record(registry["cadre_a"], "诫勉", "", date(2024, 5, 1))
    record(registry["cadre_b"], "诫勉", "", date(2024, 5, 1))
    after_records_changed([registry["cadre_a"].pk], date(2024, 5, 1))
    assert Alert.objects.filter(cadre=registry["cadre_b"]).count() == 0
    assert not CadrePointsState.objects.filter(cadre=registry["cadre_b"]).exists()
    assert UnitWarningState.objects.filter(evaluated_on=date(2024, 5, 1)).count() == 1  # town A only


# --- The state machine -----------------------------------------------------------------------------


@pytest.fixture
def open_alert(registry):
    cadre = registry["cadre_a"]
    record(cadre, "诫勉", "", timezone.localdate() - timedelta(days=3))
    return after_records_changed([cadre.pk], timezone.localdate() - timedelta(days=3))[0]


def test_an_alert_goes_from_open_to_handled_to_closed(open_alert, personas):
    from accounts.roles import Role

    officer = personas[Role.SUPERVISION_OFFICER]
    handling = handle_alert(open_alert, HandlingAction.TALK, timezone.localdate(), "已谈心谈话", officer)
    open_alert.refresh_from_db()
    assert open_alert.status == AlertStatus.HANDLED
    assert (handling.action, handling.handled_by, handling.note) == ("talk", officer, "已谈心谈话")
    close_alert(open_alert, officer)
    open_alert.refresh_from_db()
    assert open_alert.status == AlertStatus.CLOSED and open_alert.closed_by == officer and open_alert.closed_at
    actions = list(AuditEvent.objects.filter(object_id=str(open_alert.pk)).values_list("action", flat=True))
    assert "supervision.alert.handled" in actions and "supervision.alert.closed" in actions


def test_no_action_needs_a_reason(open_alert):
    with pytest.raises(AlertTransitionRefused, match="不予处理.*必须写明理由"):
        handle_alert(open_alert, HandlingAction.NO_ACTION, timezone.localdate(), "  ")
    open_alert.refresh_from_db()
    assert open_alert.status == AlertStatus.OPEN and not open_alert.handlings.exists()
    handle_alert(open_alert, HandlingAction.NO_ACTION, timezone.localdate(), "经核实系误报")
    open_alert.refresh_from_db()
    assert open_alert.status == AlertStatus.HANDLED


def test_illegal_moves_are_refused_in_words(open_alert):
    with pytest.raises(AlertTransitionRefused, match="须先处置再办结"):
        close_alert(open_alert)
    with pytest.raises(AlertTransitionRefused, match="晚于今天"):
        handle_alert(open_alert, HandlingAction.TALK, timezone.localdate() + timedelta(days=1))
    with pytest.raises(AlertTransitionRefused, match="早于触线日期"):
        handle_alert(open_alert, HandlingAction.TALK, open_alert.raised_on - timedelta(days=1))
    handle_alert(open_alert, HandlingAction.INQUIRY, timezone.localdate())
    with pytest.raises(AlertTransitionRefused, match="只有待处置的预警可以登记处置"):
        handle_alert(open_alert, HandlingAction.TALK, timezone.localdate())
    close_alert(open_alert)
    with pytest.raises(AlertTransitionRefused, match="已于 .* 办结"):
        close_alert(open_alert)
    assert open_alert.handlings.count() == 1


# --- The nightly job against one cadre at a time -----------------------------------------------------


def generated_history(seed: int = 11) -> list[Cadre]:
    """Four towns, 24 cadres (some moving between towns) and two years of random records."""
    rng = random.Random(seed)
    units = [Unit.objects.create(code=f"G{index}", name=f"生成镇{index}", kind=UnitKind.TOWNSHIP) for index in range(4)]
    types = list(RecordType.objects.all())
    cadres = []
    for index in range(24):
        cadre = Cadre.objects.create(name=f"干部{index}", gender="M", id_number=f"G{index:017d}")
        cadres.append(cadre)
        unit = units[index % 4]
        if index % 6 == 0:  # moves to the next town in mid-2024
            Appointment.objects.create(cadre=cadre, unit=unit, title="副镇长", role=AppointmentRole.DEPUTY,
                                       start_date=date(2020, 1, 1), end_date=date(2024, 6, 30))
            unit = units[(index + 1) % 4]
            Appointment.objects.create(cadre=cadre, unit=unit, title="副镇长", role=AppointmentRole.DEPUTY,
                                       start_date=date(2024, 7, 1))
        else:
            Appointment.objects.create(cadre=cadre, unit=unit, title="委员", role=AppointmentRole.MEMBER,
                                       start_date=date(2020, 1, 1))
        for _ in range(rng.randint(0, 6)):
            Record.objects.create(cadre=cadre, record_type=rng.choice(types), source="审计",
                                  date=date(2023, 1, 1) + timedelta(days=rng.randint(0, 730)))
    return cadres


def snapshot() -> dict:
    return {
        "alerts": sorted((alert.cadre_id, alert.line, alert.points, alert.raised_on, alert.rule_version_id,
                          tuple(sorted(alert.records.values_list("pk", flat=True))))
                         for alert in Alert.objects.all()),
        "states": sorted(CadrePointsState.objects.filter(points__gt=0).values_list("cadre_id", "points", "line")),
        "units": {(unit_id, day): (level, cadres, with_points, reason) for unit_id, day, level, cadres, with_points, reason
                  in UnitWarningState.objects.values_list("unit_id", "evaluated_on", "level", "cadres",
                                                          "cadres_with_points", "reason")},
    }


def test_the_nightly_job_equals_evaluating_each_cadre_on_its_own():
    cadres = generated_history()
    days = [date(2023, 2, 28) + timedelta(days=61 * step) for step in range(12)]
    for day in days:
        for cadre in cadres:
            after_records_changed([cadre.pk], day)
    one_by_one = snapshot()
    Alert.records.through.objects.all().delete()
    Alert.objects.all().delete()
    CadrePointsState.objects.all().delete()
    UnitWarningState.objects.all().delete()
    for day in days:
        evaluate_everyone(day)
    nightly = snapshot()

    assert one_by_one["alerts"], "the generated history should raise alerts"
    assert {line for _cadre, line, *_rest in one_by_one["alerts"]} == {"reminder", "inquiry", "admonishment"}
    assert nightly["alerts"] == one_by_one["alerts"]
    assert nightly["states"] == one_by_one["states"]
    # Per-cadre runs colour the towns their cadres serve in; the nightly run colours every active unit.
    assert {key: nightly["units"][key] for key in one_by_one["units"]} == one_by_one["units"]
    assert len({level for level, *_rest in nightly["units"].values()}) >= 2
    assert len(nightly["units"]) == 4 * len(days)


# --- The nightly task and the command ------------------------------------------------------------------


def test_the_nightly_task_and_the_command_evaluate_everyone(registry, settings):
    from django.core.management import call_command

    from supervision.tasks import evaluate_supervision_nightly

    record(registry["cadre_a"], "诫勉", "", date(2024, 5, 1))
    result = evaluate_supervision_nightly.delay("2024-05-01").get()
    assert result["alerts_raised"] == 1 and result["units"] == 3
    assert UnitWarningState.objects.filter(evaluated_on=date(2024, 5, 1)).count() == 3
    call_command("evaluate_supervision", date="2024-05-02")
    assert CadrePointsState.objects.get(cadre=registry["cadre_a"]).evaluated_on == date(2024, 5, 2)
    assert Alert.objects.count() == 1  # running again raises nothing new
    schedule = settings.CELERY_BEAT_SCHEDULE["supervision-nightly-evaluation"]
    assert schedule["task"] == "supervision.tasks.evaluate_supervision_nightly"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({2}, {0})
