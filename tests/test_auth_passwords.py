"""Password age (a level-3 requirement, against ASVS's advice: docs/security.md) and unused accounts."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, UserProfile
from accounts.roles import Role
from accounts.second_factor import code_now
from accounts.tasks import disable_inactive_accounts_daily
from tests.conftest import PASSWORD, VerifiedClient, authenticator_of, enter_code, log_in_with_password

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Yx#Neu-Passw0rt-2026"


def age_password(user, days: float) -> None:
    UserProfile.objects.filter(user=user).update(password_changed_at=timezone.now() - timedelta(days=days))


def test_saving_a_password_records_when(personas):
    profile = UserProfile.objects.get(user=personas[Role.AUDITOR])
    assert timezone.now() - profile.password_changed_at < timedelta(minutes=1)
    assert settings.PASSWORD_MAX_AGE_DAYS == 90


def test_an_expired_password_forces_the_change_page_before_anything_else(client, personas, registry):
    officer = personas[Role.ASSESSMENT_OFFICER]
    age_password(officer, 90)
    client.force_login(officer)
    for url in (reverse("dashboard"), reverse("cadres:unit_list"), "/admin/", reverse("accounts:account")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:password_change")), url
    form = client.get(response.url)
    assert form.status_code == 200 and "您的密码已到期" in form.content.decode()

    # The change is checked against the same policy, and then everything opens again.
    weak = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "password123", "new_password2": "password123"})
    assert weak.status_code == 200
    done = client.post(f"{reverse('accounts:password_change')}?next=/registry/units/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/registry/units/"
    assert client.get(reverse("cadres:unit_list")).status_code == 200  # the session and its second factor stay
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="auth.password.changed")
    assert event.username == "officer" and event.detail["forced_by"] == "expired"


def test_a_password_one_day_short_of_the_limit_is_not_expired(client, personas):
    age_password(personas[Role.ASSESSMENT_OFFICER], 89.9)
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_maximum_age_is_configurable_and_can_be_turned_off(client, personas, settings):
    age_password(personas[Role.ASSESSMENT_OFFICER], 400)
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    settings.PASSWORD_MAX_AGE_DAYS = 0
    assert client.get(reverse("dashboard")).status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS = 500
    assert client.get(reverse("dashboard")).status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS = 365
    assert client.get(reverse("dashboard")).url.startswith(reverse("accounts:password_change"))


def test_the_second_factor_comes_before_the_password_change(personas):
    # Someone who only knows the password must not be able to change it.
    officer = personas[Role.ASSESSMENT_OFFICER]
    device = authenticator_of(officer)
    age_password(officer, 120)
    client = Client()
    log_in_with_password(client, "officer")
    response = client.get(reverse("accounts:password_change"))
    assert response.url.startswith(reverse("accounts:verify"))
    assert enter_code(client, code_now(device)[0]).url == "/"
    assert client.get("/").url.startswith(reverse("accounts:password_change"))


def test_a_password_an_administrator_set_is_changed_at_first_login(client, personas):
    admin_session = VerifiedClient()
    admin_session.force_login(personas[Role.SYSTEM_ADMIN])
    target = personas[Role.DATA_PROVIDER]
    response = admin_session.post(reverse("admin:auth_user_password_change", args=[target.pk]), {
        "usable_password": "true", "password1": "Yx#Temp-Passw0rd", "password2": "Yx#Temp-Passw0rd"})
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="accounts.password.set_by_administrator").object_repr == "provider"
    target.refresh_from_db()  # the session remembers the new password's hash
    client.force_login(target)
    page = client.get(client.get(reverse("dashboard")).url).content.decode()
    assert "您的密码是由管理员设置的" in page
    client.post(reverse("accounts:password_change"), {
        "old_password": "Yx#Temp-Passw0rd", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.get(reverse("dashboard")).status_code == 200


# --- Accounts nobody uses -------------------------------------------------------------------

def test_accounts_unused_for_ninety_days_are_disabled_across_the_boundary(personas):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    now = timezone.now()
    boundary = now - timedelta(days=90)
    User.objects.filter(username="officer").update(last_login=boundary + timedelta(minutes=5))
    User.objects.filter(username="supervisor").update(last_login=boundary - timedelta(minutes=5))
    User.objects.filter(username="provider").update(last_login=None, date_joined=boundary - timedelta(days=1))
    User.objects.filter(username="viewer").update(last_login=None, date_joined=boundary + timedelta(days=1))
    User.objects.exclude(username__in=["officer", "supervisor", "provider", "viewer"]).update(last_login=now)

    output = io.StringIO()
    call_command("disable_inactive_accounts", "--dry-run", stdout=output)
    assert "supervisor" in output.getvalue() and User.objects.get(username="supervisor").is_active

    call_command("disable_inactive_accounts", stdout=io.StringIO())
    active = dict(User.objects.values_list("username", "is_active"))
    assert active["officer"] and active["viewer"]
    assert not active["supervisor"] and not active["provider"]
    logged = {event.object_repr for event in AuditEvent.objects.filter(action="accounts.user.disabled_inactive")}
    assert logged == {"supervisor", "provider"}
    # A disabled account cannot log in any more.
    assert log_in_with_password(Client(), "supervisor").status_code == 200
    # The nightly task does the same, and a second run finds nothing more.
    assert disable_inactive_accounts_daily.delay().get() == 0
    schedule = settings.CELERY_BEAT_SCHEDULE["accounts-disable-inactive"]
    assert schedule["task"] == "accounts.tasks.disable_inactive_accounts_daily"


def test_the_inactivity_limit_is_configurable(personas, settings):
    from django.contrib.auth import get_user_model

    settings.ACCOUNT_INACTIVE_DAYS = 30
    get_user_model().objects.filter(username="officer").update(last_login=timezone.now() - timedelta(days=31))
    get_user_model().objects.exclude(username="officer").update(last_login=timezone.now())
    assert disable_inactive_accounts_daily.delay().get() == 1
    assert AuditEvent.objects.get(action="accounts.user.disabled_inactive").detail["days"] == 30
