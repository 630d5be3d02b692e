"""Classified records: their contents only for officers cleared to the record's level."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import AuditEvent, AuditOutcome
from accounts.roles import Role
from supervision.evaluation import after_records_changed
from supervision.models import Alert, Record, RecordAttachment, RecordType, Sensitivity


@pytest.fixture
def classified(registry):
    """张三 has a petition (敏感 by its type) and an investigation under way (核心 by its type)."""
    cadre = registry["cadre_a"]
    today = datetime.date.today()
    petition = Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name="信访举报", subtype="属实"),
                                     date=today, source="信访局", document_number="信〔2026〕7号",
                                     summary="举报属实的摘要")
    investigation = Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name="立案审查调查", subtype=""),
                                          date=today, source="纪委监委", document_number="立〔2026〕3号",
                                          summary="审查调查中的摘要")
    attachment = RecordAttachment(record=investigation, original_name="立案决定书.pdf", size=4, sha256="0" * 64,
                                  content_type="application/pdf")
    attachment.file.save("a.pdf", ContentFile(b"%PDF"), save=False)
    attachment.save()
    after_records_changed([cadre.pk])
    return {"cadre": cadre, "petition": petition, "investigation": investigation, "attachment": attachment}


def test_labels_come_from_the_record_type_or_the_record_whichever_is_higher(classified):
    assert classified["petition"].effective_sensitivity == Sensitivity.SENSITIVE
    assert classified["investigation"].effective_sensitivity == Sensitivity.CORE
    reminder = Record(record_type=RecordType.objects.get(name="提醒谈话"), sensitivity=Sensitivity.CORE)
    assert reminder.effective_sensitivity == Sensitivity.CORE


def test_the_file_shows_a_core_record_exists_but_withholds_its_contents(client, personas, classified):
    client.force_login(personas[Role.SUPERVISION_OFFICER])  # cleared to 敏感, not 核心
    page = client.get(reverse("supervision:cadre_file", kwargs={"cadre_pk": classified["cadre"].pk})).content.decode()
    assert "立案审查调查" in page  # it counts for points and promotion, so the officer sees it exists
    assert "审查调查中的摘要" not in page and "立〔2026〕3号" not in page and "立案决定书.pdf" not in page
    assert "内容超出您的涉密权限" in page
    assert "举报属实的摘要" in page and "信〔2026〕7号" in page  # a sensitive record is within clearance


def test_asking_for_a_core_record_directly_is_refused_and_logged(client, personas, classified):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    edit = client.get(reverse("supervision:record_edit", kwargs={"record_pk": classified["investigation"].pk}))
    assert edit.status_code == 403 and "超出您的涉密权限" in edit.content.decode()
    download = client.get(reverse("supervision:attachment_download",
                                  kwargs={"attachment_pk": classified["attachment"].pk}))
    assert download.status_code == 403
    refused = AuditEvent.objects.filter(action="supervision.record_refused_clearance", outcome=AuditOutcome.DENIED)
    assert refused.count() == 2
    assert client.get(reverse("supervision:record_edit",
                              kwargs={"record_pk": classified["petition"].pk})).status_code == 200


def test_lists_and_alerts_leave_out_what_the_reader_may_not_see(client, personas, classified):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    listed = client.get(reverse("supervision:record_list")).content.decode()
    assert "举报属实的摘要" in listed and "审查调查中的摘要" not in listed
    alert = Alert.objects.filter(cadre=classified["cadre"]).first()
    detail = client.get(reverse("supervision:alert_detail", kwargs={"alert_pk": alert.pk})).content.decode()
    assert "立〔2026〕3号" not in detail and "超出涉密权限" in detail


def test_a_superuser_break_glass_account_reads_everything(client, django_user_model, classified):
    root = django_user_model.objects.create_superuser("breakglass", password="Br3ak!Glass#2026")
    client.force_login(root)
    page = client.get(reverse("supervision:cadre_file", kwargs={"cadre_pk": classified["cadre"].pk})).content.decode()
    assert "审查调查中的摘要" in page


def test_the_security_administrator_grants_core_clearance_and_it_is_logged(client, personas, classified):
    supervisor = personas[Role.SUPERVISION_OFFICER]
    client.force_login(personas[Role.SECURITY_ADMIN])
    response = client.post(reverse("accounts:user_detail", kwargs={"user_pk": supervisor.pk}),
                           {"roles": [Role.SUPERVISION_OFFICER.value], "clearance": str(Sensitivity.CORE)})
    assert response.status_code == 302
    change = AuditEvent.objects.filter(action="accounts.roles.changed", object_id=str(supervisor.pk)).get()
    assert (change.detail["before"]["clearance"], change.detail["after"]["clearance"]) == (2, 3)
    client.force_login(supervisor)
    page = client.get(reverse("supervision:cadre_file", kwargs={"cadre_pk": classified["cadre"].pk})).content.decode()
    assert "审查调查中的摘要" in page and "立〔2026〕3号" in page
