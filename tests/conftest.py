"""Personas and a small registry shared by the tests.

Every test runs on the database named by the environment (SQLite by default, PostgreSQL in CI).
Celery runs eagerly inside tests unless a test says otherwise (the worker test uses a real worker).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import django_otp
import pytest
from celery._state import _set_task_join_will_block
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from accounts.services import sync_role_groups, user_assign_roles
from assessment.celery import app as celery_app
from assessment.models import (
    Component,
    ComponentScore,
    Dimension,
    Indicator,
    Method,
    Period,
    PeriodState,
    Scheme,
    Statistic,
    Track,
    TrackMembership,
    Weight,
)
from cadres.models import Appointment, AppointmentRole, Cadre, Unit, UnitKind

PASSWORD = "Test@Passw0rd!"


@pytest.fixture(autouse=True)
def _eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
    # An eager task marks the process "inside a task" in a global that it restores afterwards; two
    # eager tasks in two threads at once (the concurrent-upload test) can restore it in the wrong
    # order and leave it set, which would make a later test's result.get() refuse to wait.
    _set_task_join_will_block(False)


def authenticator_of(user) -> TOTPDevice:
    """The user's confirmed TOTP device, made on first use (as if the user had enrolled)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


class VerifiedClient(Client):
    """``force_login`` signs in with both factors: after Django's own login of the user, django-otp's own
    ``login`` records the user's authenticator in the session, exactly as the code form does. Tests that
    prove the second factor is required log in through the forms instead (tests/test_auth_second_factor.py)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        request = HttpRequest()
        request.session = self.session
        request.user = user
        django_otp.login(request, authenticator_of(user))
        request.session.save()


def log_in_with_password(client, username: str, password: str = PASSWORD, next_url: str = ""):
    """The first step of the login form (the password); the session is then at the code step."""
    from django.urls import reverse

    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def enter_code(client, token: str, next_url: str = "/"):
    """The second step: a code from the authenticator (or a recovery code) on the code form."""
    from django.urls import reverse

    return client.post(reverse("accounts:verify"), {"token": token, "next": next_url})


@pytest.fixture
def client():
    """pytest-django's client, signed in with both factors by force_login (see VerifiedClient)."""
    return VerifiedClient()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per password by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_files_in_a_temporary_folder(settings, tmp_path):
    # Uploaded files go to private storage; tests keep theirs out of the working tree.
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "private"}}}


@pytest.fixture
def registry(db):
    """Two towns in one track, one department providing data, and a few cadres."""
    town_a = Unit.objects.create(code="TA", name="甲镇", kind=UnitKind.TOWNSHIP, population=3)
    town_b = Unit.objects.create(code="TB", name="乙镇", kind=UnitKind.TOWNSHIP, population=4)
    statistics_bureau = Unit.objects.create(code="DS", name="统计局", kind=UnitKind.DEPARTMENT)
    scheme = Scheme.objects.create(name="测试方案", year=2024)
    track = Track.objects.create(scheme=scheme, code="XZ", name="乡镇")
    for unit in (town_a, town_b):
        TrackMembership.objects.create(scheme=scheme, track=track, unit=unit)
    cadre_a = Cadre.objects.create(name="张三", gender="M", id_number="11010519491231002X", rank="正科级",
                                   phone="13800001111")
    cadre_b = Cadre.objects.create(name="李四", gender="F", id_number="440524188001010014", rank="副科级")
    Appointment.objects.create(cadre=cadre_a, unit=town_a, title="党委书记", role=AppointmentRole.PRINCIPAL,
                               start_date=date(2020, 1, 1))
    Appointment.objects.create(cadre=cadre_b, unit=town_b, title="副镇长", role=AppointmentRole.DEPUTY,
                               start_date=date(2021, 3, 1))
    period = Period.objects.create(scheme=scheme, code="2024", start_date=date(2024, 1, 1),
                                   end_date=date(2024, 12, 31), state=PeriodState.PUBLISHED)
    return {"town_a": town_a, "town_b": town_b, "bureau": statistics_bureau, "scheme": scheme,
            "track": track, "cadre_a": cadre_a, "cadre_b": cadre_b, "period": period}


@pytest.fixture
def make_user(db):
    sync_role_groups()
    User = get_user_model()

    def make(username: str, roles: list[Role] = (), *, unit=None, department=None):
        user = User.objects.create_user(username=username, password=PASSWORD)
        user_assign_roles(user=user, roles=list(roles), unit=unit, department=department)
        return user

    return make


