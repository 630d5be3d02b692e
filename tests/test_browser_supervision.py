"""A supervision officer's journey in a real browser: find a cadre, open the file, enter a record that
crosses a line, handle and close the alert it raised, and see the unit's warning turn red."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import AuditEvent
from cadres.models import Appointment
from supervision.models import Alert, AlertStatus, CadrePointsState, UnitWarningState
from tests.test_browser import browser, demo, log_in, page, screenshot, sidebar_link  # noqa: F401 - fixtures


def quiet_cadre_in_a_quiet_unit():
    """A serving cadre without points, in a unit the demo leaves without a warning."""
    today = timezone.localdate()
    latest = {state.unit_id: state.level for state in UnitWarningState.objects.order_by("evaluated_on")}
    with_points = set(CadrePointsState.objects.filter(points__gt=0).values_list("cadre_id", flat=True))
    for appointment in Appointment.objects.active_on(today).select_related("cadre", "unit").order_by("unit__code"):
        if latest.get(appointment.unit_id, "none") == "none" and appointment.cadre_id not in with_points:
            return appointment.cadre, appointment.unit
    raise AssertionError("the demo should leave most units without a warning")


def test_an_officer_handles_an_alert_and_sees_the_units_warning_change(page):  # noqa: F811 - the page fixture
    cadre, unit = quiet_cadre_in_a_quiet_unit()
    views_before = AuditEvent.objects.filter(action="supervision.file_view", object_id=str(cadre.pk)).count()
    log_in(page, "jiandu")

    # Find the cadre by ID number and open the file.
    sidebar_link(page, "一人一档").click()
    page.get_by_label("姓名或身份证号").fill(cadre.id_number)
    page.get_by_role("button", name="查找档案").click()
    page.get_by_role("link", name=cadre.name, exact=True).first.click()
    expect(page.get_by_role("heading", name=re.compile(cadre.name))).to_be_visible()
    expect(page.locator("body")).to_contain_text(cadre.id_number)  # in full, on a supervision page
    assert AuditEvent.objects.filter(action="supervision.file_view", object_id=str(cadre.pk)).count() \
        == views_before + 1
    screenshot(page, "supervision-file-before.png")

    # A party sanction of 20 points takes the cadre over the admonishment line at once.
    page.get_by_role("link", name="新增监督记录").click()
    form = page.locator("#record-form")
    form.get_by_label("类型·细类").select_option(label="党纪处分·开除党籍（20分）")
    form.get_by_label(re.compile(r"^日期")).fill(timezone.localdate().isoformat())
    form.get_by_label("来源部门").fill("纪委监委")
    form.get_by_label("文号").fill("区纪发〔2026〕99号")
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".alert").filter(has_text="诫勉线")).to_be_visible()
    alert = Alert.objects.get(cadre=cadre, status=AlertStatus.OPEN)
    assert alert.line == "admonishment"

    # The alert is in the inbox; the officer records a talk, then closes it.
    sidebar_link(page, "触线预警").click()
    row = page.locator("table tbody tr").filter(has_text=cadre.name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="处置").click()
    page.get_by_label("处置方式").select_option(label="谈心谈话")
    page.get_by_label("处置情况或理由").fill("已约谈本人，听取说明并提出整改要求。")
    page.get_by_role("button", name="登记处置").click()
    expect(page.locator("body")).to_contain_text("已处置")
    page.get_by_role("button", name="办结预警").click()
    expect(page.locator("body")).to_contain_text("已办结")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.handlings.get().note.startswith("已约谈本人")
    screenshot(page, "supervision-alert-closed.png")

    # The unit, quiet before, is now red, and the overview says why.
    sidebar_link(page, "单位预警").click()
    page.get_by_label("单位名称或代码").fill(unit.code)
    page.get_by_role("button", name="查询").click()
    unit_row = page.locator("table tbody tr").filter(has_text=unit.name)
    expect(unit_row).to_have_count(1)
    expect(unit_row).to_contain_text("红色预警")
    expect(unit_row).to_contain_text("诫勉线")
    screenshot(page, "supervision-overview.png")
