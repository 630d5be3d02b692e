"""Which version of the thresholds applies (SPEC §7), and making a new one.

Versions are dated; the latest one on or before a day wins. A version carries the points of every
record type as they were when it was made, so a past alert can be explained with the points it used
and a change applies only from its date. What a change would have done is in ``rule_preview``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from core import jobs
from supervision.job_kinds import EVALUATION
from supervision.models import RecordType, RuleVersion
from supervision.points import DEFAULT_RULES, Rules


def rule_version_on(on: datetime.date) -> RuleVersion | None:
    return RuleVersion.objects.filter(valid_from__lte=on).order_by("-valid_from", "-pk").first()


def rules_of(version: RuleVersion) -> Rules:
    """The thresholds a stored rule version holds, as the point arithmetic takes them."""
    return Rules(
        window_months=version.window_months, reminder_line=version.reminder_line,
        inquiry_line=version.inquiry_line, admonishment_line=version.admonishment_line,
        yellow_share=version.yellow_share, orange_share=version.orange_share, red_share=version.red_share,
        share_rule_min_cadres=version.share_rule_min_cadres,
    )


def rules_on(on: datetime.date) -> tuple[Rules, RuleVersion | None]:
    """The thresholds in force on ``on`` and the version they come from (defaults if none is stored)."""
    version = rule_version_on(on)
    return (rules_of(version) if version else DEFAULT_RULES), version


@dataclass(frozen=True)
class RulesInForce:
    """Thresholds and record-type points that apply on a day, and the version they come from."""

    rules: Rules
    version: RuleVersion | None
    type_points: dict[int, Decimal] = field(default_factory=dict)


def type_points_of(version: RuleVersion | None) -> dict[int, Decimal]:
    """{record type id: points} of a version; a type added after the version counts its own points."""
    points = dict(RecordType.objects.values_list("pk", "points"))
    if version is not None:
        for type_id, value in version.type_points.items():
            if int(type_id) in points:
                points[int(type_id)] = Decimal(str(value))
    return points


def in_force(on: datetime.date) -> RulesInForce:
    rules, version = rules_on(on)
    return RulesInForce(rules=rules, version=version, type_points=type_points_of(version))


@dataclass(frozen=True)
class RuleDraft:
    """Rules an officer is considering: thresholds and the points of each record type."""

    rules: Rules
    type_points: dict[int, Decimal]


def rule_draft_problems(draft: RuleDraft) -> list[str]:
    """Why these rules cannot be a version, in words (empty when they can)."""
    rules, problems = draft.rules, []
    if not rules.reminder_line < rules.inquiry_line < rules.admonishment_line:
        problems.append(_("标准线应从低到高：提醒线 < 函询线 < 诫勉线（现为 %(a)s、%(b)s、%(c)s）") % {
            "a": rules.reminder_line, "b": rules.inquiry_line, "c": rules.admonishment_line})
    if rules.reminder_line <= 0:
        problems.append(_("提醒线应大于0"))
    if not 0 < rules.yellow_share < rules.orange_share < rules.red_share <= 1:
        problems.append(_("预警比例应从低到高且在0到100%%之间：黄色 < 橙色 < 红色（现为 %(y)s、%(o)s、%(r)s）") % {
            "y": f"{rules.yellow_share:.1%}", "o": f"{rules.orange_share:.1%}", "r": f"{rules.red_share:.1%}"})
    if not 1 <= rules.window_months <= 60:
        problems.append(_("积分周期应在1到60个月之间（现为 %(months)s）") % {"months": rules.window_months})
    negative = [str(record_type) for record_type in RecordType.objects.filter(pk__in=draft.type_points)
                if draft.type_points[record_type.pk] < 0]
    if negative:
        problems.append(_("积分不能为负数：%(types)s") % {"types": "、".join(negative)})
    return problems


def rule_version_create(*, draft: RuleDraft, valid_from: datetime.date, note: str, user) -> RuleVersion:
    """Store the rules as a new version from ``valid_from`` and re-evaluate everyone once it is saved.

    The record types take the new points too, so admin and the file show what counts now; earlier
    versions keep their own points, and alerts keep the version that raised them."""
    problems = rule_draft_problems(draft)
    today = timezone.localdate()
    if valid_from > today:
        problems.append(_("生效日期不能晚于今天（%(today)s）：记录类型的积分在保存时即改为新值") % {
            "today": today.isoformat()})
    latest = RuleVersion.objects.order_by("-valid_from", "-pk").first()
    if latest is not None and valid_from < latest.valid_from:
        problems.append(_("生效日期不能早于现行规则的生效日期 %(date)s") % {"date": latest.valid_from.isoformat()})
    if problems:
        raise ValidationError(problems)
    rules = draft.rules
    with transaction.atomic():
        record_types = list(RecordType.objects.select_for_update().order_by("pk"))
        points = {record_type.pk: draft.type_points.get(record_type.pk, record_type.points)
                  for record_type in record_types}
        changed = {str(record_type): [str(record_type.points), str(points[record_type.pk])]
                   for record_type in record_types if record_type.points != points[record_type.pk]}
        version = RuleVersion.objects.create(
            valid_from=valid_from, window_months=rules.window_months, reminder_line=rules.reminder_line,
            inquiry_line=rules.inquiry_line, admonishment_line=rules.admonishment_line,
            yellow_share=rules.yellow_share, orange_share=rules.orange_share, red_share=rules.red_share,
            share_rule_min_cadres=rules.share_rule_min_cadres,
            type_points={str(type_id): str(value) for type_id, value in points.items()},
            note=note, created_by=user,
        )
        for record_type in record_types:
            record_type.points = points[record_type.pk]
        RecordType.objects.bulk_update(record_types, ["points"])
        record_event("supervision.rules.changed", user=user, obj=version, valid_from=valid_from.isoformat(),
                     thresholds=thresholds_of(rules), type_points_changed=changed)
        # Everyone is re-evaluated under the new rules after the commit (an outbox job, see core.jobs).
        jobs.enqueue(EVALUATION, key="everyone")
    return version


def thresholds_of(rules: Rules) -> dict[str, str]:
    return {
        "window_months": str(rules.window_months), "reminder_line": str(rules.reminder_line),
        "inquiry_line": str(rules.inquiry_line), "admonishment_line": str(rules.admonishment_line),
        "yellow_share": str(rules.yellow_share), "orange_share": str(rules.orange_share),
        "red_share": str(rules.red_share), "share_rule_min_cadres": str(rules.share_rule_min_cadres),
    }
