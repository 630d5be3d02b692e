"""The alert inbox and an alert's page: open alerts first, filters, the handling form and closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from supervision.evaluation import after_records_changed
from supervision.models import Alert, AlertStatus, Record, RecordType

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, personas):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    return client


@pytest.fixture
def alerts(registry):
    """An admonishment-line alert for 张三 (甲镇) and a reminder-line alert for 李四 (乙镇), handled."""
    day = timezone.localdate() - timedelta(days=5)
    for cadre, name, subtype in ((registry["cadre_a"], "政务处分", "降级"), (registry["cadre_b"], "信访举报", "属实")):
        Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name=name, subtype=subtype), date=day,
                              source="纪委监委", document_number=f"文号{cadre.pk}")
    after_records_changed([registry["cadre_a"].pk, registry["cadre_b"].pk], day)
    first = Alert.objects.get(cadre=registry["cadre_a"])
    second = Alert.objects.get(cadre=registry["cadre_b"])
    Alert.objects.filter(pk=second.pk).update(status=AlertStatus.HANDLED)
    return first, second


def test_the_inbox_lists_open_alerts_first_with_their_records(officer_client, alerts):
    first, second = alerts
    response = officer_client.get(reverse("supervision:alert_list"))
    assert [alert.pk for alert in response.context["page"].object_list] == [first.pk, second.pk]
    content = response.content.decode()
    assert "政务处分·降级" in content and "文号" in content and "甲镇" in content and "诫勉线" in content


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": "handled"}, ["李四"]), ({"line": "admonishment"}, ["张三"]), ({"unit": "TB"}, ["李四"]),
    ({"unit": "NOPE"}, []),
])
def test_the_inbox_filters(officer_client, alerts, query, expected):
    response = officer_client.get(reverse("supervision:alert_list"), query)
    assert [alert.cadre.name for alert in response.context["page"].object_list] == expected


def test_an_empty_inbox_says_so(officer_client, registry):
    assert "还没有触线预警" in officer_client.get(reverse("supervision:alert_list")).content.decode()


def test_an_officer_handles_then_closes_an_alert(officer_client, alerts):
    alert = alerts[0]
    url = reverse("supervision:alert_detail", kwargs={"alert_pk": alert.pk})
    page = officer_client.get(url).content.decode()
    assert "11010519491231002X" in page and "登记处置" in page  # the full ID number, on a supervision page

    refused = officer_client.post(url, {"action": "no_action", "date": timezone.localdate().isoformat(), "note": ""})
    assert refused.status_code == 200 and "必须写明理由" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN

    done = officer_client.post(url, {"action": "talk", "date": timezone.localdate().isoformat(), "note": "已谈话"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.HANDLED
    page = officer_client.get(url).content.decode()
    assert "谈心谈话" in page and "已谈话" in page and "办结预警" in page

    closed = officer_client.post(reverse("supervision:alert_close", kwargs={"alert_pk": alert.pk}), follow=True)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and "预警已办结" in closed.content.decode()
    again = officer_client.post(reverse("supervision:alert_close", kwargs={"alert_pk": alert.pk}), follow=True)
    assert "办结" in again.content.decode() and AuditEvent.objects.filter(action="supervision.alert.closed").count() == 1
    assert AuditEvent.objects.filter(action="supervision.alert.viewed", object_id=str(alert.pk)).exists()


def test_closing_an_open_alert_is_refused_on_the_page(officer_client, alerts):
    alert = alerts[0]
    response = officer_client.post(reverse("supervision:alert_close", kwargs={"alert_pk": alert.pk}), follow=True)
    assert "须先处置再办结" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_other_roles_cannot_handle_alerts(client, personas, alerts):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    url = reverse("supervision:alert_detail", kwargs={"alert_pk": alerts[0].pk})
    assert client.post(url, {"action": "talk", "date": timezone.localdate().isoformat()}).status_code == 403
    assert Alert.objects.get(pk=alerts[0].pk).status == AlertStatus.OPEN
