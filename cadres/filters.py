import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre, Rank, Unit, UnitKind
from core.filters import StyledFilterSet


class UnitFilter(StyledFilterSet):
    q = django_filters.CharFilter(method="search", label=_("代码或名称"))
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("单位类型"), empty_label=_("全部类型"))

    class Meta:
        model = Unit
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class CadreFilter(StyledFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("姓名"))
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), method="serving_in", label=_("现任单位"), empty_label=_("全部单位")
    )
    rank = django_filters.ChoiceFilter(choices=Rank.choices, label=_("职级"), empty_label=_("全部职级"))

    class Meta:
        model = Cadre
        fields = ["name", "unit", "rank"]

    def serving_in(self, queryset, name, unit):
        return queryset.serving_in(unit, timezone.localdate())
