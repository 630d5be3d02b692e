"""The second factor, logged into the hard way: the password form, then the code form.

Every account needs it (docs/security.md); these tests never use force_login for the user under test."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.second_factor import code_now, replace_recovery_codes
from tests.conftest import VerifiedClient, authenticator_of, enter_code, log_in_with_password
from tests.test_access import named_patterns, url_for

pytestmark = pytest.mark.django_db

# The views a session may open between its password and its code.
BEFORE_THE_CODE = {"login": 302, "logout": 405, "set_language": 302, "accounts:verify": 200,
                   "accounts:enrol": 302, "accounts:enrol_qr": 404}


def at_code_step(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))


@pytest.mark.parametrize("role", [*Role, None], ids=lambda role: role.value if role else "no-role")
def test_the_password_alone_leaves_every_account_at_the_code_step(personas, registry, role):
    user = personas[role]
    authenticator_of(user)
    client = Client()
    assert log_in_with_password(client, user.username).status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)  # the password was right
    wrong = []
    for name, pattern in named_patterns():
        response = client.get(url_for(name, registry, pattern))
        if name in BEFORE_THE_CODE:
            if response.status_code != BEFORE_THE_CODE[name]:
                wrong.append((name, response.status_code))
        elif not at_code_step(response):
            wrong.append((name, response.status_code))
    for path in ("/admin/", "/admin/auth/user/", "/admin/accounts/auditevent/", "/admin/password_change/"):
        if not at_code_step(client.get(path)):
            wrong.append((path, client.get(path).status_code))
    assert not wrong, wrong


def test_the_code_step_keeps_where_the_user_was_going(personas):
    device = authenticator_of(personas[Role.SUPERVISION_OFFICER])
    client = Client()
    log_in_with_password(client, "supervisor", next_url="/supervision/")
    response = client.get("/supervision/")
    assert response.url == f"{reverse('accounts:verify')}?next=%2Fsupervision%2F"
    page = client.get(response.url).content.decode()
    assert "请完成第二步验证" in page and 'name="token"' in page
    assert enter_code(client, code_now(device)[0], "/supervision/").url == "/supervision/"
    assert client.get("/supervision/").status_code == 200


def test_a_wrong_code_is_refused_and_logged(personas):
    device = authenticator_of(personas[Role.AUDITOR])
    client = Client()
    log_in_with_password(client, "auditor")
    right = code_now(device)[0]
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    page = enter_code(client, wrong)
    assert page.status_code == 200 and "验证码不正确" in page.content.decode()
    assert at_code_step(client.get(reverse("accounts:audit_log")))
    failure = AuditEvent.objects.get(action="auth.second_factor.failed")
    assert failure.username == "auditor" and failure.outcome == "failure" and failure.ip_address == "127.0.0.1"
    # django-otp makes the device wait after a failure, so a second guess at once is refused unseen.
    page = enter_code(client, right)
    assert "验证失败次数过多" in page.content.decode()
    assert at_code_step(client.get(reverse("accounts:audit_log")))


def test_a_code_is_accepted_once_only(personas):
    device = authenticator_of(personas[Role.ASSESSMENT_OFFICER])
    code = code_now(device)[0]
    first = Client()
    log_in_with_password(first, "officer")
    assert enter_code(first, code).url == "/"
    second = Client()
    log_in_with_password(second, "officer")
    assert "验证码不正确或已使用" in enter_code(second, code).content.decode()


def test_the_admin_login_cannot_skip_the_second_factor(personas):
    device = authenticator_of(personas[Role.SYSTEM_ADMIN])
    client = Client()
    # Admin's own password form is gone: /admin/login/ sends everyone to the app's login.
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    response = client.get(response.url)
    assert response.status_code == 302 and response.url == f"{reverse('login')}?next=/admin/"
    posted = client.post("/admin/login/?next=/admin/", {"username": "sysadmin", "password": "Test@Passw0rd!"})
    assert posted.status_code == 302 and posted.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    # The app's login, then the code, opens admin.
    log_in_with_password(client, "sysadmin", next_url="/admin/")
    assert at_code_step(client.get("/admin/"))
    assert enter_code(client, code_now(device)[0], "/admin/").url == "/admin/"
    assert client.get("/admin/").status_code == 200
    # A verified account that is not staff gets a refusal, not admin's login form.
    provider = VerifiedClient()
    provider.force_login(personas[Role.DATA_PROVIDER])
    assert provider.get("/admin/login/?next=/admin/").status_code == 403


def test_first_login_enrols_an_authenticator_with_a_qr_code(personas, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the mistyped code below
    client = Client()
    log_in_with_password(client, "provider")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:enrol"))
    page = client.get(response.url)
    html = page.content.decode()
    assert 'src="/accounts/enrol/qr.svg"' in html and "<script>" not in html
    qr = client.get(reverse("accounts:enrol_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and "no-store" in qr["Cache-Control"]
    assert qr.content.startswith(b"<svg") and b"<path" in qr.content
    assert "script-src 'self'" in qr["Content-Security-Policy"]

    # The person types the key shown under the QR code into their app; the app computes the code.
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=personas[Role.DATA_PROVIDER], confirmed=False)
    assert key == device.bin_key
    app = TOTP(key)
    mistyped = f"{(app.token() + 500000) % 1000000:06d}"
    assert "验证码不正确" in client.post(reverse("accounts:enrol"), {"token": mistyped}).content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    done = client.post(reverse("accounts:enrol"), {"token": f"{app.token():06d}", "next": "/"})
    codes = re.findall(r"<code class=\"fs-5\">([a-z2-7]{8})</code>", done.content.decode())
    assert done.status_code == 200 and len(codes) == 10 and "只显示这一次" in done.content.decode()
    assert client.get(reverse("dashboard")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="auth.second_factor.enrolled", username="provider").exists()
    # Once enrolled, the QR code is gone and enrolment cannot be started again with a password alone.
    assert client.get(reverse("accounts:enrol_qr")).status_code == 404
    other = Client()
    log_in_with_password(other, "provider")
    assert other.get(reverse("accounts:enrol")).url == reverse("accounts:verify")


def test_a_recovery_code_works_once(personas):
    user = personas[Role.UNIT_VIEWER]
    authenticator_of(user)
    codes = replace_recovery_codes(user)
    client = Client()
    log_in_with_password(client, "viewer")
    assert enter_code(client, codes[0].upper()).url == "/"  # typed in capitals, still the code
    assert client.get(reverse("dashboard")).status_code == 200
    used = AuditEvent.objects.get(action="auth.recovery_code.used")
    assert used.username == "viewer" and used.detail["left"] == 9

    again = Client()
    log_in_with_password(again, "viewer")
    assert "验证码不正确或已使用" in enter_code(again, codes[0]).content.decode()
    assert at_code_step(again.get(reverse("dashboard")))


def test_new_recovery_codes_replace_the_old_ones(client, personas):
    user = personas[Role.AUDITOR]
    old = replace_recovery_codes(user)
    client.force_login(user)
    page = client.post(reverse("accounts:recovery_codes_replace")).content.decode()
    new = re.findall(r"<code class=\"fs-5\">([a-z2-7]{8})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEvent.objects.filter(action="auth.recovery_codes.replaced", username="auditor").exists()
    account = client.get(reverse("accounts:account")).content.decode()
    assert "已绑定" in account and ">10<" in account


def test_the_demo_prints_a_demo_accounts_current_code_and_nothing_for_others(make_user):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    demo_user = make_user("kaohe", [Role.ASSESSMENT_OFFICER])
    device = authenticator_of(demo_user)
    output = io.StringIO()
    call_command("demo_codes", "kaohe", stdout=output)
    printed = output.getvalue().strip()
    assert re.fullmatch(r"\d{6}", printed)
    client = Client()
    log_in_with_password(client, "kaohe")
    assert enter_code(client, printed).url == "/"
    make_user("zhenren", [Role.ASSESSMENT_OFFICER])
    with pytest.raises(CommandError, match="不是演示账号"):
        call_command("demo_codes", "zhenren")
    device.refresh_from_db()
    assert code_now(device)[0] != printed  # the used code is not offered again


def test_admin_itself_refuses_a_password_only_session_even_without_the_gate(personas, settings):
    # Defence in depth: the admin site checks the second factor itself (accounts.admin_site).
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != "accounts.middleware.AccountGateMiddleware"]
    authenticator_of(personas[Role.SYSTEM_ADMIN])
    client = Client()
    log_in_with_password(client, "sysadmin", next_url="/admin/")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))
    assert client.get("/admin/auth/user/").status_code == 302
