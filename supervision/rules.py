"""Which version of the thresholds applies (SPEC §7). Versions are dated; the latest one on or before a day wins."""

from __future__ import annotations

import datetime

from supervision.models import RuleVersion
from supervision.points import DEFAULT_RULES, Rules


def rule_version_on(on: datetime.date) -> RuleVersion | None:
    return RuleVersion.objects.filter(valid_from__lte=on).order_by("-valid_from", "-pk").first()


def rules_on(on: datetime.date) -> tuple[Rules, RuleVersion | None]:
    """The thresholds in force on ``on`` and the version they come from (defaults if none is stored)."""
    version = rule_version_on(on)
    return (version.as_rules() if version else DEFAULT_RULES), version
