"""The feedback area's part of the URL × role walk in tests/test_access.py.

``FEEDBACK_ALLOWED`` names the roles that get a 200 for each feedback page (everybody else logged in
gets 403); ``FEEDBACK_POST_ONLY`` lists the URLs that answer a GET with 405. URLs name their
arguments after what they point at (``period_pk``, ``unit_pk`` …); ``feedback_url`` fills each
from the objects made by ``feedback_objects``.
"""

from __future__ import annotations

from django.urls import reverse

FEEDBACK_ALLOWED: dict = {}
FEEDBACK_POST_ONLY: set[str] = set()


def feedback_objects(registry) -> dict:
    if "feedback" not in registry:
        registry["feedback"] = {"period_pk": registry["period"].pk, "unit_pk": registry["town_a"].pk,
                               "track_pk": registry["track"].pk, "scheme_pk": registry["scheme"].pk}
    return registry["feedback"]


def feedback_url(name: str, pattern, registry) -> str:
    objects = feedback_objects(registry)
    return reverse(name, kwargs={key: objects[key] for key in pattern.pattern.converters})
