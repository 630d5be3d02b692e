"""A period's life after its data are in: lock, review, publish (SPEC §3, §5).

    open (填报中) → locked (已锁定) → published (已发布)
    locked or published → open          unlock, with a reason
    published → locked                  withdraw the publication, with a reason

Statistics and component scores can change only while a period is open (the upload, rollback and
component import services refuse otherwise); unit viewers see a period's results only once it is
published (``assessment.selectors.periods_visible_to``). Every move is written to the audit log in
the same transaction; a reason lives only there, next to who gave it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.models import Indicator, Period, PeriodState, UnitResult
from cadres.models import Unit

REASON_MAX_LENGTH = 500


class PublishingRefused(Exception):
    """A move the period's state or results do not allow; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _locked_period(period: Period) -> Period:
    """The period re-read under a row lock, so that two officers' moves are applied one after the other."""
    return Period.objects.select_for_update().select_related("scheme").get(pk=period.pk)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PublishingRefused(_("请填写原因"))
    if len(reason) > REASON_MAX_LENGTH:
        raise PublishingRefused(_("原因不能超过%(limit)d个字") % {"limit": REASON_MAX_LENGTH})
    return reason


def period_lock(*, period: Period, user, request=None) -> Period:
    """Freeze a period's statistics so its results can be reviewed."""
    with transaction.atomic():
        # An upload being committed holds its department's row until it commits (indicators.uploads);
        # taking the providers' rows first makes a commit in flight finish before the lock, and one
        # that starts later find the period locked. Departments first, then the period, as the upload
        # does, so that the two never wait for each other.
        providers = Indicator.objects.filter(scheme_id=period.scheme_id).values("provider_id")
        list(Unit.objects.select_for_update().filter(pk__in=providers).order_by("pk").values_list("pk"))
        period = _locked_period(period)
        if period.state != PeriodState.OPEN:
            raise PublishingRefused(_("只有填报中的考核周期才能锁定，%(period)s当前为“%(state)s”") % {
                "period": period.code, "state": period.get_state_display()})
        period.state = PeriodState.LOCKED
        period.locked_at = timezone.now()
        period.locked_by = user
        period.save(update_fields=["state", "locked_at", "locked_by"])
        record_event("period.locked", user=user, request=request, obj=period)
    return period


def units_without_performance(period: Period) -> list[str]:
    """Units exempted from every indicator: they have no performance score, so no total (SPEC §4)."""
    return list(UnitResult.objects.filter(period=period, performance__isnull=True)
                .order_by("unit__code").values_list("unit__name", flat=True))


def units_with_missing_values(period: Period) -> int:
    return UnitResult.objects.filter(period=period, missing_count__gt=0).count()


def publish_blockers(period: Period) -> list[str]:
    """Why the period cannot be published now (an empty list: it can, once missing values are confirmed)."""
    blockers = []
    if period.state != PeriodState.LOCKED:
        blockers.append(_("请先锁定考核周期，核对结果后再发布"))
    if period.recompute_pending:
        blockers.append(_("结果正在重新计算，计算完成后才能发布"))
    if period.computed_at is None or not UnitResult.objects.filter(period=period).exists():
        blockers.append(_("本周期还没有计算结果"))
    exempted = units_without_performance(period)
    if exempted:
        blockers.append(_("以下单位所有指标均不适用，没有绩效得分：%(units)s") % {"units": "、".join(exempted)})
    return blockers


def period_publish(*, period: Period, user, request=None, missing_confirmed: bool = False) -> Period:
    """Release the results to the units. A period with missing values is published only after the
    officer has confirmed the list of them (SPEC §4)."""
    with transaction.atomic():
        period = _locked_period(period)
        if period.state == PeriodState.PUBLISHED:
            raise PublishingRefused(_("考核周期%(period)s已经发布") % {"period": period.code})
        blockers = publish_blockers(period)
        if blockers:
            raise PublishingRefused(_("不能发布：") + _("；").join(blockers))
        missing = units_with_missing_values(period)
        if missing and not missing_confirmed:
            raise PublishingRefused(_("有%(units)d个单位存在缺失值，请核对缺失值清单并确认后再发布") % {
                "units": missing})
        period.state = PeriodState.PUBLISHED
        period.published_at = timezone.now()
        period.published_by = user
        period.save(update_fields=["state", "published_at", "published_by"])
        record_event("period.published", user=user, request=request, obj=period,
                     results_version=period.results_version, units_with_missing_values=missing)
    return period


def period_withdraw(*, period: Period, user, reason: str, request=None) -> Period:
    """Take a publication back: the units no longer see the results; the statistics stay frozen."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        period = _locked_period(period)
        if period.state != PeriodState.PUBLISHED:
            raise PublishingRefused(_("只有已发布的考核周期才能撤回发布，%(period)s当前为“%(state)s”") % {
                "period": period.code, "state": period.get_state_display()})
        published_at = period.published_at
        period.state = PeriodState.LOCKED
        period.published_at = None
        period.published_by = None
        period.save(update_fields=["state", "published_at", "published_by"])
        record_event("period.publication_withdrawn", user=user, request=request, obj=period, reason=reason,
                     published_at=published_at.isoformat() if published_at else "")
    return period


def period_unlock(*, period: Period, user, reason: str, request=None) -> Period:
    """Open a locked or published period again, e.g. to correct a department's data."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        period = _locked_period(period)
        if period.state == PeriodState.OPEN:
            raise PublishingRefused(_("考核周期%(period)s未锁定，无需解锁") % {"period": period.code})
        previous = period.state
        period.state = PeriodState.OPEN
        period.locked_at = period.locked_by = period.published_at = period.published_by = None
        period.save(update_fields=["state", "locked_at", "locked_by", "published_at", "published_by"])
        record_event("period.unlocked", user=user, request=request, obj=period, reason=reason,
                     previous_state=previous)
    return period
