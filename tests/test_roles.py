"""三员分立: three administrators who check on each other, and no everyday superuser."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.access import can, roles_of
from accounts.break_glass import end_expired_break_glass
from accounts.models import AuditEvent, BreakGlassGrant, UserProfile
from accounts.roles import ADMINISTRATOR_ROLES, CAPABILITIES, Capability, Role, role_combination_problem
from accounts.services import user_assign_roles
from tests.conftest import PASSWORD, VerifiedClient, log_in_with_password
from tests.test_access import named_patterns, url_for

pytestmark = pytest.mark.django_db

BUSINESS_ROLES = frozenset(Role) - ADMINISTRATOR_ROLES


def roles_form(*roles: Role, **scope) -> dict:
    return {"roles": [role.value for role in roles], **{key: value.pk for key, value in scope.items()}}


def test_no_account_holds_two_administrator_roles_or_one_with_business_work():
    for first in ADMINISTRATOR_ROLES:
        for second in ADMINISTRATOR_ROLES - {first}:
            assert "三员分立" in role_combination_problem([first, second])
        for business in BUSINESS_ROLES:
            assert "三员分立" in role_combination_problem([first, business])
        assert role_combination_problem([first]) is None
    # Business roles may be combined, e.g. an officer who does both assessment and supervision.
    assert role_combination_problem([Role.ASSESSMENT_OFFICER, Role.SUPERVISION_OFFICER]) is None


def test_the_security_administrator_assigns_roles_and_it_is_logged(client, personas, registry):
    target = personas[None]
    client.force_login(personas[Role.SECURITY_ADMIN])
    url = reverse("accounts:user_detail", kwargs={"user_pk": target.pk})
    assert "分配角色" in client.get(url).content.decode()
    response = client.post(url, roles_form(Role.UNIT_VIEWER, unit=registry["town_b"]))
    assert response.status_code == 302
    target._cached_roles = None
    assert roles_of(target) == {Role.UNIT_VIEWER}
    assert UserProfile.objects.get(user=target).unit == registry["town_b"]
    event = AuditEvent.objects.get(action="accounts.roles.changed")
    assert (event.username, event.object_id, event.outcome) == ("secadmin", str(target.pk), "success")
    assert event.detail["before"]["roles"] == [] and event.detail["after"] == {
        "roles": ["unit_viewer"], "unit": "TB", "department": "", "clearance": 2}


@pytest.mark.parametrize(("roles", "shown"), [
    ((Role.SYSTEM_ADMIN, Role.AUDITOR), "系统管理员"),
    ((Role.SECURITY_ADMIN, Role.AUDITOR), "安全管理员"),
    ((Role.AUDITOR, Role.SUPERVISION_OFFICER), "审计管理员不能同时担任业务角色"),
    ((Role.SYSTEM_ADMIN, Role.ASSESSMENT_OFFICER), "系统管理员不能同时担任业务角色"),
])
def test_the_security_administrator_is_refused_forbidden_combinations(client, personas, roles, shown):
    target = personas[None]
    client.force_login(personas[Role.SECURITY_ADMIN])
    response = client.post(reverse("accounts:user_detail", kwargs={"user_pk": target.pk}), roles_form(*roles))
    assert response.status_code == 200 and shown in response.content.decode()
    target._cached_roles = None
    assert roles_of(target) == frozenset()
    refused = AuditEvent.objects.get(action="accounts.roles.refused")
    assert refused.outcome == "denied" and refused.detail["wanted"] == [role.value for role in roles]
    assert not AuditEvent.objects.filter(action="accounts.roles.changed").exists()


def test_the_security_administrator_cannot_change_their_own_roles(client, personas):
    own = personas[Role.SECURITY_ADMIN]
    client.force_login(own)
    url = reverse("accounts:user_detail", kwargs={"user_pk": own.pk})
    response = client.post(url, roles_form(Role.SECURITY_ADMIN, Role.AUDITOR))
    assert "不能修改自己的角色" in response.content.decode()
    own._cached_roles = None
    assert roles_of(own) == {Role.SECURITY_ADMIN}


@pytest.mark.parametrize("role", [role for role in [*Role, None] if role is not Role.SECURITY_ADMIN],
                         ids=lambda role: role.value if role else "no-role")
def test_nobody_else_may_assign_roles_unlock_or_reset(client, personas, role):
    target = personas[None]
    client.force_login(personas[role])
    args = {"user_pk": target.pk}
    assert client.post(reverse("accounts:user_detail", kwargs=args), roles_form(Role.AUDITOR)).status_code == 403
    assert client.post(reverse("accounts:user_unlock", kwargs=args)).status_code == 403
    assert client.post(reverse("accounts:user_reset_second_factor", kwargs=args)).status_code == 403
    target._cached_roles = None
    assert roles_of(target) == frozenset()


def test_only_the_security_administrator_unlocks_a_locked_account(client, personas):
    for _attempt in range(5):
        log_in_with_password(Client(), "officer", "wrong-password")
    assert log_in_with_password(Client(), "officer").status_code == 429
    url = reverse("accounts:user_unlock", kwargs={"user_pk": personas[Role.ASSESSMENT_OFFICER].pk})
    client.force_login(personas[Role.SYSTEM_ADMIN])
    assert client.post(url).status_code == 403
    assert log_in_with_password(Client(), "officer").status_code == 429  # still locked

    client.force_login(personas[Role.SECURITY_ADMIN])
    listed = client.get(reverse("accounts:user_list"), {"status": "locked"}).content.decode()
    assert ">officer<" in listed and ">supervisor<" not in listed
    assert client.post(url).status_code == 302
    assert log_in_with_password(Client(), "officer").status_code == 302
    event = AuditEvent.objects.get(action="accounts.unlocked")
    assert event.username == "secadmin" and event.object_repr == "officer" and event.detail["was_locked"]


def test_a_second_factor_reset_sends_the_user_back_to_enrolment(client, personas):
    from tests.conftest import authenticator_of

    target = personas[Role.ASSESSMENT_OFFICER]
    users_session = VerifiedClient()
    users_session.force_login(target)
    assert users_session.get(reverse("dashboard")).status_code == 200
    client.force_login(personas[Role.SECURITY_ADMIN])
    assert client.post(reverse("accounts:user_reset_second_factor", kwargs={"user_pk": target.pk})).status_code == 302
    # The user's open session loses its verification at once, and the next login starts with enrolment.
    response = users_session.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:enrol"))
    assert AuditEvent.objects.get(action="accounts.second_factor.reset").object_repr == "officer"
    # Nor may a security administrator reset their own.
    authenticator_of(personas[Role.SECURITY_ADMIN])
    own = reverse("accounts:user_reset_second_factor", kwargs={"user_pk": personas[Role.SECURITY_ADMIN].pk})
    client.post(own)
    assert AuditEvent.objects.filter(action="accounts.second_factor.reset").count() == 1


def test_the_system_administrator_cannot_assign_roles_in_django_admin(client, personas):
    target = personas[None]
    client.force_login(personas[Role.SYSTEM_ADMIN])
    url = reverse("admin:auth_user_change", args=[target.pk])
    page = client.get(url).content.decode()
    for field in ("groups", "user_permissions", "is_superuser", "is_staff"):
        assert f'name="{field}"' not in page, field
    security = Group.objects.get(name=Role.SECURITY_ADMIN.value)
    response = client.post(url, {"username": "nobody", "is_active": "on", "groups": [security.pk],
                                 "is_superuser": "on", "is_staff": "on", "date_joined_0": "2026-01-01",
                                 "date_joined_1": "00:00:00", "profile-TOTAL_FORMS": "1",
                                 "profile-INITIAL_FORMS": "1", "profile-0-full_name": "无名",
                                 "profile-0-user": target.pk, "profile-0-id": target.profile.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    target._cached_roles = None
    assert roles_of(target) == frozenset() and not target.is_superuser and not target.is_staff
    assert target.profile.full_name == "无名"  # what the form may change, it did
    # Nor may the system administrator edit the accounts of the administrators who check on them.
    for checker in (Role.SECURITY_ADMIN, Role.AUDITOR):
        page = client.get(reverse("admin:auth_user_change", args=[personas[checker].pk])).content.decode()
        assert 'name="_save"' not in page
        password = client.get(reverse("admin:auth_user_password_change", args=[personas[checker].pk]))
        assert password.status_code == 403


def test_groups_added_outside_the_app_still_obey_separation_of_duties(personas):
    auditor = personas[Role.AUDITOR]
    with pytest.raises(ValidationError):
        auditor.groups.add(Group.objects.get(name=Role.SYSTEM_ADMIN.value))
    with pytest.raises(ValidationError):
        user_assign_roles(user=auditor, roles=[Role.AUDITOR, Role.ASSESSMENT_OFFICER])


def test_the_system_administrator_creates_and_deactivates_users_in_admin(client, personas):
    client.force_login(personas[Role.SYSTEM_ADMIN])
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "xinren", "usable_password": "true", "password1": "Yx#Xinren-2026", "password2": "Yx#Xinren-2026"})
    assert response.status_code == 302
    new = get_user_model().objects.get(username="xinren")
    assert roles_of(new) == frozenset() and UserProfile.objects.get(user=new).must_change_password
    assert AuditEvent.objects.get(action="accounts.user.created").object_repr == "xinren"
    change = client.get(reverse("admin:auth_user_change", args=[new.pk]))
    assert change.status_code == 200
    form = {"username": "xinren", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
            "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1", "profile-0-full_name": "",
            "profile-0-user": new.pk, "profile-0-id": new.profile.pk}  # is_active unticked
    assert client.post(reverse("admin:auth_user_change", args=[new.pk]), form).status_code == 302
    new.refresh_from_db()
    assert not new.is_active
    changed = AuditEvent.objects.get(action="accounts.user.changed")
    assert "is_active" in changed.detail["fields"] and changed.detail["is_active"] is False


def test_the_auditor_reads_the_audit_log_and_nothing_else(client, personas, registry):
    client.force_login(personas[Role.AUDITOR])
    opened = set()
    for name, pattern in named_patterns():
        if client.get(url_for(name, registry, pattern)).status_code == 200:
            opened.add(name)
    # The dashboard and the user's own account and password, and the log.
    assert opened == {"dashboard", "accounts:account", "accounts:password_change", "accounts:audit_log"}
    assert CAPABILITIES[Role.AUDITOR] == {Capability.VIEW_DASHBOARD, Capability.VIEW_AUDIT_LOG}
    sidebar = client.get(reverse("dashboard")).content.decode()
    assert reverse("accounts:audit_log") in sidebar and reverse("accounts:user_list") not in sidebar


def test_the_security_administrator_sees_accounts_not_contents(personas):
    security = personas[Role.SECURITY_ADMIN]
    for capability in (Capability.VIEW_UNITS, Capability.VIEW_CADRES, Capability.VIEW_SUPERVISION,
                       Capability.VIEW_AUDIT_LOG, Capability.VIEW_RESULTS):
        assert not can(security, capability)
    assert not security.is_staff


# --- Break-glass ----------------------------------------------------------------------------

def test_break_glass_needs_a_reason_and_is_logged(client):
    with pytest.raises(CommandError, match="原因"):
        call_command("break_glass", "yingji", "--reason", "", stdout=io.StringIO())
    with pytest.raises(CommandError, match="小时"):
        call_command("break_glass", "yingji", "--reason", "工单 2026-118：恢复被误删的赛道", "--hours", "48",
                     stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="yingji").exists()

    output = io.StringIO()
    call_command("break_glass", "yingji", "--reason", "工单 2026-118：恢复被误删的赛道", "--hours", "2", stdout=output)
    user = get_user_model().objects.get(username="yingji")
    assert user.is_superuser and user.is_staff
    assert "只显示这一次" in output.getvalue()
    grant = BreakGlassGrant.objects.get(user=user)
    assert timedelta(hours=1, minutes=59) < grant.expires_at - timezone.now() <= timedelta(hours=2)
    event = AuditEvent.objects.get(action="auth.break_glass.granted")
    assert event.detail["reason"] == "工单 2026-118：恢复被误删的赛道" and event.detail["hours"] == 2
    assert event.detail["operator"]
    assert not AuditEvent.objects.filter(action="auth.superuser.outside_break_glass").exists()

    # When it has run out, the next request ends it and logs the user out.
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff
    assert AuditEvent.objects.get(action="auth.break_glass.ended").detail["why"] == "expired"
    assert client.get(reverse("dashboard")).url.startswith(reverse("login"))


def test_a_superuser_made_any_other_way_is_logged_and_swept(personas):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    assert AuditEvent.objects.get(action="auth.superuser.outside_break_glass").object_repr == "root"
    call_command("break_glass", "yingji", "--reason", "演练：应急超级用户流程", "--hours", "1", stdout=io.StringIO())
    ended = end_expired_break_glass()
    assert [user.username for user in ended] == ["root"]
    root.refresh_from_db()
    assert not root.is_superuser
    assert get_user_model().objects.get(username="yingji").is_superuser  # its grant still runs
    ended_event = AuditEvent.objects.get(action="auth.break_glass.ended")
    assert ended_event.detail["why"] == "not_granted_by_break_glass" and ended_event.outcome == "denied"


# --- Bootstrap: no default passwords --------------------------------------------------------

def test_the_first_security_administrator_has_no_default_password(client):
    output = io.StringIO()
    call_command("bootstrap_admin", "anquan1", "--role", "security_admin", "--full-name", "林安全",
                 "--generate-password", stdout=output)
    password = [line for line in output.getvalue().splitlines() if "只显示这一次" in line][0].rsplit("：", 1)[1]
    user = get_user_model().objects.get(username="anquan1")
    assert user.check_password(password) and roles_of(user) == {Role.SECURITY_ADMIN}
    assert AuditEvent.objects.get(action="accounts.admin_bootstrapped").detail["role"] == "security_admin"
    # The generated password is changed at the first login, after the second factor.
    client.force_login(user)
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:password_change"))
    # Only once: after that roles are assigned in the app.
    with pytest.raises(CommandError, match="已有安全管理员"):
        call_command("bootstrap_admin", "anquan2", "--role", "security_admin", "--generate-password",
                     stdout=io.StringIO())
    # Without a terminal, a password is never made up silently.
    with pytest.raises(CommandError, match="generate-password"):
        call_command("bootstrap_admin", "shenji1", "--role", "auditor", stdout=io.StringIO())
