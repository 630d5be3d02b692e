"""Every URL of the app, walked as every role, an anonymous visitor and a user with no role."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import Role
from tests.analysis_objects import ANALYSIS_ALLOWED, ANALYSIS_POST_ONLY, analysis_url
from tests.feedback_objects import FEEDBACK_ALLOWED, FEEDBACK_POST_ONLY, feedback_url
from tests.supervision_objects import SUPERVISION_POST_ONLY, supervision_url

ALL_ROLES = frozenset(Role)
OFFICERS = frozenset({Role.ASSESSMENT_OFFICER, Role.SUPERVISION_OFFICER})
# Every signed-in account, the one with no role (None) included.
EVERYONE = ALL_ROLES | {None}

# Who gets a 200 for each named page (SPEC §1). Everybody else logged in gets 403; an anonymous
# visitor is sent to the login page. Pages with other answers are listed in SPECIAL.
ALLOWED = {
    "dashboard": ALL_ROLES,
    "assessment:scheme_list": {Role.ASSESSMENT_OFFICER, Role.SYSTEM_ADMIN},
    "assessment:scheme_detail": {Role.ASSESSMENT_OFFICER, Role.SYSTEM_ADMIN},
    "assessment:scheme_download": {Role.ASSESSMENT_OFFICER, Role.SYSTEM_ADMIN},
    "assessment:scheme_import": {Role.ASSESSMENT_OFFICER},
    "assessment:period_list": OFFICERS,
    "assessment:period_detail": OFFICERS,
    "assessment:period_status": OFFICERS,
    # A unit viewer sees its own unit's result once the period is published (the fixture's is).
    "assessment:unit_result": OFFICERS | {Role.UNIT_VIEWER},
    "assessment:grade_index": {Role.ASSESSMENT_OFFICER},
    "assessment:grade_unit": {Role.ASSESSMENT_OFFICER},
    # The audit and security administrators administer accounts and the log, not the registry (三员分立).
    "cadres:unit_list": ALL_ROLES - {Role.AUDITOR, Role.SECURITY_ADMIN},
    "cadres:unit_detail": ALL_ROLES - {Role.AUDITOR, Role.SECURITY_ADMIN},
    "cadres:cadre_list": OFFICERS | {Role.SYSTEM_ADMIN},
    "cadres:cadre_detail": OFFICERS | {Role.SYSTEM_ADMIN},
    "cadres:roster_import": OFFICERS | {Role.SYSTEM_ADMIN},
    "indicators:index": {Role.ASSESSMENT_OFFICER, Role.DATA_PROVIDER},
    # A department works on its own data; the office sees every department's.
    "indicators:template_download": {Role.DATA_PROVIDER},
    "indicators:upload": {Role.DATA_PROVIDER},
    "indicators:period_uploads": {Role.ASSESSMENT_OFFICER},
    "indicators:batch_list": {Role.ASSESSMENT_OFFICER, Role.DATA_PROVIDER},
    "indicators:batch_detail": {Role.ASSESSMENT_OFFICER, Role.DATA_PROVIDER},
    "indicators:batch_status": {Role.ASSESSMENT_OFFICER, Role.DATA_PROVIDER},
    "indicators:batch_file": {Role.ASSESSMENT_OFFICER, Role.DATA_PROVIDER},
    "indicators:batch_annotated": {Role.ASSESSMENT_OFFICER, Role.DATA_PROVIDER},
    # One's own account: second factor, recovery codes, password.
    "accounts:account": EVERYONE,
    "accounts:password_change": EVERYONE,
    # Roles, unlocking and second-factor resets are the security administrator's alone; the log the auditor's.
    "accounts:user_list": {Role.SECURITY_ADMIN},
    "accounts:user_detail": {Role.SECURITY_ADMIN},
    "accounts:audit_log": {Role.AUDITOR},
    **ANALYSIS_ALLOWED,
    **FEEDBACK_ALLOWED,
}
# Every supervision page is for supervision officers alone (SPEC §1, 三员分立).
SUPERVISION_ONLY = frozenset({Role.SUPERVISION_OFFICER})
# Answer a GET with 405 whoever asks.
POST_ONLY = {"logout", "cadres:roster_import_confirm", "assessment:scheme_import_confirm",
             "indicators:batch_confirm", "indicators:batch_rollback", "accounts:recovery_codes_replace",
             "accounts:user_unlock", "accounts:user_reset_second_factor"} | SUPERVISION_POST_ONLY | ANALYSIS_POST_ONLY | FEEDBACK_POST_ONLY
STAFF = {Role.ASSESSMENT_OFFICER, Role.SYSTEM_ADMIN, Role.AUDITOR}
# The steps between password and app, which a verified session passes straight through.
SECOND_STEP = {"accounts:verify", "accounts:enrol", "accounts:enrol_qr"}


def named_patterns(resolver: URLResolver = None, namespace: str = "") -> list[tuple[str, URLPattern]]:
    """All named URL patterns of the project, outside Django admin, from the resolver itself."""
    resolver = resolver or get_resolver()
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.extend(named_patterns(pattern, inner))
        elif pattern.name:
            found.append((f"{namespace}{pattern.name}", pattern))
    return found


def data_objects(registry) -> dict:
    """An open period in which the registry's bureau provides an indicator, and one upload of the bureau."""
    if "upload_batch" not in registry:
        from datetime import date

        from assessment.models import Dimension, Indicator, Period
        from indicators.uploads import batch_receive
        from tests.sheets import xlsx_bytes

        open_period = Period.objects.create(scheme=registry["scheme"], code="2025", start_date=date(2025, 1, 1),
                                            end_date=date(2025, 12, 31))
        dimension = Dimension.objects.create(scheme=registry["scheme"], name="经济发展")
        Indicator.objects.create(scheme=registry["scheme"], code="A1", name="增速", dimension=dimension,
                                 provider=registry["bureau"])
        registry["open_period"] = open_period
        registry["upload_batch"] = batch_receive(
            data=xlsx_bytes([["单位代码", "单位名称", "A1"], ["TA", "甲镇", 5]]), filename="a.xlsx",
            period=open_period, department=registry["bureau"])
    return registry


