from django.contrib import admin

from assessment.admin import PeriodInputAdmin
from assessment.recompute import request_recompute
from indicators.models import Dimension, Indicator, Responsibility, Statistic, Weight, WeightOverride


class WeightInline(admin.TabularInline):
    model = Weight
    extra = 0
    autocomplete_fields = ("track",)


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ("name", "scheme", "parent", "sort_order")
    list_filter = ("scheme",)
    search_fields = ("name",)
    autocomplete_fields = ("scheme", "parent")


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "scheme", "dimension", "method", "direction", "provider")
    list_filter = ("scheme", "method", "direction", "dimension")
    search_fields = ("code", "name")
    autocomplete_fields = ("scheme", "dimension", "provider")
    list_select_related = ("scheme", "dimension", "provider")
    inlines = [WeightInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for period in form.instance.scheme.periods.all():
            request_recompute(period)


@admin.register(WeightOverride)
class WeightOverrideAdmin(admin.ModelAdmin):
    list_display = ("indicator", "unit", "weight")
    search_fields = ("indicator__code", "unit__code", "unit__name")
    autocomplete_fields = ("indicator", "unit")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for period in obj.indicator.scheme.periods.all():
            request_recompute(period)


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):
    list_display = ("indicator", "unit", "cadre")
    search_fields = ("indicator__code", "unit__name", "cadre__name")
    autocomplete_fields = ("indicator", "unit", "cadre")


@admin.register(Statistic)
class StatisticAdmin(PeriodInputAdmin):
    list_display = ("period", "unit", "indicator", "value", "not_applicable", "target", "updated_at")
    list_filter = ("period", "not_applicable")
    search_fields = ("unit__code", "unit__name", "indicator__code")
    autocomplete_fields = ("period", "unit", "indicator")
