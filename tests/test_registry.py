from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cadres.id_numbers import id_number_problem, mask_id_number, mask_phone
from cadres.models import Appointment, AppointmentRole, Cadre, Unit, UnitKind


def test_it_accepts_a_valid_id_number_and_names_the_expected_check_character():
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("110105194912310021") == "身份证号校验位错误：末位应为X"
    assert "18位" in id_number_problem("1101051949")
    assert "出生日期" in id_number_problem("110105194913310020")


def test_it_masks_id_numbers_and_phones():
    assert mask_id_number("11010519491231002X") == "1101************2X"
    assert mask_phone("13800001111") == "138****1111"


@pytest.mark.django_db
def test_a_unit_code_is_unique_with_a_chinese_message():
    Unit.objects.create(code="T01", name="青石镇", kind=UnitKind.TOWNSHIP)
    duplicate = Unit(code="T01", name="白鹭镇", kind=UnitKind.TOWNSHIP)
    with pytest.raises(ValidationError) as raised:
        duplicate.full_clean()
    assert raised.value.message_dict["code"] == ["单位代码已被其他单位使用"]
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.django_db
def test_an_appointment_cannot_end_before_it_starts(registry):
    appointment = Appointment(cadre=registry["cadre_b"], unit=registry["town_a"], title="副镇长",
                              role=AppointmentRole.DEPUTY, start_date=date(2022, 5, 1), end_date=date(2022, 4, 1))
    with pytest.raises(ValidationError) as raised:
        appointment.full_clean()
    assert "免职时间不能早于任职时间" in str(raised.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        appointment.save()


@pytest.mark.django_db
def test_principal_appointments_of_one_cadre_in_one_unit_cannot_overlap(registry):
    # 张三 has been principal (党委书记) of 甲镇 since 2020-01-01 with no end date.
    overlapping = Appointment(cadre=registry["cadre_a"], unit=registry["town_a"], title="镇长",
                              role=AppointmentRole.PRINCIPAL, start_date=date(2019, 6, 1), end_date=date(2020, 6, 1))
    with pytest.raises(ValidationError) as raised:
        overlapping.full_clean()
    assert "与本次任职时间重叠" in str(raised.value) and "甲镇" in str(raised.value)

    before = Appointment(cadre=registry["cadre_a"], unit=registry["town_a"], title="镇长",
                         role=AppointmentRole.PRINCIPAL, start_date=date(2017, 1, 1), end_date=date(2019, 12, 31))
    before.full_clean()  # ends the day before the current post begins: no overlap


@pytest.mark.django_db
def test_a_cadre_with_a_bad_id_number_is_refused(registry):
    cadre = Cadre(name="王五", gender="M", id_number="110105194912310021")
    with pytest.raises(ValidationError) as raised:
        cadre.full_clean()
    assert raised.value.message_dict["id_number"] == ["身份证号校验位错误：末位应为X"]


@pytest.mark.django_db
def test_a_unit_cannot_become_its_own_ancestor():
    county = Unit.objects.create(code="C1", name="上级", kind=UnitKind.COUNTY)
    town = Unit.objects.create(code="C2", name="下级", kind=UnitKind.TOWNSHIP, parent=county)
    county.parent = town
    with pytest.raises(ValidationError) as raised:
        county.full_clean()
    assert raised.value.message_dict["parent"] == ["上级单位不能是本单位的下级单位"]


@pytest.mark.django_db
def test_a_cadres_unit_at_a_date_comes_from_the_appointments_active_then(registry):
    cadre = registry["cadre_b"]
    Appointment.objects.filter(cadre=cadre).update(end_date=date(2023, 6, 30))
    Appointment.objects.create(cadre=cadre, unit=registry["town_a"], title="镇长", role=AppointmentRole.PRINCIPAL,
                               start_date=date(2023, 7, 1))
    assert [a.unit.code for a in cadre.current_appointments(date(2022, 1, 1))] == ["TB"]
    assert [a.unit.code for a in cadre.current_appointments(date(2024, 1, 1))] == ["TA"]
