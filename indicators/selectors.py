"""What the data pages show: who provides what, what has been uploaded, and who may see which batch."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.access import can, department_id
from accounts.roles import Capability
from assessment.models import Indicator, Period, PeriodState, Statistic, TrackMembership
from cadres.models import Unit
from indicators.models import ImportBatch, ImportKind, ImportStatus


@dataclass(frozen=True)
class DepartmentProgress:
    """How far one department has got with one period's statistics."""

    period: Period
    department: Unit
    indicators: int
    expected_cells: int  # every unit of the scheme × every indicator the department provides
    filled_cells: int  # values and 不适用 marks stored
    last_upload: ImportBatch | None

    @property
    def percent(self) -> int:
        return round(100 * self.filled_cells / self.expected_cells) if self.expected_cells else 0

    @property
    def missing_cells(self) -> int:
        return max(0, self.expected_cells - self.filled_cells)


def user_department(user) -> Unit | None:
    unit_id = department_id(user)
    return Unit.objects.filter(pk=unit_id).first() if unit_id else None


def periods_for_department(department: Unit) -> QuerySet:
    """Periods of schemes in which the department provides at least one indicator, newest first."""
    return (Period.objects.filter(scheme__indicators__provider=department).distinct()
            .select_related("scheme").order_by("-end_date", "scheme__name"))


def _last_committed(period: Period, department_ids) -> dict[int, ImportBatch]:
    latest: dict[int, ImportBatch] = {}
    for batch in (ImportBatch.objects.filter(period=period, kind=ImportKind.STATISTICS, department_id__in=department_ids,
                                             status=ImportStatus.COMMITTED)
                  .select_related("uploaded_by").order_by("committed_at", "pk")):
        latest[batch.department_id] = batch
    return latest


def upload_progress(period: Period, departments: list[Unit] | None = None) -> list[DepartmentProgress]:
    """One line per providing department of the period's scheme (or the given ones), in a fixed number of queries."""
    providers = Indicator.objects.filter(scheme=period.scheme)
    if departments is not None:
        providers = providers.filter(provider__in=departments)
    indicator_counts = dict(providers.values("provider_id").annotate(n=Count("pk")).values_list("provider_id", "n"))
    unit_count = TrackMembership.objects.filter(scheme=period.scheme).count()
    filled = dict(
        Statistic.objects.filter(period=period, indicator__provider_id__in=indicator_counts)
        .filter(Q(value__isnull=False) | Q(not_applicable=True))
        .values("indicator__provider_id").annotate(n=Count("pk")).values_list("indicator__provider_id", "n")
    )
    latest = _last_committed(period, indicator_counts.keys())
    units = Unit.objects.in_bulk(indicator_counts.keys())
    return sorted((
        DepartmentProgress(period=period, department=units[provider_id], indicators=count,
                           expected_cells=count * unit_count, filled_cells=filled.get(provider_id, 0),
                           last_upload=latest.get(provider_id))
        for provider_id, count in indicator_counts.items()
    ), key=lambda item: item.department.code)


def batches_visible_to(user) -> QuerySet:
    """An officer sees every upload; a department only its own."""
    batches = ImportBatch.objects.select_related("period__scheme", "department", "uploaded_by")
    if can(user, Capability.REVIEW_UPLOADS):
        return batches
    own = department_id(user)
    if can(user, Capability.UPLOAD_STATISTICS) and own:
        return batches.filter(department_id=own)
    return batches.none()


def batch_for(user, pk: int) -> ImportBatch:
    batch = batches_visible_to(user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def may_upload(user, period: Period) -> bool:
    """A department may upload to an open period of a scheme in which it provides indicators."""
    own = department_id(user)
    return bool(
        can(user, Capability.UPLOAD_STATISTICS) and own and period.state == PeriodState.OPEN
        and Indicator.objects.filter(scheme=period.scheme, provider_id=own).exists()
    )
