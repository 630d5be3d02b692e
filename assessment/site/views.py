"""The period dashboard (周期看板): departments' uploads, missing values, tiers, warnings and
rectification of one period on one page, for the officer who locks and publishes it."""

from __future__ import annotations

from accounts.access import capability_required
from accounts.roles import Capability
from assessment import selectors
from assessment.analysis import period_overview
from assessment.analysis_views import analysis_page, publishing_context
from assessment.site.period_dashboard import department_uploads, reminder_text, warning_summary
from feedback import rectification


@capability_required(Capability.REVIEW_UPLOADS)
def period_dashboard(request, period_pk: int):
    period = selectors.period_for(request.user, period_pk)
    # The departments that are behind first: they are what the officer acts on.
    uploads = sorted(department_uploads(period),
                     key=lambda item: (-item.missing_cells, item.progress.last_upload is not None, item.department.code))
    warnings = warning_summary(period)
    return analysis_page(request, "assessment/period_dashboard.html", {
        "period": period,
        "uploads": uploads,
        "complete": sum(1 for item in uploads if not item.missing_cells),
        "missing_cells": sum(item.missing_cells for item in uploads),
        "reminder": reminder_text(period, uploads),
        "missing": period_overview.missing_by_unit(period),
        "tiers": period_overview.tier_counts(period),
        "warnings": warnings,
        "efficiency_total": sum(count for _kind, _label, count in warnings.efficiency),
        "overdue_rectifications": rectification.overdue_count(period),
        "open_rectifications": rectification.open_count(period),
        **publishing_context(request, period),
    })
