"""The ranking of one track on the period page: a filter (tier, name) and a sortable table.

The table is django-tables2 over one plain row per unit (a dict), because the component scores live
in a JSON map on the result and each scheme has its own components; a track holds at most a few
hundred units, so sorting them in Python is instant.
"""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assessment.models import Component, Period, UnitResult
from assessment.templatetags.scores import score
from core.filters import StyledFilterSet


class RankingFilter(StyledFilterSet):
    tier = django_filters.ChoiceFilter(label=_("等次"), empty_label=_("全部等次"))
    q = django_filters.CharFilter(method="search", label=_("单位名称或代码"))

    class Meta:
        model = UnitResult
        fields = ["tier", "q"]

    def __init__(self, *args, period: Period, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["tier"].choices = [("", _("全部等次")),
                                            *((tier, period.scheme.tier_name(tier)) for tier in (1, 2, 3))]

    def search(self, queryset, name, value):
        return queryset.filter(Q(unit__name__icontains=value) | Q(unit__code__icontains=value))


class NumberColumn(tables.Column):
    """A score shown with two decimals rounded half up, right-aligned."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return score(value)


class RankingTable(tables.Table):
    rank = tables.Column(verbose_name=_("名次"), attrs={"td": {"class": "text-end fw-semibold"},
                                                       "th": {"class": "text-end"}})
    rank_change = tables.Column(verbose_name=_("进位情况"))
    unit = tables.Column(verbose_name=_("单位"))
    tier = tables.Column(verbose_name=_("等次"))
    total = NumberColumn(verbose_name=_("总分"), attrs={"td": {"class": "text-end fw-semibold"},
                                                        "th": {"class": "text-end"}})

    class Meta:
        order_by = ("rank",)
        empty_text = _("没有符合条件的单位")
        attrs = {"class": "table table-hover align-middle ranking-table", "id": "ranking"}

    def __init__(self, data, *, period: Period, components: list[Component], **kwargs):
        self.period = period
        extra = [(f"component_{c.pk}", NumberColumn(verbose_name=format_html(
            '{}<div class="small text-muted fw-normal">{}%</div>', c.name, f"{c.weight.normalize():f}")))
            for c in components]
        extra += [("bonus", NumberColumn(verbose_name=_("加分"))), ("penalty", NumberColumn(verbose_name=_("扣分"))),
                  ("missing_count", tables.Column(verbose_name=_("缺失项"), attrs={
                      "td": {"class": "text-end"}, "th": {"class": "text-end"}}))]
        super().__init__(data, extra_columns=extra, **kwargs)

    def render_rank_change(self, value):
        if value > 0:
            return format_html('<span class="text-success rank-up"><i class="bi bi-arrow-up"></i> {} {}</span>',
                               _("进"), value)
        if value < 0:
            return format_html('<span class="text-danger rank-down"><i class="bi bi-arrow-down"></i> {} {}</span>',
                               _("退"), -value)
        return format_html('<span class="text-muted">{}</span>', _("持平"))

    def render_unit(self, value, record):
        result = record["result"]
        link = format_html('<a href="{}">{}</a>', reverse("assessment:unit_result", args=[self.period.pk,
                                                                                           result.unit_id]), value)
        if result.vetoed:
            link = format_html('{} <span class="badge text-bg-danger">{}</span>', link, _("一票否决"))
        if result.affirmed:
            link = format_html('{} <span class="badge text-bg-success">{}</span>', link, _("一票肯定"))
        return link

    def render_tier(self, value):
        return format_html('<span class="badge tier-{}">{}</span>', value, self.period.scheme.tier_name(value))

    def render_bonus(self, value):
        return f"+{score(value)}" if value else "—"

    def render_penalty(self, value):
        return f"−{score(value)}" if value else "—"

    def render_missing_count(self, value):
        return format_html('<span class="text-danger">{}</span>', value) if value else "0"


def ranking_data(results: QuerySet[UnitResult], components: list[Component]) -> list[dict]:
    """One plain row per unit for the table; the result itself rides along for links and badges."""
    rows = []
    for result in results.select_related("unit"):
        row = {"result": result, "rank": result.rank, "rank_change": result.rank_change, "unit": result.unit.name,
               "tier": result.tier, "total": result.total, "bonus": result.bonus, "penalty": result.penalty,
               "missing_count": result.missing_count}
        for component in components:
            value = result.component_scores.get(str(component.pk))
            if value is None and component.is_performance:
                value = result.performance
            row[f"component_{component.pk}"] = value
        rows.append(row)
    return rows
