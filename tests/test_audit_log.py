"""One audit log of security events: what is written, the audit administrator's page, the archive export
and the purge that retention allows."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.second_factor import code_now
from tests.conftest import authenticator_of, enter_code, log_in_with_password

pytestmark = pytest.mark.django_db


def event_at(when: datetime, action: str = "test.event", username: str = "someone", outcome: str = "success",
             object_repr: str = "") -> None:
    """An event that happened at ``when``. The model stamps the time itself, so the past is written in SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditevent (occurred_at, username, ip_address, action, object_type, object_id,"
            " object_repr, outcome, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [connection.ops.adapt_datetimefield_value(when), username, "10.1.2.3", action, "", "", object_repr,
             outcome, json.dumps({})])


def local(year, month, day, hour=0, minute=0, second=0) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, minute, second))


def test_a_login_journey_leaves_a_complete_trail(personas):
    """Time, user, address, event, object and outcome for logins, failures, lockouts and second factors."""
    device = authenticator_of(personas[Role.SUPERVISION_OFFICER])
    client = Client(REMOTE_ADDR="10.20.30.40")
    log_in_with_password(client, "supervisor", "wrong")
    log_in_with_password(client, "supervisor")
    enter_code(client, "000000" if code_now(device)[0] != "000000" else "111111")
    for _attempt in range(5):
        log_in_with_password(Client(REMOTE_ADDR="10.20.30.41"), "officer", "wrong")
    trail = {(event.action, event.username, event.outcome) for event in AuditEvent.objects.all()}
    assert {("auth.login_failed", "supervisor", "failure"), ("auth.login", "supervisor", "success"),
            ("auth.second_factor.failed", "supervisor", "failure"), ("auth.locked_out", "officer", "denied")} <= trail
    login = AuditEvent.objects.get(action="auth.login")
    assert login.ip_address == "10.20.30.40" and login.user == personas[Role.SUPERVISION_OFFICER]
    assert login.occurred_at > timezone.now() - timedelta(minutes=1)


def test_the_auditor_searches_the_log_by_time_user_event_outcome_and_object(client, personas):
    event_at(local(2026, 3, 1, 9), "auth.login", "kaohe")
    event_at(local(2026, 3, 2, 9), "auth.login_failed", "kaohe", "failure")
    event_at(local(2026, 3, 3, 9), "supervision.file_view", "jiandu", object_repr="张三")
    event_at(local(2026, 3, 4, 9), "accounts.roles.changed", "anquan", object_repr="kaohe")
    client.force_login(personas[Role.AUDITOR])
    url = reverse("accounts:audit_log")

    def actions(**criteria) -> list[str]:
        page = client.get(url, criteria)
        assert page.status_code == 200
        # The auditor's own login is on the log too; these are the four events written above.
        return [event.action for event in page.context["page"].object_list if event.username != "auditor"]

    assert actions(since="2026-03-02", until="2026-03-03") == ["supervision.file_view", "auth.login_failed"]
    assert actions(user="kaohe") == ["auth.login_failed", "auth.login"]
    assert actions(action="file_view") == ["supervision.file_view"]
    assert actions(outcome="failure", since="2026-01-01", until="2026-12-31") == ["auth.login_failed"]
    assert actions(object="张三") == ["supervision.file_view"]
    page = client.get(url, {"object": "张三"}).content.decode()
    assert "张三" in page and "jiandu" in page and "10.1.2.3" in page


