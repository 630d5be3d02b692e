"""Annual grades (SPEC §6): the 优秀 quota by the unit's tier, record rules, and the grading page."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.grades import GradeRefused, grade_enter, grade_overview, grade_sheet
from assessment.models import (
    CadreGrade,
    Period,
    PeriodState,
    Scheme,
    Track,
    UnitResult,
    Verdict,
    VerdictKind,
    VetoItem,
)
from cadres.models import Appointment, AppointmentRole, Cadre, Unit, UnitKind
from supervision.models import Record, RecordType
from tests.sheets import make_id_number

YEAR = 2024


@pytest.fixture
def bureau(db):
    """A department of ``size`` cadres (the first one its principal) assessed in the 2024 annual period."""
    unit = Unit.objects.create(code="JT", name="交通局", kind=UnitKind.DEPARTMENT)
    scheme = Scheme.objects.create(name="年度考核", year=YEAR)
    track = Track.objects.create(scheme=scheme, code="BM", name="部门")
    period = Period.objects.create(scheme=scheme, code=str(YEAR), start_date=date(YEAR, 1, 1),
                                   end_date=date(YEAR, 12, 31), state=PeriodState.PUBLISHED)
    return {"unit": unit, "scheme": scheme, "track": track, "period": period}


def staff(unit: Unit, size: int) -> list[Cadre]:
    cadres = []
    for number in range(size):
        cadre = Cadre.objects.create(name=f"干部{number:02d}", gender="M",
                                     id_number=make_id_number("19750101", number))
        Appointment.objects.create(cadre=cadre, unit=unit, title="局长" if number == 0 else "科长",
                                   role=AppointmentRole.PRINCIPAL if number == 0 else AppointmentRole.MEMBER,
                                   start_date=date(2020, 1, 1))
        cadres.append(cadre)
    return cadres


def result(bureau, *, tier: int, vetoed: bool = False) -> UnitResult:
    return UnitResult.objects.create(period=bureau["period"], unit=bureau["unit"], track=bureau["track"], total=80,
                                     rank=1, tier=tier, vetoed=vetoed, computed_at=timezone.now(), inputs_version=1)


def record(cadre: Cadre, name: str, subtype: str, on: date, document: str = "") -> Record:
    return Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name=name, subtype=subtype),
                                 date=on, source="纪委监委", document_number=document)


def enter(bureau, cadre: Cadre, grade: str, **kwargs) -> CadreGrade:
    return grade_enter(unit=bureau["unit"], cadre_id=cadre.pk, year=YEAR, grade=grade, **kwargs)


def refusal(bureau, cadre: Cadre, grade: str) -> str:
    with pytest.raises(GradeRefused) as refused:
        enter(bureau, cadre, grade)
    return "；".join(refused.value.reasons)


@pytest.mark.parametrize(("tier", "vetoed", "size", "quota"), [
    (2, False, 10, 2),  # 20 %
    (1, False, 10, 3),  # 25 % of 10 = 2.5, rounded half up
    (3, False, 10, 2),  # 15 % of 10 = 1.5 → 2
    (3, False, 7, 1),  # 15 % of 7 = 1.05
    (2, True, 7, 1),  # a vetoed unit takes the third-tier share whatever its tier
    (1, False, 7, 2),  # 25 % of 7 = 1.75
    (2, False, 2, 1),  # 0.4 → at least one
])
def test_the_quota_follows_the_units_tier_and_refuses_one_more(bureau, tier, vetoed, size, quota):
    result(bureau, tier=tier, vetoed=vetoed)
    cadres = staff(bureau["unit"], size)
    members = cadres[1:] if vetoed else cadres  # the principal of a vetoed unit has a rule of its own
    assert grade_sheet(bureau["unit"], YEAR).quota.quota == quota
    for cadre in members[:quota]:
        enter(bureau, cadre, "优秀")
    message = refusal(bureau, members[quota], "优秀")
    assert f"名额 {quota} 人，已评优秀 {quota} 人" in message
    assert f"参加考核 {size} 人" in message
    assert CadreGrade.objects.filter(grade="优秀").count() == quota
    assert not CadreGrade.objects.filter(cadre=members[quota]).exists()


def test_without_an_annual_result_the_default_share_applies(bureau):
    staff(bureau["unit"], 10)
    sheet = grade_sheet(bureau["unit"], YEAR)
    assert (sheet.result, sheet.quota.share_percent, sheet.quota.quota) == (None, "20", 2)


def test_undetermined_cadres_take_no_share_and_cannot_shrink_the_quota_below_its_use(bureau):
    result(bureau, tier=2)
    cadres = staff(bureau["unit"], 10)
    enter(bureau, cadres[1], "优秀")
    enter(bureau, cadres[2], "优秀")
    for cadre in cadres[3:5]:
        enter(bureau, cadre, "不定等次")
    assert grade_sheet(bureau["unit"], YEAR).quota.graded == 8  # 8 × 20 % = 1.6 → 2
    # A third 不定等次 would leave 7 graded: 1.4 → 1 place, but two are 优秀 already.
    message = refusal(bureau, cadres[5], "不定等次")
    assert message == "改为该等次后优秀名额不足：本单位参加考核 7 人，优秀比例 20%，名额 1 人，已评优秀 2 人"
    enter(bureau, cadres[1], "称职")
    enter(bureau, cadres[5], "不定等次")
    assert (grade_sheet(bureau["unit"], YEAR).quota.used, grade_sheet(bureau["unit"], YEAR).quota.quota) == (1, 1)


def test_an_office_over_its_quota_can_still_move_people_down(bureau):
    cadres = staff(bureau["unit"], 10)
    enter(bureau, cadres[1], "优秀")
    enter(bureau, cadres[2], "优秀")
    # The unit is vetoed after the grades were entered, and the office lowered the share to 10 %.
    bureau["scheme"].excellent_share_third_tier = "0.1"
    bureau["scheme"].save()
    result(bureau, tier=3, vetoed=True)
    assert grade_sheet(bureau["unit"], YEAR).quota.quota == 1
    assert "优秀名额已满" in refusal(bureau, cadres[3], "优秀")
    enter(bureau, cadres[2], "优秀", comment="维持原等次")  # unchanged excess: allowed
    enter(bureau, cadres[1], "称职")
    assert grade_sheet(bureau["unit"], YEAR).quota.used == 1


def test_re_saving_an_excellent_grade_with_a_comment_is_not_counted_twice(bureau):
    cadres = staff(bureau["unit"], 5)  # quota 1
    enter(bureau, cadres[1], "优秀")
    enter(bureau, cadres[1], "优秀", comment="表现突出")
    assert CadreGrade.objects.get(cadre=cadres[1]).comment == "表现突出"


def test_records_limit_the_grade_and_the_heaviest_wins(bureau):
    cadres = staff(bureau["unit"], 10)
    warned, demerited, expelled, clean = cadres[1:5]
    record(warned, "党纪处分", "警告", date(YEAR, 3, 5), "区纪发〔2024〕3号")
    record(demerited, "政务处分", "记大过", date(YEAR - 1, 11, 20))
    record(expelled, "党纪处分", "警告", date(YEAR, 1, 5))
    record(expelled, "党纪处分", "留党察看", date(YEAR, 6, 1))
    record(clean, "党纪处分", "严重警告", date(YEAR - 1, 6, 1))  # that year only: 2023

    message = refusal(bureau, warned, "优秀")
    assert message == "党纪处分·警告（2024-03-05，区纪发〔2024〕3号）：当年不得评为优秀"
    enter(bureau, warned, "称职")

    assert "当年及次年不定等次" in refusal(bureau, demerited, "称职")
    enter(bureau, demerited, "不定等次")

    sheet = grade_sheet(bureau["unit"], YEAR)
    assert sheet.row_for(expelled.pk).allowed == {"不称职"}
    assert "留党察看" in refusal(bureau, expelled, "不定等次")
    enter(bureau, expelled, "不称职")

    assert sheet.row_for(clean.pk).allowed == {"优秀", "称职", "基本称职", "不称职", "不定等次"}
    enter(bureau, clean, "优秀")


def test_a_two_year_record_stops_limiting_in_the_third_year(bureau):
    cadres = staff(bureau["unit"], 5)
    record(cadres[1], "政务处分", "降级", date(YEAR - 2, 12, 1))
    assert grade_sheet(bureau["unit"], YEAR).row_for(cadres[1].pk).limits == []
    assert grade_sheet(bureau["unit"], YEAR - 1, today=date(YEAR, 1, 1)).row_for(cadres[1].pk).allowed == {"不定等次"}


def test_the_principal_of_a_vetoed_unit_cannot_be_excellent(bureau):
    veto_item = VetoItem.objects.create(name="安全生产", legal_basis="《安全生产法》")
    Verdict.objects.create(period=bureau["period"], unit=bureau["unit"], kind=VerdictKind.VETO,
                           veto_item=veto_item, reason="重大事故")
    result(bureau, tier=3, vetoed=True)
    principal, deputy, *_rest = staff(bureau["unit"], 10)
    assert refusal(bureau, principal, "优秀") == "本单位被一票否决（安全生产），正职不得评为优秀"
    enter(bureau, deputy, "优秀")


def test_a_cadre_of_another_unit_is_refused(bureau):
    staff(bureau["unit"], 3)
    stranger = Cadre.objects.create(name="外单位", gender="F", id_number=make_id_number("19800202", 90))
    assert "不是交通局 2024 年度参加考核的干部" in refusal(bureau, stranger, "称职")


def test_the_overview_counts_every_unit_in_a_fixed_number_of_queries(bureau, django_assert_max_num_queries):
    result(bureau, tier=1)
    cadres = staff(bureau["unit"], 10)
    enter(bureau, cadres[1], "优秀")
    enter(bureau, cadres[2], "不定等次")
    other = Unit.objects.create(code="WS", name="卫生局", kind=UnitKind.DEPARTMENT)
    staff(other, 0)
    with django_assert_max_num_queries(6):
        summaries = grade_overview(YEAR, Unit.objects.order_by("code"))
    by_code = {item.unit.code: item for item in summaries}
    transport = by_code["JT"]
    assert (transport.cadres, transport.graded, transport.quota.used, transport.quota.quota) == (10, 2, 1, 2)
    assert transport.tier_name == "第一等次"
    assert (by_code["WS"].cadres, by_code["WS"].quota.quota) == (0, 0)


@pytest.fixture
def officer_client(client, make_user):
    client.force_login(make_user("kaohe", [Role.ASSESSMENT_OFFICER]))
    return client


def test_the_grading_page_proposes_allowed_grades_and_shows_a_refusal(bureau, officer_client):
    cadres = staff(bureau["unit"], 5)  # quota 1
    record(cadres[2], "诫勉", "", date(YEAR, 4, 1), "区委组〔2024〕8号")
    url = reverse("assessment:grade_unit", kwargs={"year": YEAR, "unit_pk": bureau["unit"].pk})

    page = officer_client.get(url).content.decode()
    assert "诫勉（2024-04-01，区委组〔2024〕8号）：当年不得评为优秀" in page
    assert 'value="优秀" disabled>优秀（不可选）' in page
    # Nobody is graded by a stray click: an ungraded cadre's choice starts empty.
    assert '<option value="" selected disabled>请选择</option>' in page

    officer_client.post(url, {"cadre": cadres[1].pk, "grade": "优秀", "comment": "实绩突出"})
    page = officer_client.post(url, {"cadre": cadres[3].pk, "grade": "优秀"}, follow=True).content.decode()
    assert "未保存：优秀名额已满：本单位参加考核 5 人，优秀比例 20%，名额 1 人，已评优秀 1 人" in page
    assert list(CadreGrade.objects.values_list("cadre__name", "grade", "comment")) == [("干部01", "优秀", "实绩突出")]
    assert AuditEvent.objects.filter(action="grade.enter").count() == 1

    index = officer_client.get(reverse("assessment:grade_index"), {"year": YEAR}).content.decode()
    assert "交通局" in index and "1 / 1" in index


def test_the_grading_page_of_a_unit_out_of_scope_or_a_year_out_of_range_is_not_found(bureau, officer_client):
    assert officer_client.get(reverse("assessment:grade_unit", kwargs={"year": 1900, "unit_pk": bureau["unit"].pk})
                              ).status_code == 404
    assert officer_client.get(reverse("assessment:grade_unit", kwargs={"year": YEAR, "unit_pk": 999999})
                              ).status_code == 404