def url_for(name: str, registry, pattern=None) -> str:
    if name.startswith("supervision:"):
        return supervision_url(name, pattern, registry)
    if name in ANALYSIS_ALLOWED or name in ANALYSIS_POST_ONLY:
        return analysis_url(name, pattern, registry)
    if name in FEEDBACK_ALLOWED or name in FEEDBACK_POST_ONLY:
        return feedback_url(name, pattern, registry)
    if name.startswith("indicators:") and name != "indicators:index":
        data = data_objects(registry)
        if name.startswith("indicators:batch_") and name != "indicators:batch_list":
            return reverse(name, args=[data["upload_batch"].pk])
        if name != "indicators:batch_list":
            return reverse(name, args=[data["open_period"].pk])
    if name == "assessment:unit_result":
        return reverse(name, args=[registry["period"].pk, registry["town_a"].pk])
    if name.startswith("accounts:user_") and name != "accounts:user_list":
        from django.contrib.auth import get_user_model

        User = get_user_model()
        target = User.objects.filter(username="nobody").first() or User.objects.get_or_create(username="target")[0]
        return reverse(name, kwargs={"user_pk": target.pk})
    if name == "assessment:grade_unit":
        return reverse(name, kwargs={"year": 2024, "unit_pk": registry["town_a"].pk})
    objects = {
        "assessment:period_detail": registry["period"],
        "assessment:period_status": registry["period"],
        "assessment:scheme_detail": registry["scheme"],
        "assessment:scheme_download": registry["scheme"],
        "cadres:unit_detail": registry["town_a"],
        "cadres:cadre_detail": registry["cadre_a"],
    }
    return reverse(name, args=[objects[name].pk]) if name in objects else reverse(name)