def test_the_audit_page_pages_through_the_log_and_downloads_what_was_found(client, personas):
    for minute in range(60):
        event_at(local(2026, 4, 1, 8, minute), "statistics.import.committed", "tianbao")
    event_at(local(2026, 4, 1, 10), "=HYPERLINK(\"http://x\")", "tianbao")
    client.force_login(personas[Role.AUDITOR])
    url = reverse("accounts:audit_log")
    first = client.get(url, {"user": "tianbao"})
    assert first.context["page"].paginator.count == 61 and len(first.context["page"].object_list) == 50
    second = client.get(url, {"user": "tianbao", "page": 2})
    assert len(second.context["page"].object_list) == 11

    download = client.get(url, {"user": "tianbao", "_export": "xlsx"})
    assert download["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "用户名", "地址", "事件") and len(rows) == 62
    assert rows[1][0] == "2026-04-01 08:00:00" and rows[1][1] == "tianbao"
    assert rows[-1][3] == "'=HYPERLINK(\"http://x\")"  # text, not a formula, when opened in Excel
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.username == "auditor" and exported.detail == {"rows": 61, "via": "page",
                                                                 "criteria": {"user": "tianbao"}}


@pytest.mark.parametrize("role", [role for role in [*Role, None] if role is not Role.AUDITOR],
                         ids=lambda role: role.value if role else "no-role")
def test_only_the_auditor_opens_or_downloads_the_log(client, personas, role):
    client.force_login(personas[role])
    assert client.get(reverse("accounts:audit_log")).status_code == 403
    assert client.get(reverse("accounts:audit_log"), {"_export": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_export_command_writes_exactly_the_date_range(tmp_path):
    event_at(local(2026, 1, 31, 23, 59, 59), action="before")
    event_at(local(2026, 2, 1, 0, 0, 0), action="first", username="@SUM(A1)")
    event_at(local(2026, 2, 28, 23, 59, 59), action="last")
    event_at(local(2026, 3, 1, 0, 0, 0), action="after")
    output = io.StringIO()
    call_command("export_audit_log", "--since", "2026-02-01", "--until", "2026-02-28",
                 "--output", str(tmp_path / "feb.xlsx"), stdout=output)
    rows = list(load_workbook(tmp_path / "feb.xlsx").active.iter_rows(values_only=True))
    assert [row[3] for row in rows[1:]] == ["first", "last"]
    assert rows[1][0] == "2026-02-01 00:00:00" and rows[1][1] == "'@SUM(A1)"
    assert "已导出2条" in output.getvalue()

    call_command("export_audit_log", "--since", "2026-01-31", "--until", "2026-03-01",
                 "--output", str(tmp_path / "all.csv"), stdout=io.StringIO())
    lines = list(csv.reader(io.StringIO((tmp_path / "all.csv").read_bytes().decode("utf-8-sig"))))
    assert [line[3] for line in lines[1:]] == ["before", "first", "last", "after"]
    # Each export is itself on the log, with its range and row count.
    exports = AuditEvent.objects.filter(action="audit.exported").order_by("pk")
    assert [(event.detail["since"], event.detail["until"], event.detail["rows"]) for event in exports] == [
        ("2026-02-01", "2026-02-28", 2), ("2026-01-31", "2026-03-01", 4)]
    with pytest.raises(CommandError, match="xlsx"):
        call_command("export_audit_log", "--since", "2026-02-01", "--until", "2026-02-28",
                     "--output", str(tmp_path / "feb.json"))
    with pytest.raises(CommandError, match="截止日期早于起始日期"):
        call_command("export_audit_log", "--since", "2026-03-01", "--until", "2026-02-28",
                     "--output", str(tmp_path / "x.csv"))


def test_nothing_younger_than_the_retention_period_can_be_purged(tmp_path):
    today = timezone.localdate()
    old = timezone.now() - timedelta(days=200)
    event_at(old, action="old")
    event_at(timezone.now() - timedelta(days=100), action="young")
    too_recent = today - timedelta(days=179)
    with pytest.raises(CommandError, match="至少保存"):
        call_command("purge_audit_log", "--before", too_recent.isoformat(), "--archive", str(tmp_path / "a.csv"))
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"old", "young"}
    assert AuditEvent.objects.filter(action="audit.purge_refused", outcome="denied").exists()

    cutoff = today - timedelta(days=180)
    call_command("purge_audit_log", "--before", cutoff.isoformat(), "--archive", str(tmp_path / "old.xlsx"),
                 stdout=io.StringIO())
    archived = [row[3] for row in load_workbook(tmp_path / "old.xlsx").active.iter_rows(values_only=True)][1:]
    assert archived == ["old"]
    assert not AuditEvent.objects.filter(action="old").exists()
    assert AuditEvent.objects.filter(action="young").exists()
    purged = AuditEvent.objects.get(action="audit.purged")
    assert purged.detail["rows"] == 1 and purged.detail["before"] == cutoff.isoformat()


def test_the_retention_cannot_be_configured_below_180_days():
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], capture_output=True, text=True,
        env={"DJANGO_SETTINGS_MODULE": "assessment.settings", "AUDIT_RETENTION_DAYS": "90",
             "PATH": "/usr/bin:/bin"}, cwd=settings.BASE_DIR)
    assert result.returncode != 0 and "AUDIT_RETENTION_DAYS must be at least 180" in result.stderr


def test_postgresql_refuses_a_purge_of_young_rows_even_in_raw_sql():
    from django.db import DatabaseError, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL (CI runs this on PostgreSQL)")
    event_at(timezone.now() - timedelta(days=10), action="young")
    with connection.cursor() as cursor, pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        # Even naming a cut-off in the purge's own setting: it is younger than 180 days.
        cursor.execute("SELECT set_config('accounts.audit_purge_before', %s, true)",
                       [timezone.now().isoformat()])
        cursor.execute("DELETE FROM accounts_auditevent WHERE action = 'young'")
    assert AuditEvent.objects.filter(action="young").exists()
