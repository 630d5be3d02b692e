"""Level-3 protections that live in the frame of every request: the CSP, session limits, the audit log's own guard."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_every_page_carries_a_policy_that_allows_nothing_inline(client, personas):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    for url in (reverse("dashboard"), reverse("login"), reverse("cadres:unit_list")):
        policy = client.get(url).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "http" not in policy


def test_no_template_has_inline_script_style_or_event_handlers():
    offending = []
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=|<style", re.IGNORECASE)
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if inline.search(line):
                offending.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}")
    assert not offending, offending


def test_a_session_ends_after_the_absolute_limit_however_active(client, personas, settings):
    settings.SESSION_ABSOLUTE_HOURS = 12
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    assert client.get(reverse("dashboard")).status_code == 200
    session = client.session
    session["_session_started_at"] = time.time() - 12 * 3600 - 60
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("dashboard")).status_code == 302  # logged out, not just redirected once
    assert AuditEvent.objects.filter(action="session.expired", username="officer").count() == 1


def test_a_session_within_the_limit_goes_on(client, personas):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    session = client.session
    session["_session_started_at"] = time.time() - 11 * 3600
    session.save()
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_postgresql_refuses_to_change_or_delete_audit_rows_even_by_raw_sql(personas):
    from django.db import DatabaseError

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL (CI runs this on PostgreSQL)")
    event = AuditEvent.objects.create(action="test.event", username="officer", user=personas[Role.ASSESSMENT_OFFICER])
    with connection.cursor() as cursor:
        for statement in ("UPDATE accounts_auditevent SET action = 'forged' WHERE id = %s",
                          "DELETE FROM accounts_auditevent WHERE id = %s"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(statement, [event.pk])
    event.refresh_from_db()
    assert event.action == "test.event"
    # Deleting the user only unlinks the row; the name stays.
    personas[Role.ASSESSMENT_OFFICER].delete()
    event.refresh_from_db()
    assert event.user_id is None and event.username == "officer" and event.action == "test.event"
