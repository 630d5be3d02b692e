"""Reading a period's stored results for people: sentences, chart series and distributions.

Nothing here computes a score; everything is read from the rows the recompute service wrote.

- ``dimension_sentence`` (here): a dimension's score rate against the track median in words, used by the
  unit page and the feedback reports;
- ``period_overview``: the period dashboard (missing values, reminders, tiers, warnings);
- ``distributions``: one indicator across each track's units (指标分析);
- ``trends``: a unit, a track or an indicator across periods (趋势分析);
- ``domains``: tracks compared dimension by dimension (领域分析);
- ``charts``: the JSON each chart is drawn from; ``numbers``: quartiles and display rounding;
- ``ranking`` and ``forms``: the ranking table and filter, and the publishing confirmations.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessment.models import DimensionResult


def dimension_sentence(dimension: DimensionResult) -> str:
    """One dimension's score rate against the track median in words, as a feedback report says it
    (得分率 is a share of the dimension's points, shown in per cent; the gap in percentage points)."""
    name = dimension.dimension.name
    if dimension.rate is None:
        return _("%(name)s：无得分率（该维度没有计分指标）") % {"name": name}
    rate = dimension.rate * 100
    if dimension.track_median is None:
        return _("%(name)s得分率%(rate).1f%%") % {"name": name, "rate": rate}
    gap = (dimension.rate - dimension.track_median) * 100
    if round(gap, 1) > 0:
        return _("%(name)s得分率%(rate).1f%%，高于赛道中位数%(gap).1f个百分点") % {
            "name": name, "rate": rate, "gap": gap}
    if round(gap, 1) < 0:
        return _("%(name)s得分率%(rate).1f%%，低于赛道中位数%(gap).1f个百分点") % {
            "name": name, "rate": rate, "gap": -gap}
    return _("%(name)s得分率%(rate).1f%%，与赛道中位数持平") % {"name": name, "rate": rate}