@pytest.fixture
def personas(make_user, registry):
    """One user per role, plus a logged-in user who has no role at all."""
    return {
        Role.ASSESSMENT_OFFICER: make_user("officer", [Role.ASSESSMENT_OFFICER]),
        Role.SUPERVISION_OFFICER: make_user("supervisor", [Role.SUPERVISION_OFFICER]),
        Role.DATA_PROVIDER: make_user("provider", [Role.DATA_PROVIDER], department=registry["bureau"]),
        Role.UNIT_VIEWER: make_user("viewer", [Role.UNIT_VIEWER], unit=registry["town_a"]),
        Role.AUDITOR: make_user("auditor", [Role.AUDITOR]),
        Role.SYSTEM_ADMIN: make_user("sysadmin", [Role.SYSTEM_ADMIN]),
        Role.SECURITY_ADMIN: make_user("secadmin", [Role.SECURITY_ADMIN]),
        None: make_user("nobody", []),
    }


@pytest.fixture
def district(db):
    """Three towns in one track, two indicators (60/40), components 绩效考核 80 + 民主测评 20."""
    towns = [Unit.objects.create(code=f"Z{i}", name=f"{name}镇", kind=UnitKind.TOWNSHIP, population=Decimal(p))
             for i, (name, p) in enumerate([("东", "2"), ("西", "4"), ("南", "5")], start=1)]
    provider = Unit.objects.create(code="TJ", name="统计局", kind=UnitKind.DEPARTMENT)
    scheme = Scheme.objects.create(name="重算测试方案", year=2024)
    performance = Component.objects.create(scheme=scheme, name="绩效考核", weight=80, is_performance=True)
    survey = Component.objects.create(scheme=scheme, name="班子民主测评", weight=20, sort_order=1)
    track = Track.objects.create(scheme=scheme, code="XZ", name="乡镇")
    for town in towns:
        TrackMembership.objects.create(scheme=scheme, track=track, unit=town)
    economy = Dimension.objects.create(scheme=scheme, name="经济发展")
    ecology = Dimension.objects.create(scheme=scheme, name="生态建设", sort_order=1)
    growth = Indicator.objects.create(scheme=scheme, code="G1", name="增速", dimension=economy, provider=provider)
    target = Indicator.objects.create(scheme=scheme, code="G2", name="完成率", dimension=ecology, provider=provider,
                                      method=Method.TARGET, target=Decimal("100"))
    Weight.objects.create(indicator=growth, track=track, weight=60)
    Weight.objects.create(indicator=target, track=track, weight=40)
    period = Period.objects.create(scheme=scheme, code="2024", start_date=date(2024, 1, 1),
                                   end_date=date(2024, 12, 31))
    values = {("Z1", "G1"): 10, ("Z2", "G1"): 20, ("Z3", "G1"): 30, ("Z1", "G2"): 100, ("Z2", "G2"): 50,
              ("Z3", "G2"): 80}
    units = {town.code: town for town in towns}
    indicators = {"G1": growth, "G2": target}
    for (unit_code, code), value in values.items():
        Statistic.objects.create(period=period, unit=units[unit_code], indicator=indicators[code], value=value)
    for town, score in zip(towns, (90, 80, 70), strict=True):
        ComponentScore.objects.create(period=period, unit=town, component=survey, score=score)
    return {"period": period, "towns": units, "track": track, "scheme": scheme, "survey": survey,
            "performance": performance, "growth": growth}


# --- One line at the end about the tests a plain machine cannot run -------------------------------------
# Tests that need PostgreSQL (triggers, row locks, pg_dump) or a real Celery worker on Redis skip, each
# with its reason, where those services are missing (and fail in CI, which has them). Listing the skips
# one by one is pytest's job (-ra); this says once how many there were and how to run them.
SERVICE_WORDS = {"PostgreSQL": "PostgreSQL", "REDIS_URL": "Redis", "Redis": "Redis", "worker": "Celery worker"}
RUN_EVERYTHING = ("DATABASE_URL=postgres://postgres@127.0.0.1:5432/assessment "
                  "REDIS_URL=redis://127.0.0.1:6379/5 python3.11 dev.py test")


def skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr or "")


def services_needed(reasons) -> tuple[int, list[str]]:
    """How many of these skip reasons name a missing service, and which services they name."""
    count, services = 0, []
    for reason in reasons:
        named = [service for word, service in SERVICE_WORDS.items() if word in reason]
        if named:
            count += 1
            services.extend(service for service in named if service not in services)
    return count, services


def pytest_terminal_summary(terminalreporter):
    count, services = services_needed(skip_reason(report) for report in terminalreporter.stats.get("skipped", []))
    if not count:
        return
    terminalreporter.write_sep("=", "skipped for want of a service", yellow=True)
    terminalreporter.write_line(
        f"{count} 个测试需要 {'、'.join(services)}，本机未提供而跳过；在有这些服务的机器上运行全部测试："
        f"\n{count} tests were skipped because they need {', '.join(services)}; to run them all:"
        f"\n    {RUN_EVERYTHING}"
        "\n（或以 root 运行 bash .ci/run，它会启动 PostgreSQL、Redis 并安装 Chromium / "
        "or, as root, bash .ci/run, which starts PostgreSQL and Redis and installs Chromium）")
