"""The honour list (光荣榜): each track's first tier, units first-tier three annual periods running (schemes of
the same name, one per year), cadres graded 优秀 three years running, and the 骏马奖 / 蜗牛奖 the office gives."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import (
    CadreGrade,
    Grade,
    Period,
    PeriodType,
    Scheme,
    Track,
    TrackMembership,
    UnitResult,
)
from cadres.models import Cadre, Unit, UnitKind
from feedback.honours import cadres_excellent_three_years, honour_list
from feedback.models import Award, AwardKind

SCHEME = "云溪区综合考核"


def yearly_scheme(year: int, name: str = SCHEME) -> tuple[Period, Track]:
    scheme = Scheme.objects.create(name=name, year=year)
    track = Track.objects.create(scheme=scheme, code="XZ", name="乡镇")
    period = Period.objects.create(scheme=scheme, code=str(year), period_type=PeriodType.YEAR,
                                   start_date=datetime.date(year, 1, 1), end_date=datetime.date(year, 12, 31))
    return period, track


def result(period, track, unit, rank: int, tier: int) -> UnitResult:
    TrackMembership.objects.get_or_create(scheme=period.scheme, unit=unit, defaults={"track": track})
    return UnitResult.objects.create(period=period, unit=unit, track=track, total=100 - rank, rank=rank, tier=tier,
                                     computed_at=timezone.now(), inputs_version=1)


@pytest.fixture
def three_years(db):
    """甲镇 first tier in 2022, 2023 and 2024; 乙镇 in 2023 and 2024 only (second in 2022); 丙镇 first tier
    three years running too, but in 2022 under a differently named scheme; 丁镇 second tier in 2024."""
    towns = {name: Unit.objects.create(code=code, name=name, kind=UnitKind.TOWNSHIP)
             for code, name in (("A", "甲镇"), ("B", "乙镇"), ("C", "丙镇"), ("D", "丁镇"))}
    periods = {}
    for year in (2022, 2023, 2024):
        period, track = yearly_scheme(year)
        periods[year] = period
        result(period, track, towns["甲镇"], 1, 1)
        result(period, track, towns["乙镇"], 2, 2 if year == 2022 else 1)
        if year != 2022:
            result(period, track, towns["丙镇"], 3, 1)
        result(period, track, towns["丁镇"], 4, 2)
    other, other_track = yearly_scheme(2022, name="另一方案")
    result(other, other_track, towns["丙镇"], 1, 1)
    return {"towns": towns, "periods": periods}


def test_the_list_is_each_tracks_first_tier_with_three_year_streaks_flagged(three_years):
    [track] = honour_list(three_years["periods"][2024])
    assert [(entry.result.unit.name, entry.three_years_first) for entry in track.entries] == [
        ("甲镇", True), ("乙镇", False), ("丙镇", False)]
    # In 2023 nobody has three years yet (there is no 2021).
    [track] = honour_list(three_years["periods"][2023])
    assert not any(entry.three_years_first for entry in track.entries)


def test_the_page_prints_the_list_and_flags_the_streak(client, personas, three_years):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    page = client.get(reverse("feedback:honours"), {"period": three_years["periods"][2024].pk}).content.decode()
    rows = page.split("<tr")
    assert "连续三年第一等次" in next(row for row in rows if "甲镇" in row)
    assert "连续三年第一等次" not in next(row for row in rows if "乙镇" in row)
    assert "丁镇" not in page  # second tier
    assert 'href="/static/css/print.css" media="print"' in page and "data-print" in page
    # Without a chosen period, the latest one with results.
    assert "云溪区综合考核 · 2024" in client.get(reverse("feedback:honours")).content.decode()


def test_cadres_graded_excellent_three_years_running_are_listed(three_years):
    town = three_years["towns"]["甲镇"]
    steady = Cadre.objects.create(name="王优秀", gender="M", id_number="11010519491231002X")
    broken = Cadre.objects.create(name="李中断", gender="F", id_number="440524188001010014")
    for year, steady_grade, broken_grade in ((2022, Grade.EXCELLENT, Grade.EXCELLENT),
                                             (2023, Grade.EXCELLENT, Grade.COMPETENT),
                                             (2024, Grade.EXCELLENT, Grade.EXCELLENT)):
        CadreGrade.objects.create(cadre=steady, unit=town, year=year, grade=steady_grade)
        CadreGrade.objects.create(cadre=broken, unit=town, year=year, grade=broken_grade)
    listed = cadres_excellent_three_years(three_years["periods"][2024])
    assert [(entry.cadre.name, entry.unit.name) for entry in listed] == [("王优秀", "甲镇")]
    assert cadres_excellent_three_years(three_years["periods"][2023]) == []


def test_the_office_gives_edits_and_withdraws_awards(client, personas, three_years):
    period, town = three_years["periods"][2024], three_years["towns"]["乙镇"]
    officer = personas[Role.ASSESSMENT_OFFICER]
    client.force_login(officer)
    url = reverse("feedback:award_create", kwargs={"period_pk": period.pk})
    response = client.post(url, {"kind": AwardKind.STEED, "unit": town.pk, "citation": "由第二等次进入第一等次"})
    assert response.status_code == 302
    award = Award.objects.get(period=period, kind=AwardKind.STEED)
    assert award.unit == town and award.awarded_by == officer
    page = client.get(reverse("feedback:honours"), {"period": period.pk}).content.decode()
    assert "由第二等次进入第一等次" in page

    again = client.post(url, {"kind": AwardKind.STEED, "unit": town.pk, "citation": "再评一次"})
    assert "乙镇本周期已获此奖项" in again.content.decode()
    neither = client.post(url, {"kind": AwardKind.SNAIL, "citation": "没有对象"})
    assert "奖项授予一个单位或一名干部，二者选其一" in neither.content.decode()
    assert Award.objects.count() == 1

    client.post(reverse("feedback:award_edit", kwargs={"award_pk": award.pk}), {"citation": "进位最快"})
    award.refresh_from_db()
    assert award.citation == "进位最快"
    client.post(reverse("feedback:award_delete", kwargs={"award_pk": award.pk}))
    assert not Award.objects.exists()
    actions = list(AuditEvent.objects.filter(action__startswith="feedback.award.").values_list("action", flat=True)
                   .order_by("pk"))
    assert actions == ["feedback.award.given", "feedback.award.edited", "feedback.award.withdrawn"]


def test_an_award_can_go_to_a_cadre_serving_in_the_scheme(client, personas, three_years):
    from cadres.models import Appointment, AppointmentRole

    period, town = three_years["periods"][2024], three_years["towns"]["丁镇"]
    cadre = Cadre.objects.create(name="赵迟缓", gender="M", id_number="330102198001010018")
    Appointment.objects.create(cadre=cadre, unit=town, title="镇长", role=AppointmentRole.PRINCIPAL,
                               start_date=datetime.date(2020, 1, 1))
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    form = client.get(reverse("feedback:award_create", kwargs={"period_pk": period.pk})).content.decode()
    assert "赵迟缓（丁镇镇长）" in form
    client.post(reverse("feedback:award_create", kwargs={"period_pk": period.pk}),
                {"kind": AwardKind.SNAIL, "cadre": cadre.pk, "citation": "重点工作推进缓慢"})
    award = Award.objects.get()
    assert award.cadre == cadre and award.unit is None and str(award) == "蜗牛奖 · 赵迟缓"


def test_the_supervision_officer_sees_but_does_not_give_awards(client, personas, three_years):
    period = three_years["periods"][2024]
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    response = client.post(reverse("feedback:award_create", kwargs={"period_pk": period.pk}),
                           {"kind": AwardKind.STEED, "unit": three_years["towns"]["甲镇"].pk, "citation": "越权"})
    assert response.status_code == 403 and not Award.objects.exists()
