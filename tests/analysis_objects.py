"""The analysis area's part of the URL × role walk in tests/test_access.py.

``ANALYSIS_ALLOWED`` names the roles that get a 200 for each analysis page (everybody else logged in
gets 403); ``ANALYSIS_POST_ONLY`` lists the URLs that answer a GET with 405. URLs name their
arguments after what they point at (``period_pk``, ``unit_pk`` …); ``analysis_url`` fills each
from the objects made by ``analysis_objects``.
"""

from __future__ import annotations

from django.urls import reverse

from accounts.roles import Role

OFFICERS = frozenset({Role.ASSESSMENT_OFFICER, Role.SUPERVISION_OFFICER})

ANALYSIS_ALLOWED: dict = {
    "analysis:index": OFFICERS,
    # The period dashboard is the assessment office's desk: uploads, reminders, locking and publishing.
    "analysis:period_dashboard": {Role.ASSESSMENT_OFFICER},
    "analysis:tier_chart": OFFICERS,
    "analysis:ranking_workbook": OFFICERS,
    # A unit's own charts: the fixture's unit viewer belongs to town_a and the fixture's period is published.
    "analysis:unit_radar_chart": OFFICERS | {Role.UNIT_VIEWER},
    "analysis:unit_trend_chart": OFFICERS | {Role.UNIT_VIEWER},
    "analysis:indicator_analysis": OFFICERS,
    "analysis:indicator_chart": OFFICERS,
    "analysis:indicator_trend_chart": OFFICERS,
    "analysis:trend_analysis": OFFICERS,
    "analysis:track_trend_chart": OFFICERS,
    "analysis:domain_analysis": OFFICERS,
    "analysis:domain_chart": OFFICERS,
}
ANALYSIS_POST_ONLY: set[str] = {
    "analysis:period_lock", "analysis:period_publish", "analysis:period_withdraw", "analysis:period_unlock",
}


def analysis_objects(registry) -> dict:
    """The registry's published period with one indicator, scored, so that every page and chart has data."""
    if "analysis" not in registry:
        from assessment.models import Component, Dimension, Indicator, Statistic, Weight
        from assessment.recompute import recompute_period

        scheme, track, period = registry["scheme"], registry["track"], registry["period"]
        Component.objects.get_or_create(scheme=scheme, name="绩效考核", defaults={"weight": 100,
                                                                              "is_performance": True})
        dimension = Dimension.objects.create(scheme=scheme, name="分析维度")
        indicator = Indicator.objects.create(scheme=scheme, code="AN1", name="分析指标", dimension=dimension,
                                             provider=registry["bureau"])
        Weight.objects.create(indicator=indicator, track=track, weight=100)
        for unit, value in ((registry["town_a"], 10), (registry["town_b"], 20)):
            Statistic.objects.create(period=period, unit=unit, indicator=indicator, value=value)
        recompute_period(period.pk)
        registry["analysis"] = {"period_pk": period.pk, "unit_pk": registry["town_a"].pk,
                                "track_pk": track.pk, "scheme_pk": scheme.pk, "indicator_pk": indicator.pk}
    return registry["analysis"]


def analysis_url(name: str, pattern, registry) -> str:
    objects = analysis_objects(registry)
    return reverse(name, kwargs={key: objects[key] for key in pattern.pattern.converters})
