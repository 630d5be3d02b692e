"""The analysis area's part of the URL × role walk in tests/test_access.py.

``ANALYSIS_ALLOWED`` names the roles that get a 200 for each analysis page (everybody else logged in
gets 403); ``ANALYSIS_POST_ONLY`` lists the URLs that answer a GET with 405. URLs name their
arguments after what they point at (``period_pk``, ``unit_pk`` …); ``analysis_url`` fills each
from the objects made by ``analysis_objects``.
"""

from __future__ import annotations

from django.urls import reverse

ANALYSIS_ALLOWED: dict = {}
ANALYSIS_POST_ONLY: set[str] = set()


def analysis_objects(registry) -> dict:
    if "analysis" not in registry:
        registry["analysis"] = {"period_pk": registry["period"].pk, "unit_pk": registry["town_a"].pk,
                               "track_pk": registry["track"].pk, "scheme_pk": registry["scheme"].pk}
    return registry["analysis"]


def analysis_url(name: str, pattern, registry) -> str:
    objects = analysis_objects(registry)
    return reverse(name, kwargs={key: objects[key] for key in pattern.pattern.converters})
