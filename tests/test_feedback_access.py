"""Who opens which feedback page: the feedback part of the URL × role walk, run on its own, and the
publishing gate for unit viewers (their own unit's report and items, only once published; never
another unit's)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import PeriodState
from feedback.models import RectificationItem, RectificationStatus
from feedback.rectification import rectification_create, rectification_report_progress
from tests.feedback_objects import (
    FEEDBACK_ALLOWED,
    FEEDBACK_POST_ONLY,
    PDF_BYTES,
    feedback_objects,
    feedback_url,
)
from tests.test_access import named_patterns


def feedback_patterns():
    return [(name, pattern) for name, pattern in named_patterns() if name.startswith("feedback:")]


def test_every_feedback_url_is_in_the_access_table():
    names = {name for name, _pattern in feedback_patterns()}
    assert names == set(FEEDBACK_ALLOWED) | FEEDBACK_POST_ONLY


@pytest.mark.parametrize("role", [*Role, None], ids=lambda role: role.value if role else "no-role")
def test_each_role_gets_what_the_table_says(client, personas, registry, role):
    client.force_login(personas[role])
    wrong = []
    for name, pattern in feedback_patterns():
        expected = 405 if name in FEEDBACK_POST_ONLY else 200 if role in FEEDBACK_ALLOWED[name] else 403
        status = client.get(feedback_url(name, pattern, registry)).status_code
        if status != expected:
            wrong.append((name, status, expected))
    assert not wrong


def test_anonymous_visitors_are_sent_to_log_in(client, registry):
    for name, pattern in feedback_patterns():
        response = client.get(feedback_url(name, pattern, registry))
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response.url.startswith(reverse("login")), name


@pytest.fixture
def other_units_item(registry):
    """An item of town B, with evidence, in the same published period."""
    item = rectification_create(period=registry["period"], unit=registry["town_b"], source="feedback",
                                problem="乙镇的问题", requirement="乙镇的要求", deadline=datetime.date(2025, 6, 30))
    rectification_report_progress(item, status=RectificationStatus.IN_PROGRESS, note="乙镇进展",
                                  evidence_file=SimpleUploadedFile("乙镇.pdf", PDF_BYTES))
    return item


def test_a_unit_viewer_never_opens_another_units_report_items_or_evidence(client, personas, registry,
                                                                         other_units_item):
    client.force_login(personas[Role.UNIT_VIEWER])
    period, town_b = registry["period"], registry["town_b"]
    for url in (reverse("feedback:report", kwargs={"period_pk": period.pk, "unit_pk": town_b.pk}),
                reverse("feedback:report_xlsx", kwargs={"period_pk": period.pk, "unit_pk": town_b.pk}),
                reverse("feedback:rectification_detail", kwargs={"item_pk": other_units_item.pk}),
                reverse("feedback:evidence_download", kwargs={"evidence_pk": other_units_item.evidence.get().pk})):
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("feedback:rectification_list")).content.decode()
    assert "乙镇的问题" not in listed
    # Nor can it report progress on another unit's item.
    response = client.post(reverse("feedback:rectification_progress", kwargs={"item_pk": other_units_item.pk}),
                           {"status": RectificationStatus.DONE, "note": "冒名报送"})
    assert response.status_code == 404
    other_units_item.refresh_from_db()
    assert other_units_item.status == RectificationStatus.IN_PROGRESS
    assert not other_units_item.updates.filter(note="冒名报送").exists()


def test_a_unit_viewer_sees_its_own_feedback_only_once_the_period_is_published(client, personas, registry):
    objects = feedback_objects(registry)
    period, town_a = registry["period"], registry["town_a"]
    client.force_login(personas[Role.UNIT_VIEWER])
    own_report = reverse("feedback:report", kwargs={"period_pk": period.pk, "unit_pk": town_a.pk})
    own_item = reverse("feedback:rectification_detail", kwargs={"item_pk": objects["item_pk"]})
    own_evidence = reverse("feedback:evidence_download", kwargs={"evidence_pk": objects["evidence_pk"]})
    assert client.get(own_report).status_code == 200
    assert client.get(own_item).status_code == 200
    assert "台账不全" in client.get(reverse("feedback:rectification_list")).content.decode()

    for state in (PeriodState.LOCKED, PeriodState.OPEN):
        period.state = state
        period.save(update_fields=["state"])
        assert client.get(own_report).status_code == 404, state
        assert client.get(own_item).status_code == 404, state
        assert client.get(own_evidence).status_code == 404, state
        assert "台账不全" not in client.get(reverse("feedback:rectification_list")).content.decode()
        assert client.get(reverse("feedback:index")).status_code == 200
        # Officers go on seeing it while the period is being prepared.
        client.force_login(personas[Role.SUPERVISION_OFFICER])
        assert client.get(own_report).status_code == 200
        client.force_login(personas[Role.UNIT_VIEWER])


def test_a_unit_viewer_reports_progress_on_its_own_item_with_evidence_and_downloads_it(client, personas, registry):
    objects = feedback_objects(registry)
    item = RectificationItem.objects.get(pk=objects["item_pk"])
    viewer = personas[Role.UNIT_VIEWER]
    client.force_login(viewer)
    scan = SimpleUploadedFile("整改报告.pdf", PDF_BYTES + b"% report\n")
    response = client.post(reverse("feedback:rectification_progress", kwargs={"item_pk": item.pk}),
                           {"status": RectificationStatus.DONE, "note": "台账已全部补齐", "evidence": scan})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == RectificationStatus.DONE and item.finished_on is not None
    evidence = item.evidence.get(original_name="整改报告.pdf")
    download = client.get(reverse("feedback:evidence_download", kwargs={"evidence_pk": evidence.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="feedback.evidence.downloaded", object_id=str(evidence.pk),
                                     user=viewer).exists()
    # The office's 销号 is not the unit's to give, not even through the form.
    response = client.post(reverse("feedback:rectification_progress", kwargs={"item_pk": item.pk}),
                           {"status": RectificationStatus.CLOSED, "note": "自行销号"})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == RectificationStatus.DONE


def test_evidence_is_checked_by_content_not_by_name(client, personas, registry):
    objects = feedback_objects(registry)
    client.force_login(personas[Role.UNIT_VIEWER])
    disguised = SimpleUploadedFile("整改报告.pdf", b"MZ\x90\x00 this is a program")
    response = client.post(reverse("feedback:rectification_progress", kwargs={"item_pk": objects["item_pk"]}),
                           {"status": RectificationStatus.DONE, "note": "见附件", "evidence": disguised})
    assert response.status_code == 400
    assert "不是允许的文件类型" in response.content.decode()
    item = RectificationItem.objects.get(pk=objects["item_pk"])
    assert item.status == RectificationStatus.IN_PROGRESS  # nothing was stored
    assert not item.evidence.filter(original_name="整改报告.pdf").exists()


def test_officers_see_every_units_items_and_the_supervision_officer_cannot_edit(client, personas, registry,
                                                                                 other_units_item):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    listed = client.get(reverse("feedback:rectification_list")).content.decode()
    assert "乙镇" in listed
    response = client.post(reverse("feedback:rectification_review", kwargs={"item_pk": other_units_item.pk}),
                           {"action": "close"})
    assert response.status_code == 403
    response = client.post(reverse("feedback:note_edit", kwargs={"period_pk": registry["period"].pk,
                                                                 "unit_pk": registry["town_b"].pk}),
                           {"comments": "越权"})
    assert response.status_code == 403
