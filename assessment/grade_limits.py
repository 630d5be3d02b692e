"""What may limit a cadre's annual grade (SPEC §6), asked of every source the site plugs in.

The grading service (``assessment.grades``) knows the grades and the quota; what limits a grade comes from
other parts of the product — supervision records today (``supervision.grade_rules``) — which sit above the
assessment floor. They are named in ``settings.GRADE_LIMIT_SOURCES`` (dotted paths of functions
``(cadre_ids, year) -> {cadre id: [limit, ...]}``), so the grading service imports none of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from assessment.models import Grade

ALL_GRADES = frozenset(Grade)


class GradeLimit(Protocol):
    """One reason why a cadre's grade for a year is limited."""

    @property
    def severity(self) -> int: ...

    @property
    def allowed_grades(self) -> frozenset[str]: ...

    def reason(self) -> str: ...


@cache
def _sources() -> tuple:
    return tuple(import_string(path) for path in settings.GRADE_LIMIT_SOURCES)


def grade_limits(cadre_ids: Iterable[int], year: int) -> dict[int, list[GradeLimit]]:
    """{cadre id: limits for ``year``}, heaviest first; cadres without any are left out."""
    cadre_ids = list(cadre_ids)
    limits: dict[int, list[GradeLimit]] = defaultdict(list)
    for source in _sources():
        for cadre_id, items in source(cadre_ids, year).items():
            limits[cadre_id].extend(items)
    for items in limits.values():
        items.sort(key=lambda item: -item.severity)
    return dict(limits)


def allowed_grades(limits: list[GradeLimit]) -> frozenset[str]:
    """The grades left once the heaviest limit applies."""
    return limits[0].allowed_grades if limits else ALL_GRADES
