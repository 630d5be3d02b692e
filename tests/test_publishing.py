"""Locking, publishing, withdrawing and unlocking a period (assessment/publishing.py and its views):
the legal moves, the refusals, the audit trail, and what unit viewers see at each step."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment import publishing
from assessment.models import Period, PeriodState, Statistic
from assessment.recompute import recompute_period
from indicators.component_import import import_component_scores
from indicators.models import ImportStatus
from indicators.uploads import UploadError, batch_check, batch_receive, batch_rollback, import_statistics_file
from tests.sheets import xlsx_bytes


@pytest.fixture
def computed(district):
    recompute_period(district["period"].pk)
    return district


@pytest.fixture
def officer(make_user):
    return make_user("kaohe-officer", [Role.ASSESSMENT_OFFICER])


def refresh(period: Period) -> Period:
    period.refresh_from_db()
    return period


def test_a_period_goes_from_open_to_locked_to_published_and_back(computed, officer):
    period = computed["period"]
    publishing.period_lock(period=period, user=officer)
    period = refresh(period)
    assert (period.state, period.locked_by, period.published_at) == (PeriodState.LOCKED, officer, None)
    publishing.period_publish(period=period, user=officer)
    period = refresh(period)
    assert (period.state, period.published_by) == (PeriodState.PUBLISHED, officer) and period.published_at
    publishing.period_unlock(period=period, user=officer, reason="统计局更正了东镇的增速")
    period = refresh(period)
    assert (period.state, period.locked_at, period.locked_by, period.published_at) == (PeriodState.OPEN, None,
                                                                                      None, None)
    events = list(AuditEvent.objects.filter(object_type="assessment.Period", object_id=str(period.pk))
                  .order_by("pk").values_list("action", "username", "detail"))
    assert [(action, username) for action, username, _detail in events] == [
        ("period.locked", "kaohe-officer"), ("period.published", "kaohe-officer"), ("period.unlocked", "kaohe-officer")]
    assert events[2][2] == {"reason": "统计局更正了东镇的增速", "previous_state": "published"}


def test_illegal_moves_are_refused_in_chinese(computed, officer):
    period = computed["period"]
    with pytest.raises(publishing.PublishingRefused, match="请先锁定"):
        publishing.period_publish(period=period, user=officer)
    with pytest.raises(publishing.PublishingRefused, match="未锁定，无需解锁"):
        publishing.period_unlock(period=period, user=officer, reason="无")
    with pytest.raises(publishing.PublishingRefused, match="只有已发布的考核周期才能撤回发布"):
        publishing.period_withdraw(period=period, user=officer, reason="无")
    publishing.period_lock(period=period, user=officer)
    with pytest.raises(publishing.PublishingRefused, match="只有填报中的考核周期才能锁定"):
        publishing.period_lock(period=period, user=officer)
    publishing.period_publish(period=period, user=officer)
    with pytest.raises(publishing.PublishingRefused, match="已经发布"):
        publishing.period_publish(period=period, user=officer)
    assert refresh(period).state == PeriodState.PUBLISHED
    assert AuditEvent.objects.filter(action__startswith="period.").count() == 2  # the lock and the publication


def test_unlocking_and_withdrawing_need_a_reason(computed, officer):
    period = computed["period"]
    publishing.period_lock(period=period, user=officer)
    for blank in ("", "   "):
        with pytest.raises(publishing.PublishingRefused, match="请填写原因"):
            publishing.period_unlock(period=period, user=officer, reason=blank)
    assert refresh(period).state == PeriodState.LOCKED
    assert not AuditEvent.objects.filter(action="period.unlocked").exists()
    publishing.period_publish(period=period, user=officer)
    with pytest.raises(publishing.PublishingRefused, match="请填写原因"):
        publishing.period_withdraw(period=period, user=officer, reason="")
    publishing.period_withdraw(period=period, user=officer, reason="东镇的加分尚待复核")
    period = refresh(period)
    assert (period.state, period.published_at) == (PeriodState.LOCKED, None) and period.locked_at
    assert AuditEvent.objects.get(action="period.publication_withdrawn").detail["reason"] == "东镇的加分尚待复核"


def test_publishing_waits_for_a_pending_recompute_and_for_confirmed_missing_values(computed, officer):
    period = computed["period"]
    Statistic.objects.filter(period=period, unit__code="Z2", indicator__code="G2").delete()
    recompute_period(period.pk)
    publishing.period_lock(period=period, user=officer)
    Period.objects.filter(pk=period.pk).update(inputs_version=period.inputs_version + 1)  # an input changed
    with pytest.raises(publishing.PublishingRefused, match="结果正在重新计算"):
        publishing.period_publish(period=period, user=officer, missing_confirmed=True)
    recompute_period(period.pk)
    with pytest.raises(publishing.PublishingRefused, match="有1个单位存在缺失值"):
        publishing.period_publish(period=period, user=officer)
    publishing.period_publish(period=period, user=officer, missing_confirmed=True)
    assert refresh(period).state == PeriodState.PUBLISHED
    assert AuditEvent.objects.get(action="period.published").detail["units_with_missing_values"] == 1


def test_a_period_without_results_cannot_be_published(district, officer):
    period = district["period"]
    publishing.period_lock(period=period, user=officer)
    with pytest.raises(publishing.PublishingRefused, match="还没有计算结果"):
        publishing.period_publish(period=period, user=officer)


def test_a_locked_period_refuses_uploads_rollbacks_and_component_scores(computed, officer):
    period, bureau = computed["period"], computed["towns"]["Z1"].__class__.objects.get(code="TJ")
    sheet = xlsx_bytes([["单位代码", "单位名称", "G1"], ["Z1", "东镇", 15]])
    committed = import_statistics_file(sheet, "tj.xlsx", period=period, department=bureau)
    assert committed.status == ImportStatus.COMMITTED
    recompute_period(period.pk)
    publishing.period_lock(period=period, user=officer)

    batch = batch_receive(data=xlsx_bytes([["单位代码", "单位名称", "G1"], ["Z1", "东镇", 99]]), filename="late.xlsx",
                          period=refresh(period), department=bureau)
    batch_check(batch)
    assert batch.status == ImportStatus.FAILED and "已锁定或已发布" in batch.problems[0]["message"]
    with pytest.raises(UploadError, match="已锁定或已发布"):
        batch_rollback(committed, user=officer)
    result = import_component_scores(xlsx_bytes([["单位代码", "班子民主测评"], ["Z1", 60]]), "c.xlsx", period=period)
    assert result.problems and "已锁定或已发布" in str(result.problems[0])
    assert Statistic.objects.get(period=period, unit__code="Z1", indicator__code="G1").value == 15


def post(client, name: str, period: Period, data: dict | None = None):
    return client.post(reverse(f"analysis:{name}", args=[period.pk]), data or {})


def test_publishing_gates_what_a_unit_viewer_sees(client, computed, make_user, officer):
    period, own, other = computed["period"], computed["towns"]["Z1"], computed["towns"]["Z2"]
    viewer = make_user("dongzhen", [Role.UNIT_VIEWER], unit=own)
    own_urls = [reverse("assessment:unit_result", args=[period.pk, own.pk]),
                reverse("analysis:unit_radar_chart", args=[period.pk, own.pk]),
                reverse("analysis:unit_trend_chart", args=[period.pk, own.pk])]
    other_urls = [reverse("assessment:unit_result", args=[period.pk, other.pk]),
                  reverse("analysis:unit_radar_chart", args=[period.pk, other.pk]),
                  reverse("analysis:unit_trend_chart", args=[period.pk, other.pk])]

    def statuses(urls):
        client.force_login(viewer)
        return [client.get(url).status_code for url in urls]

    assert statuses(own_urls) == [404, 404, 404]  # open

    client.force_login(officer)
    response = post(client, "period_lock", period, {"lock-confirm": "on"})
    assert response.status_code == 302 and refresh(period).state == PeriodState.LOCKED
    assert statuses(own_urls) == [404, 404, 404]  # locked, under review

    client.force_login(officer)
    post(client, "period_publish", period, {"publish-confirm": "on"})
    assert refresh(period).state == PeriodState.PUBLISHED
    assert statuses(own_urls) == [200, 200, 200]
    assert statuses(other_urls) == [404, 404, 404]  # another unit, never
    page = client.get(own_urls[0]).content.decode()
    assert "东镇" in page and "西镇" not in page

    client.force_login(officer)
    post(client, "period_withdraw", period, {"withdraw-reason": "加分待复核"})
    assert refresh(period).state == PeriodState.LOCKED
    assert statuses(own_urls) == [404, 404, 404]


def test_the_views_confirm_refuse_and_record(client, computed, officer, make_user):
    period = computed["period"]
    client.force_login(officer)
    response = post(client, "period_lock", period)  # the box not ticked
    assert response.status_code == 302 and refresh(period).state == PeriodState.OPEN
    post(client, "period_lock", period, {"lock-confirm": "on", "back": "period"})
    assert refresh(period).state == PeriodState.LOCKED
    response = post(client, "period_unlock", period, {"unlock-reason": ""})
    assert refresh(period).state == PeriodState.LOCKED
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("请填写解锁原因" in message for message in messages)
    response = post(client, "period_unlock", period, {"unlock-reason": "应急管理局数据有误，需重新上传"})
    assert response.url == reverse("analysis:period_dashboard", args=[period.pk])
    assert refresh(period).state == PeriodState.OPEN
    event = AuditEvent.objects.get(action="period.unlocked")
    assert event.username == "kaohe-officer" and event.detail["reason"] == "应急管理局数据有误，需重新上传"

    # The supervision officer sees results but does not publish; a GET never moves anything.
    client.force_login(make_user("jiandu-officer", [Role.SUPERVISION_OFFICER]))
    assert post(client, "period_lock", period, {"lock-confirm": "on"}).status_code == 403
    client.force_login(officer)
    assert client.get(reverse("analysis:period_lock", args=[period.pk])).status_code == 405
    assert refresh(period).state == PeriodState.OPEN


def test_the_period_page_offers_the_move_the_state_allows(client, computed, officer):
    period = computed["period"]
    client.force_login(officer)
    page = client.get(reverse("assessment:period_detail", args=[period.pk])).content.decode()
    assert reverse("analysis:period_lock", args=[period.pk]) in page
    assert reverse("analysis:period_publish", args=[period.pk]) not in page
    publishing.period_lock(period=period, user=officer)
    page = client.get(reverse("analysis:period_dashboard", args=[period.pk])).content.decode()
    assert reverse("analysis:period_publish", args=[period.pk]) in page
    assert reverse("analysis:period_unlock", args=[period.pk]) in page
    assert reverse("analysis:period_lock", args=[period.pk]) not in page


def test_django_admin_cannot_change_a_locked_periods_state_or_inputs(client, make_user, registry):
    from decimal import Decimal

    from assessment.models import Adjustment

    period: Period = registry["period"]
    period.state = PeriodState.LOCKED
    period.save()
    officer = make_user("admin-officer", [Role.ASSESSMENT_OFFICER])
    client.force_login(officer)
    page = client.get(reverse("admin:assessment_period_change", args=[period.pk])).content.decode()
    assert 'name="state"' not in page  # shown, not editable: the dashboard moves the state
    adjustment = Adjustment.objects.create(period=period, unit=registry["town_a"], points=Decimal("1"),
                                           category="表彰", reason="省级表彰")
    change = reverse("admin:assessment_adjustment_change", args=[adjustment.pk])
    assert 'name="points"' not in client.get(change).content.decode()  # read-only in a locked period
    response = client.post(reverse("admin:assessment_adjustment_add"), {
        "period": period.pk, "unit": registry["town_a"].pk, "points": "2", "category": "表彰", "reason": "再加"})
    assert "该考核周期已锁定或已发布，不能再修改" in response.content.decode()
    assert Adjustment.objects.filter(period=period).count() == 1
    period.refresh_from_db()
    assert period.state == PeriodState.LOCKED
