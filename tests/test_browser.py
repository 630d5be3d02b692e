"""The pages in a real browser: Debian's headless Chromium driven by Playwright, never a downloaded one.

The demo district is loaded into the test database and served by pytest-django's live server; the
tests log in with the demo accounts and click through the pages as an officer would. Screenshots
of the dashboard and of a cadre's page are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect, sync_playwright

from assessment.site.demo import DEMO_USERS
from cadres import selectors
from cadres.models import Unit

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.browser

PASSWORDS = {demo.username: demo.password for demo in DEMO_USERS}


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI needs the browser tests to run: {reason}", pytrace=False)
    print(f"SKIPPED browser test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM calls
    # (loading the demo, flushing the test database) from a thread with a running loop unless told.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(transactional_db):
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    assert "演示数据已就绪" in output.getvalue()


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def log_in(page, username: str) -> None:
    """Both factors, as a person does: the password, then the code the demo user's authenticator shows."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.second_factor import code_now

    response = page.goto("/")
    assert response is not None and response.ok
    # Every page needs a login: the dashboard sends the visitor to the login form.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="干部考核与监督平台")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORDS[username])
    page.get_by_role("button", name="登录", exact=True).click()
    # The password alone leads to the code form; the demo users' authenticators are enrolled by load_demo.
    expect(page).to_have_url(re.compile(r"/accounts/verify/\?next=(/|%2F)$"))
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.get_by_label("验证码").fill(code_now(device)[0])
    page.get_by_role("button", name="验证", exact=True).click()
    # Back on the page that was asked for: the dashboard at the site's root.
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))


def sidebar_link(page, label: str):
    return page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True)


def test_assessment_officer_goes_from_dashboard_to_a_cadre(page):
    unit = Unit.objects.get(code="T03")
    team = selectors.unit_team(unit)
    principal = team[0]
    assert team, "the demo unit T03 should have a leadership team"

    log_in(page, "kaohe")
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    units_card = page.locator(".stat-card").filter(has_text="考核对象")
    expect(units_card).to_be_visible()
    expect(units_card.locator(".value")).to_have_text(str(Unit.objects.active().count()))
    expect(page.locator(".user-box")).to_contain_text("周考核")
    expect(page.locator(".user-box")).to_contain_text("考核办")
    screenshot(page, "dashboard-kaohe.png")

    sidebar_link(page, "单位").click()
    expect(page).to_have_url(re.compile(r"/registry/units/$"))
    expect(page.get_by_role("heading", name=re.compile(r"^单位"))).to_contain_text(
        f"共 {Unit.objects.count()} 个"
    )

    page.get_by_label("代码或名称").fill(unit.name)
    page.get_by_role("button", name="查询").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name=unit.name, exact=True).click()

    expect(page).to_have_url(re.compile(rf"/registry/units/{unit.pk}/$"))
    expect(page.get_by_role("heading", name=unit.name)).to_be_visible()
    team_card = page.locator(".card").filter(has=page.locator(".card-header", has_text="领导班子"))
    expect(team_card.locator(".card-header")).to_contain_text(f"现任 {len(team)} 人")
    expect(team_card.locator("tbody tr")).to_have_count(len(team))
    expect(team_card.locator("tbody tr").first).to_contain_text(principal.title)

    team_card.get_by_role("link", name=principal.cadre.name, exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"/registry/cadres/{principal.cadre.pk}/$"))
    expect(page.get_by_role("heading", name=principal.cadre.name, exact=True)).to_be_visible()
    history = page.locator(".card").filter(has=page.locator(".card-header", has_text="任职经历"))
    expect(history).to_be_visible()
    current_post = history.locator("tbody tr").filter(has_text=principal.title).filter(has_text=unit.name)
    expect(current_post).to_contain_text("现任")
    # Full identity numbers are for the supervision office; the assessment officer sees a masked one.
    id_number = principal.cadre.id_number
    expect(page.locator("dd code")).to_have_text(f"{id_number[:4]}{'*' * 12}{id_number[-2:]}")
    screenshot(page, "cadre-kaohe.png")


def test_unit_viewer_sees_only_their_own_unit(page):
    own = Unit.objects.get(code="T01")
    other = Unit.objects.get(code="T03")
    cadre = selectors.unit_team(other)[0].cadre

    log_in(page, "danwei")
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    expect(page.locator(".card").filter(has_text="本单位").get_by_role("link", name=own.name)).to_be_visible()
    expect(sidebar_link(page, "干部")).to_have_count(0)

    sidebar_link(page, "单位").click()
    expect(page.get_by_role("heading", name=re.compile(r"^单位"))).to_contain_text("共 1 个")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(own.name)
    expect(page.get_by_text(other.name)).to_have_count(0)

    # Another unit's address: the page does not admit the unit exists.
    response = page.goto(f"/registry/units/{other.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_text("页面不存在，或您无权查看该对象")).to_be_visible()
    expect(page.get_by_text(other.name)).to_have_count(0)

    # Cadre files are closed to a unit viewer altogether.
    response = page.goto(f"/registry/cadres/{cadre.pk}/")
    assert response is not None and response.status == 403
    expect(page.get_by_text("您没有访问此页面的权限")).to_be_visible()
    expect(page.get_by_text(cadre.name)).to_have_count(0)

    # Its own unit opens, with its team listed but no links into cadre files.
    response = page.goto(f"/registry/units/{own.pk}/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", name=own.name)).to_be_visible()
    team_card = page.locator(".card").filter(has=page.locator(".card-header", has_text="领导班子"))
    expect(team_card.locator("tbody tr")).to_have_count(len(selectors.unit_team(own)))
    expect(team_card.locator("tbody a")).to_have_count(0)