def expected_status(name: str, role) -> int:
    """The answer for a logged-in user with this role (None: logged in, but no role)."""
    if name == "login":
        return 302  # an authenticated user is sent on to the dashboard
    if name == "set_language":
        return 302  # a GET just returns to the page
    if name in ("accounts:verify", "accounts:enrol"):
        return 302  # the session is verified already: on to the page asked for
    if name == "accounts:enrol_qr":
        return 404  # no enrolment under way: the authenticator is enrolled
    if name in POST_ONLY:
        return 405  # POST only
    allowed = SUPERVISION_ONLY if name.startswith("supervision:") else ALLOWED[name]
    return 200 if role in allowed else 403


def test_it_knows_the_expected_answer_for_every_url():
    names = {name for name, _pattern in named_patterns()}
    unknown = {name for name in names if not name.startswith("supervision:")}
    unknown = unknown - set(ALLOWED) - {"login", "set_language"} - POST_ONLY - SECOND_STEP
    assert not unknown, f"add these URLs to the access matrix: {sorted(unknown)}"


@pytest.mark.parametrize("role", [*Role, None], ids=lambda role: role.value if role else "no-role")
def test_it_answers_every_url_as_the_role_allows(client, personas, registry, role):
    client.force_login(personas[role])
    wrong = []
    for name, pattern in named_patterns():
        response = client.get(url_for(name, registry, pattern))
        if response.status_code != expected_status(name, role):
            wrong.append((name, response.status_code, expected_status(name, role)))
    assert not wrong, wrong


def test_it_sends_anonymous_visitors_to_the_login_page(client, registry):
    for name, pattern in named_patterns():
        url = url_for(name, registry, pattern)
        response = client.get(url)
        if name in ("login",):
            assert response.status_code == 200
        elif name == "set_language":
            assert response.status_code == 302
        else:
            assert response.status_code in (302, 405), name
            if response.status_code == 302:
                assert response.url.startswith(reverse("login")), name


@pytest.mark.parametrize("role", [*Role, None], ids=lambda role: role.value if role else "no-role")
def test_it_opens_django_admin_only_to_staff_roles(client, personas, role):
    client.force_login(personas[role])
    response = client.get(reverse("admin:index"))
    if role in STAFF:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_unit_viewer_cannot_open_another_units_page(client, personas, registry):
    client.force_login(personas[Role.UNIT_VIEWER])
    assert client.get(reverse("cadres:unit_detail", args=[registry["town_a"].pk])).status_code == 200
    assert client.get(reverse("cadres:unit_detail", args=[registry["town_b"].pk])).status_code == 404
    listed = client.get(reverse("cadres:unit_list")).content.decode()
    assert "甲镇" in listed and "乙镇" not in listed


def test_a_unit_viewer_sees_only_its_own_published_result(client, personas, registry):
    from assessment.models import PeriodState

    client.force_login(personas[Role.UNIT_VIEWER])
    period = registry["period"]
    own = reverse("assessment:unit_result", args=[period.pk, registry["town_a"].pk])
    other = reverse("assessment:unit_result", args=[period.pk, registry["town_b"].pk])
    assert client.get(own).status_code == 200
    assert client.get(other).status_code == 404
    period.state = PeriodState.LOCKED
    period.save()
    assert client.get(own).status_code == 404  # not published yet


def test_it_masks_id_numbers_except_for_supervision_officers(client, personas, registry):
    url = reverse("cadres:cadre_detail", args=[registry["cadre_a"].pk])
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    page = client.get(url).content.decode()
    assert "11010519491231002X" not in page and "1101************2X" in page
    assert "13800001111" not in page and "138****1111" in page
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    page = client.get(url).content.decode()
    assert "11010519491231002X" in page and "13800001111" in page


def test_the_sidebar_shows_only_the_areas_a_role_may_open(client, personas):
    client.force_login(personas[Role.DATA_PROVIDER])
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("indicators:index") in page
    assert reverse("cadres:cadre_list") not in page and reverse("supervision:index") not in page
