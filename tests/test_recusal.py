"""Recusal (回避): an officer cannot open his own supervision file nor a close relative's."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, AuditOutcome
from accounts.roles import Role
from cadres.id_numbers import check_character
from cadres.models import Cadre, Kinship, Relation
from supervision.evaluation import after_records_changed
from supervision.models import Alert, Record, RecordType


@pytest.fixture
def officer_who_is_a_cadre(personas, registry):
    """The supervision officer is himself 王五, a cadre; 张三 (cadre_a) is his spouse's father."""
    officer = personas[Role.SUPERVISION_OFFICER]
    number = "11010519800101003" + check_character("11010519800101003")
    himself = Cadre.objects.create(name="王五", gender="M", id_number=number, account=officer)
    return officer, himself


def record_for(cadre: Cadre) -> Record:
    record = Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name="诫勉"),
                                   date=datetime.date.today(), source="纪委监委", summary=f"{cadre.name}的记录")
    after_records_changed([cadre.pk])
    return record


def file_urls(cadre: Cadre) -> list[str]:
    record = record_for(cadre)
    alert = Alert.objects.get(cadre=cadre)
    return [
        reverse("supervision:cadre_file", kwargs={"cadre_pk": cadre.pk}),
        reverse("supervision:record_create", kwargs={"cadre_pk": cadre.pk}),
        reverse("supervision:record_edit", kwargs={"record_pk": record.pk}),
        reverse("supervision:alert_detail", kwargs={"alert_pk": alert.pk}),
        reverse("supervision:precheck") + f"?cadre={cadre.pk}",
    ]


def test_an_officer_cannot_open_his_own_file(client, officer_who_is_a_cadre):
    officer, himself = officer_who_is_a_cadre
    client.force_login(officer)
    urls = file_urls(himself)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "按照回避规定，您不能查看本人或近亲属的监督档案" in response.content.decode()
    refusals = AuditEvent.objects.filter(action="supervision.file_refused_recusal", outcome=AuditOutcome.DENIED,
                                         object_id=str(himself.pk))
    assert refusals.count() == len(urls)
    assert not AuditEvent.objects.filter(action="supervision.file_view", object_id=str(himself.pk)).exists()


def test_a_close_relative_declared_either_way_round_is_refused_too(client, registry, officer_who_is_a_cadre):
    officer, himself = officer_who_is_a_cadre
    Kinship.objects.create(cadre=registry["cadre_a"], relative=himself, relation=Relation.PARENT_IN_LAW)
    client.force_login(officer)
    assert client.get(reverse("supervision:cadre_file", kwargs={"cadre_pk": registry["cadre_a"].pk})).status_code == 403
    # 李四 is no relative: his file opens as usual, and the opening is logged as a file view.
    assert client.get(reverse("supervision:cadre_file", kwargs={"cadre_pk": registry["cadre_b"].pk})).status_code == 200
    assert AuditEvent.objects.filter(action="supervision.file_view", object_id=str(registry["cadre_b"].pk)).exists()


def test_which_relations_oblige_recusal_is_configured(client, settings, registry, officer_who_is_a_cadre):
    officer, himself = officer_who_is_a_cadre
    Kinship.objects.create(cadre=himself, relative=registry["cadre_b"], relation=Relation.OTHER)
    client.force_login(officer)
    url = reverse("supervision:cadre_file", kwargs={"cadre_pk": registry["cadre_b"].pk})
    assert client.get(url).status_code == 200  # 其他亲属 is not on the default list
    settings.RECUSAL_RELATIONS = [*settings.RECUSAL_RELATIONS, "其他亲属"]
    assert client.get(url).status_code == 403


def test_the_record_and_alert_lists_leave_out_the_officers_own_records(client, registry, officer_who_is_a_cadre):
    officer, himself = officer_who_is_a_cadre
    record_for(himself)
    record_for(registry["cadre_b"])
    client.force_login(officer)
    records = client.get(reverse("supervision:record_list")).content.decode()
    assert "李四的记录" in records and "王五的记录" not in records
    alerts = client.get(reverse("supervision:alert_list")).content.decode()
    assert "李四" in alerts and "王五" not in alerts


def test_another_officer_opens_the_same_file(client, make_user, officer_who_is_a_cadre):
    _officer, himself = officer_who_is_a_cadre
    colleague = make_user("colleague", [Role.SUPERVISION_OFFICER])
    client.force_login(colleague)
    assert client.get(reverse("supervision:cadre_file", kwargs={"cadre_pk": himself.pk})).status_code == 200


def test_a_batch_pre_check_withholds_the_officers_own_verdict(client, registry, officer_who_is_a_cadre):
    officer, himself = officer_who_is_a_cadre
    client.force_login(officer)
    page = client.post(reverse("supervision:precheck_batch"),
                       {"id_numbers": f"{himself.id_number}\n{registry['cadre_b'].id_number}"}).content.decode()
    assert "按照回避规定，不能核查本人或近亲属" in page and "李四" in page
    assert AuditEvent.objects.filter(action="supervision.file_refused_recusal", object_id=str(himself.pk)).exists()
