"""Finding a cadre's file, the file itself, and a unit's team (SPEC §7)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import CadreGrade, PeriodType, UnitResult
from cadres.models import Appointment, AppointmentRole, Cadre
from supervision.evaluation import after_records_changed
from supervision.models import (
    Alert,
    AlertHandling,
    AlertStatus,
    HandlingAction,
    MandatoryCheck,
    Record,
    RecordType,
    UnitWarningState,
)
from supervision.points_chart import month_ends


def add_record(cadre, name, subtype="", day=None, source="纪委监委", number="", summary=""):
    return Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name=name, subtype=subtype),
                                 date=day or timezone.localdate(), source=source, document_number=number,
                                 summary=summary)


@pytest.fixture
def officer(client, personas):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    return client


def search(client, query: str) -> str:
    return client.get(reverse("supervision:index"), {"q": query}).content.decode()


# --- Search ----------------------------------------------------------------------------------------


def test_it_finds_a_cadre_by_part_of_the_name(officer, registry):
    page = search(officer, "三")
    assert "张三" in page and "李四" not in page
    assert reverse("supervision:cadre_file", kwargs={"cadre_pk": registry["cadre_a"].pk}) in page
    assert "11010519491231002X" in page  # supervision officers see ID numbers in full
    assert "甲镇 党委书记" in page


def test_it_finds_a_cadre_by_the_full_id_number_or_its_last_digits(officer, registry):
    assert "李四" in search(officer, "440524188001010014") and "张三" not in search(officer, "440524188001010014")
    tail = search(officer, "1002x")  # lower-case x is read as X
    assert "张三" in tail and "李四" not in tail


def test_it_asks_for_at_least_four_digits(officer, registry):
    assert "请至少输入后4位" in search(officer, "14")


def test_it_says_clearly_when_nobody_matches(officer, registry):
    assert "没有找到与“王五”相符的干部" in search(officer, "王五")


def test_search_results_show_points_line_and_open_alerts(officer, registry):
    cadre = registry["cadre_a"]
    add_record(cadre, "党纪处分", "警告")  # 6 points: the inquiry line
    after_records_changed([cadre.pk])
    page = search(officer, "张三")
    assert "函询线" in page and 'badge text-bg-danger">1<' in page


# --- The file --------------------------------------------------------------------------------------


@pytest.fixture
def history(registry):
    """张三 with records from three sources, an alert handled with a talk, a grade and a unit result."""
    cadre = registry["cadre_a"]
    today = timezone.localdate()
    add_record(cadre, "提醒谈话", day=today - timedelta(days=200), source="组织部", summary="就班子团结问题提醒谈话")
    add_record(cadre, "信访举报", "属实", day=today - timedelta(days=100), source="信访")
    add_record(cadre, "审计问题", "重大", day=today - timedelta(days=50), source="审计", number="审报〔2026〕7号")
    add_record(cadre, "信访举报", "部分属实", day=today - timedelta(days=10), source="信访")
    alert = Alert.objects.create(cadre=cadre, line="inquiry", points=9, raised_on=today - timedelta(days=10))
    AlertHandling.objects.create(alert=alert, action=HandlingAction.TALK, date=today - timedelta(days=5),
                                 note="已谈心谈话")
    Alert.objects.create(cadre=cadre, line="reminder", points=3, raised_on=today - timedelta(days=400),
                         status=AlertStatus.CLOSED, closed_at=timezone.now() - timedelta(days=390))
    CadreGrade.objects.create(cadre=cadre, unit=registry["town_a"], year=today.year - 1, grade="称职")
    return cadre


def open_file(client, cadre) -> str:
    response = client.get(reverse("supervision:cadre_file", kwargs={"cadre_pk": cadre.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_file_shows_every_record_grouped_by_type_and_by_source(officer, history):
    page = open_file(officer, history)
    assert "监督记录（4 条）" in page
    for text in ("提醒谈话", "信访举报·属实", "信访举报·部分属实", "审计问题·重大", "审报〔2026〕7号", "就班子团结问题提醒谈话"):
        assert text in page
    # By type: 信访举报 gathers its two subtypes (3 + 2 points); by source: 信访 has two records.
    assert "信访举报 <span class=\"text-muted small fw-normal\">2 条，合计 5 分" in page
    assert "信访 <span class=\"text-muted small fw-normal\">2 条" in page
    assert "组织部 <span class=\"text-muted small fw-normal\">1 条" in page
    for record in Record.objects.filter(cadre=history):
        assert reverse("supervision:record_edit", kwargs={"record_pk": record.pk}) in page


def test_the_file_shows_points_against_the_three_lines_and_a_chart(officer, history):
    page = open_file(officer, history)
    # 1 + 3 + 3 + 2 = 9 points in the last twelve months: past the reminder and inquiry lines.
    assert '<span class="display-6 fw-semibold">9</span>' in page
    assert "函询线" in page and "<svg" in page and "近三年各月末积分" in page
    assert page.count('class="chart-dot') == 36
    assert "各月末积分数据" in page


def test_the_file_shows_alerts_with_their_handling_and_talks_held(officer, history):
    page = open_file(officer, history)
    assert "积分 9 分" in page and "待处置" in page and "已办结" in page
    assert "谈心谈话" in page and "已谈心谈话" in page
    assert "提醒谈话记录" in page and "预警处置·谈心谈话" in page


def test_the_file_shows_full_personal_data_posts_grades_and_the_precheck(officer, history, registry):
    page = open_file(officer, history)
    assert "11010519491231002X" in page and "13800001111" in page
    assert "党委书记" in page and "现任" in page
    assert f"{timezone.localdate().year - 1}</td><td>称职" in page
    assert "任前核查" in page and "凡提四必" in page


def test_the_file_shows_the_results_of_the_unit_the_cadre_led(officer, history, registry):
    period = registry["period"]
    assert period.period_type == PeriodType.YEAR
    UnitResult.objects.create(period=period, unit=registry["town_a"], track=registry["track"], total=88.5, rank=1,
                              tier=1, computed_at=timezone.now(), inputs_version=1)
    UnitResult.objects.create(period=period, unit=registry["town_b"], track=registry["track"], total=80, rank=2,
                              tier=2, computed_at=timezone.now(), inputs_version=1)
    page = open_file(officer, history)
    assert "88.50" in page and "1 / 2" in page and "第一等次" in page
    assert "80.00" not in page  # 乙镇 was never led by 张三


def test_every_view_of_the_file_writes_exactly_one_audit_row(client, personas, history, django_user_model):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    before = AuditEvent.objects.count()
    open_file(client, history)
    open_file(client, history)
    events = AuditEvent.objects.order_by("pk")[before:]
    assert [event.action for event in events] == ["supervision.file_view", "supervision.file_view"]
    assert events[0].username == "supervisor" and events[0].object_id == str(history.pk)
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    before = AuditEvent.objects.count()
    open_file(client, history)
    [event] = AuditEvent.objects.order_by("pk")[before:]
    assert event.action == "supervision.file_view" and event.username == "root"


def test_other_roles_cannot_open_the_file_and_leave_no_view_row(client, personas, history):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    response = client.get(reverse("supervision:cadre_file", kwargs={"cadre_pk": history.pk}))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="supervision.file_view").exists()


def test_the_file_costs_the_same_number_of_queries_however_many_records(officer, history, registry):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            open_file(officer, history)
        return len(captured)

    few = queries()
    today = timezone.localdate()
    for days in range(20, 400, 20):
        add_record(history, "审计问题", "一般", day=today - timedelta(days=days), source="审计")
    Appointment.objects.create(cadre=history, unit=registry["town_b"], title="镇长", role=AppointmentRole.PRINCIPAL,
                               start_date=date(2015, 1, 1), end_date=date(2019, 12, 31))
    assert queries() == few


def test_an_officer_records_a_mandatory_check_on_the_file(officer, history):
    url = reverse("supervision:mandatory_check_add", kwargs={"cadre_pk": history.pk})
    response = officer.post(url, {"kind": "discipline_opinion", "done_on": timezone.localdate().isoformat(),
                                  "note": "区纪委回复无问题"})
    assert response.status_code == 302
    check = MandatoryCheck.objects.get(cadre=history)
    assert check.kind == "discipline_opinion" and check.entered_by.username == "supervisor"
    assert AuditEvent.objects.filter(action="supervision.mandatory_check.recorded").exists()
    assert "区纪委回复无问题" in open_file(officer, history)


def test_a_mandatory_check_in_the_future_is_refused(officer, history):
    url = reverse("supervision:mandatory_check_add", kwargs={"cadre_pk": history.pk})
    officer.post(url, {"kind": "file_reviewed", "done_on": (timezone.localdate() + timedelta(days=3)).isoformat()})
    assert not MandatoryCheck.objects.exists()
    assert "日期不能晚于今天" in open_file(officer, history)


def test_month_ends_cover_three_years_and_end_today():
    days = month_ends(date(2026, 3, 15))
    assert len(days) == 36 and days[0] == date(2023, 4, 30) and days[-2] == date(2026, 2, 28)
    assert days[-1] == date(2026, 3, 15)


# --- The team --------------------------------------------------------------------------------------


def test_the_team_page_shows_serving_cadres_with_points_alerts_grades_and_the_unit_warning(officer, registry):
    cadre = registry["cadre_a"]
    deputy = Cadre.objects.create(name="王副", gender="F", id_number="110105194912310038")
    Appointment.objects.create(cadre=deputy, unit=registry["town_a"], title="副书记", role=AppointmentRole.DEPUTY,
                               start_date=date(2022, 1, 1))
    former = Cadre.objects.create(name="前任", gender="M", id_number="110105194912310011")
    Appointment.objects.create(cadre=former, unit=registry["town_a"], title="镇长", role=AppointmentRole.PRINCIPAL,
                               start_date=date(2015, 1, 1), end_date=date(2019, 12, 31))
    add_record(cadre, "诫勉")
    after_records_changed([cadre.pk])
    CadreGrade.objects.create(cadre=deputy, unit=registry["town_a"], year=2024, grade="优秀")
    UnitWarningState.objects.update_or_create(
        unit=registry["town_a"], evaluated_on=timezone.localdate(),
        defaults={"level": "yellow", "cadres": 2, "cadres_with_points": 1,
                  "reason": "1/2 名干部近12个月有监督记录；1 人达到提醒线"})
    page = officer.get(reverse("supervision:unit_team", kwargs={"unit_pk": registry["town_a"].pk})).content.decode()
    assert "张三" in page and "王副" in page and "前任" not in page
    assert page.index("张三") < page.index("王副")  # the principal first
    assert "提醒线" in page and "2024 优秀" in page and "黄色预警" in page
    assert "1/2 名干部近12个月有监督记录" in page


def test_the_team_page_says_when_the_unit_has_no_warning_yet(officer, registry):
    page = officer.get(reverse("supervision:unit_team", kwargs={"unit_pk": registry["bureau"].pk})).content.decode()
    assert "还没有评估过预警等级" in page and "没有登记在任的干部" in page


def test_the_file_links_each_attachment_to_its_download(officer, history):
    from django.core.files.base import ContentFile

    from supervision.models import RecordAttachment

    record = Record.objects.filter(cadre=history).first()
    attachment = RecordAttachment(record=record, original_name="审计报告.pdf", size=4, sha256="0" * 64,
                                  content_type="application/pdf")
    attachment.file.save("a.pdf", ContentFile(b"%PDF"), save=False)
    attachment.save()
    page = open_file(officer, history)
    assert "审计报告.pdf" in page
    assert reverse("supervision:attachment_download", kwargs={"attachment_pk": attachment.pk}) in page
