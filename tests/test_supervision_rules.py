"""Rule versions (SPEC §7): the three-year preview on a small known history, saving a version that
applies from its date while old alerts keep theirs, the rule page, and points read-only in admin."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from supervision.evaluation import after_records_changed
from supervision.models import Alert, Record, RecordType, RuleVersion
from supervision.points import Rules, cadre_points
from supervision.rule_preview import rule_preview
from supervision.rules import RuleDraft, in_force, rule_version_create

pytestmark = pytest.mark.django_db


def record_type(name: str, subtype: str = "") -> RecordType:
    return RecordType.objects.get(name=name, subtype=subtype)


def give(cadre, name: str, subtype: str, day: date) -> Record:
    return Record.objects.create(cadre=cadre, record_type=record_type(name, subtype), date=day, source="审计")


def draft_from(current, *, type_points: dict | None = None, **thresholds) -> RuleDraft:
    points = dict(current.type_points)
    points.update(type_points or {})
    fields = {name: getattr(current.rules, name) for name in Rules.__dataclass_fields__}
    fields.update(thresholds)
    return RuleDraft(rules=Rules(**fields), type_points=points)


@pytest.fixture
def known_history(registry):
    """张三 (甲镇): 1 + 2 points in early 2024; 李四 (乙镇): 1 + 1 points in May 2024."""
    give(registry["cadre_a"], "审计问题", "一般", date(2024, 1, 10))
    give(registry["cadre_a"], "通报批评", "", date(2024, 2, 10))
    give(registry["cadre_b"], "提醒谈话", "", date(2024, 5, 5))
    give(registry["cadre_b"], "个人有关事项查核", "漏报", date(2024, 5, 6))
    return registry


def test_the_preview_replays_three_years_under_both_rule_sets(known_history):
    on = date(2025, 6, 30)
    current = in_force(on)
    # A lower reminder line, and circulated criticism (通报批评) no longer counted.
    draft = draft_from(current, reminder_line=Decimal(2), type_points={record_type("通报批评").pk: Decimal(0)})
    preview = rule_preview(draft, current, on)
    rows = {row.month: row for row in preview.rows}
    assert len(preview.rows) == 36 and preview.rows[0].month == "2022-07" and preview.rows[-1].month == "2025-06"
    assert (rows["2024-02"].current_alerts, rows["2024-02"].new_alerts) == (1, 0)
    assert (rows["2024-05"].current_alerts, rows["2024-05"].new_alerts) == (0, 1)
    assert (preview.current_total, preview.new_total) == (1, 1)
    assert [cadre.name for cadre in preview.newly_flagged] == ["李四"]
    assert [cadre.name for cadre in preview.no_longer_flagged] == ["张三"]
    assert (preview.newly_flagged_count, preview.no_longer_flagged_count) == (1, 1)

    # Month ends: 甲镇 yellow under the current rules from February to December 2024 (the January
    # record ages out on 2025-01-10); 乙镇 yellow under the new rules from May 2024 to April 2025.
    current_yellow = [row.month for row in preview.rows if row.current_levels["yellow"]]
    new_yellow = [row.month for row in preview.rows if row.new_levels["yellow"]]
    assert current_yellow == [f"2024-{month:02d}" for month in range(2, 13)]
    assert new_yellow == [*(f"2024-{month:02d}" for month in range(5, 13)), *(f"2025-{m:02d}" for m in range(1, 5))]
    assert rows["2024-06"].current_levels == {"none": 2, "yellow": 1, "orange": 0, "red": 0}
    assert sum(preview.rows[-1].new_levels.values()) == 3  # every active unit, with or without cadres


def test_the_preview_of_unchanged_rules_changes_nothing(known_history):
    on = date(2025, 6, 30)
    current = in_force(on)
    preview = rule_preview(draft_from(current), current, on)
    assert all(row.current_alerts == row.new_alerts and row.current_levels == row.new_levels for row in preview.rows)
    assert preview.newly_flagged_count == preview.no_longer_flagged_count == 0
    assert preview.chart["bars"] and len(preview.chart["bars"]) == 72


def test_a_saved_version_applies_from_its_date_and_old_alerts_keep_theirs(registry, personas,
                                                                        django_capture_on_commit_callbacks):
    today = timezone.localdate()
    cadre, first = registry["cadre_a"], RuleVersion.objects.get()
    give(cadre, "信访举报", "属实", today - timedelta(days=40))  # 3 points under the first version
    old_alert = after_records_changed([cadre.pk], today - timedelta(days=40))[0]
    substantiated = record_type("信访举报", "属实")
    current = in_force(today)
    draft = draft_from(current, type_points={substantiated.pk: Decimal(6)})
    officer = personas[Role.SUPERVISION_OFFICER]
    with django_capture_on_commit_callbacks(execute=True):
        version = rule_version_create(draft=draft, valid_from=today - timedelta(days=10), note="信访属实加重",
                                      user=officer)

    assert in_force(today - timedelta(days=11)).version == first
    assert in_force(today - timedelta(days=10)).version == version
    before, after = in_force(today - timedelta(days=11)), in_force(today - timedelta(days=10))
    assert cadre_points([cadre.pk], today - timedelta(days=11), before.rules, before.type_points) == {cadre.pk: 3}
    assert cadre_points([cadre.pk], today - timedelta(days=10), after.rules, after.type_points) == {cadre.pk: 6}
    substantiated.refresh_from_db()
    assert substantiated.points == Decimal(6)
    assert version.type_points[str(substantiated.pk)] == "6"
    # The re-evaluation after saving raised the inquiry alert under the new version.
    old_alert.refresh_from_db()
    assert old_alert.rule_version == first
    assert Alert.objects.get(cadre=cadre, line="inquiry").rule_version == version
    event = AuditEvent.objects.get(action="supervision.rules.changed")
    assert event.user == officer and event.detail["type_points_changed"] == {"信访举报·属实": ["3.0", "6"]}


def test_a_version_cannot_start_in_the_future_nor_before_the_one_in_force(registry):
    today = timezone.localdate()
    current = in_force(today)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        rule_version_create(draft=draft_from(current), valid_from=today + timedelta(days=1), note="", user=None)
    rule_version_create(draft=draft_from(current), valid_from=today, note="", user=None)
    with pytest.raises(ValidationError, match="不能早于现行规则的生效日期"):
        rule_version_create(draft=draft_from(current), valid_from=today - timedelta(days=1), note="", user=None)
    with pytest.raises(ValidationError, match="提醒线 < 函询线 < 诫勉线"):
        rule_version_create(draft=draft_from(current, inquiry_line=Decimal(2)), valid_from=today, note="", user=None)
    assert RuleVersion.objects.count() == 2


# --- Pages ---------------------------------------------------------------------------------------------


@pytest.fixture
def officer_client(client, personas):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    return client


def rule_form_data(**changes) -> dict:
    data = {"valid_from": timezone.localdate().isoformat(), "window_months": 12, "reminder_line": "3",
            "inquiry_line": "6", "admonishment_line": "10", "yellow_share": "10", "orange_share": "20",
            "red_share": "30", "share_rule_min_cadres": 5, "note": ""}
    data.update({f"points_{pk}": str(points) for pk, points in RecordType.objects.values_list("pk", "points")})
    data.update(changes)
    return data


def test_the_rule_page_previews_then_saves(officer_client, known_history, django_capture_on_commit_callbacks):
    url = reverse("supervision:rule_change")
    form = officer_client.get(url).content.decode()
    assert "试算" in form and "保存为新版本" not in form and "通报批评" in form

    data = rule_form_data(reminder_line="2", note="降低提醒线")
    preview = officer_client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200 and preview.context["preview"] is not None
    content = preview.content.decode()
    assert "试算结果" in content and "<svg" in content and "保存为新版本" in content
    assert RuleVersion.objects.count() == 1  # a preview stores nothing

    with django_capture_on_commit_callbacks(execute=True):
        saved = officer_client.post(url, {**data, "action": "save"})
    version = RuleVersion.objects.order_by("-pk").first()
    assert saved.status_code == 302 and saved.url == reverse("supervision:rule_version",
                                                             kwargs={"version_pk": version.pk})
    assert version.reminder_line == Decimal(2) and version.yellow_share == Decimal("0.1")
    assert version.note == "降低提醒线" and version.created_by.username == "supervisor"
    listed = officer_client.get(reverse("supervision:rule_versions")).content.decode()
    assert "现行" in listed and "降低提醒线" in listed


def test_the_rule_page_explains_rules_that_cannot_be(officer_client, registry):
    response = officer_client.post(reverse("supervision:rule_change"),
                                   {**rule_form_data(yellow_share="25"), "action": "save"})
    assert response.status_code == 200 and RuleVersion.objects.count() == 1
    assert "黄色 &lt; 橙色 &lt; 红色" in response.content.decode()


def test_record_type_points_are_read_only_in_admin(client, registry):
    admin_user = get_user_model().objects.create_superuser("root", password="x-Passw0rd!")
    client.force_login(admin_user)
    warning = record_type("党纪处分", "警告")
    page = client.get(reverse("admin:supervision_recordtype_change", args=[warning.pk])).content.decode()
    assert 'name="points"' not in page and 'name="impact_months"' in page
    assert client.get(reverse("admin:supervision_ruleversion_changelist")).status_code == 200
    assert client.get(reverse("admin:supervision_ruleversion_add")).status_code == 403
