"""Logging in: lockout, idle expiry, password strength, and the audit trail of it all.

The second factor has its own file, tests/test_auth_second_factor.py; password age, tests/test_auth_passwords.py."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.second_factor import code_now
from tests.conftest import PASSWORD, authenticator_of, enter_code


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_a_good_login_lands_on_the_chinese_dashboard_and_is_logged(client, personas):
    device = authenticator_of(personas[Role.ASSESSMENT_OFFICER])
    response = login(client, "officer", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("dashboard")
    # The password is the first factor; the code from the authenticator app is the second.
    code_step = client.get(reverse("dashboard"))
    assert code_step.status_code == 302 and code_step.url.startswith(reverse("accounts:verify"))
    assert enter_code(client, code_now(device)[0]).url == "/"
    page = client.get(reverse("dashboard")).content.decode()
    assert "工作台" in page and "考核办" in page
    assert AuditEvent.objects.filter(action="auth.login", username="officer").exists()
    assert AuditEvent.objects.filter(action="auth.second_factor.verified", username="officer").exists()


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_for_fifteen_minutes(client, personas):
    for _attempt in range(5):
        assert login(client, "officer", "wrong-password").status_code in (200, 429)
    locked = login(client, "officer", PASSWORD)
    assert locked.status_code == 429
    assert "账号已暂时锁定" in locked.content.decode()
    assert not client.session.get("_auth_user_id")
    assert AuditEvent.objects.filter(action="auth.login_failed", username="officer").count() >= 5
    assert AuditEvent.objects.filter(action="auth.locked_out", username="officer").exists()
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    # Another account is not affected.
    assert login(client, "supervisor", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_wrong_password_shows_a_chinese_message(client, personas):
    page = login(client, "officer", "nope").content.decode()
    assert "请输入正确的用户名和密码" in page or "请输入一个正确的" in page


def test_sessions_expire_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # every request renews the cookie: the limit is idleness


@pytest.mark.django_db
def test_a_session_idle_past_its_expiry_is_sent_back_to_login(client, personas):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    assert client.get(reverse("dashboard")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    # Each request pushes the expiry 30 minutes ahead of now.
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert 29 * 60 < remaining <= 30 * 60
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "12345678901234", "password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_is_accepted():
    validate_password("Yx#Tianbao-Ke2026")


@pytest.mark.django_db
def test_logout_needs_a_post_and_ends_the_session(client, personas):
    client.force_login(personas[Role.AUDITOR])
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", username="auditor").exists()


@pytest.mark.django_db
def test_there_is_no_self_registration(client):
    from django.urls import NoReverseMatch

    for name in ("signup", "register", "password_reset"):
        with pytest.raises(NoReverseMatch):
            reverse(name)
