from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from assessment.models import (
    Adjustment,
    CadreGrade,
    Component,
    ComponentScore,
    Dimension,
    Indicator,
    Period,
    PeriodState,
    Responsibility,
    Scheme,
    Statistic,
    Track,
    TrackMembership,
    Verdict,
    VetoItem,
    Weight,
    WeightOverride,
)
from assessment.recompute import inputs_approve, request_recompute


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0
    fields = ("name", "weight", "is_performance", "sort_order")


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0
    fields = ("code", "name", "sort_order")


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "year", "status")
    list_filter = ("status", "year")
    search_fields = ("name",)
    inlines = [ComponentInline, TrackInline]
    fieldsets = (
        (None, {"fields": ("name", "year", "status", "description")}),
        (_("加扣分与等次"), {"fields": (("bonus_cap", "penalty_cap"), ("first_share", "third_share"),
                                    ("first_tier_name", "second_tier_name", "third_tier_name"))}),
        (_("干部年度考核优秀比例"), {"fields": (("excellent_share", "excellent_share_first_tier",
                                             "excellent_share_third_tier"),)}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Weights, caps or shares may have changed: every period of the scheme is out of date.
        for period in form.instance.periods.all():
            request_recompute(period)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "scheme", "sort_order")
    list_filter = ("scheme",)
    search_fields = ("code", "name")
    autocomplete_fields = ("scheme",)
    list_select_related = ("scheme",)


@admin.register(TrackMembership)
class TrackMembershipAdmin(admin.ModelAdmin):
    list_display = ("unit", "track", "scheme")
    list_filter = ("scheme", "track")
    search_fields = ("unit__code", "unit__name", "track__name")
    autocomplete_fields = ("unit", "track", "scheme")
    list_select_related = ("unit", "track", "scheme")


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("code", "scheme", "period_type", "state", "start_date", "end_date", "computed_at")
    list_filter = ("state", "period_type", "scheme")
    search_fields = ("code", "scheme__name")
    autocomplete_fields = ("scheme",)
    list_select_related = ("scheme",)
    # The state changes only on the period dashboard, which checks the rules and logs each move.
    readonly_fields = ("state", "inputs_version", "results_version", "computed_at")


class PeriodInputForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or getattr(self.instance, "period", None)
        if period is not None and not period.is_open:
            raise forms.ValidationError(_("该考核周期已锁定或已发布，不能再修改；如确需修改，请先在周期看板解锁"))
        return cleaned


class PeriodInputAdmin(admin.ModelAdmin):
    """Inputs of a period: saving or deleting one queues the period's recompute. A locked or
    published period's inputs are frozen here as everywhere else."""

    form = PeriodInputForm
    autocomplete_fields = ("period", "unit")
    list_select_related = ("period", "unit")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.period.is_open)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.period.is_open)

    def delete_queryset(self, request, queryset):
        if queryset.exclude(period__state=PeriodState.OPEN).exists():
            self.message_user(request, _("所选记录中有已锁定或已发布周期的数据，未删除任何记录"), messages.ERROR)
            return
        period_ids = set(queryset.values_list("period_id", flat=True))
        super().delete_queryset(request, queryset)
        for period_id in period_ids:
            request_recompute(period_id)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        request_recompute(obj.period_id)

    def delete_model(self, request, obj):
        period_id = obj.period_id
        super().delete_model(request, obj)
        request_recompute(period_id)



@admin.register(ComponentScore)
class ComponentScoreAdmin(PeriodInputAdmin):
    list_display = ("period", "unit", "component", "score")
    list_filter = ("period", "component")
    search_fields = ("unit__code", "unit__name")


class ApprovalAdmin(PeriodInputAdmin):
    readonly_fields = ("approved_by", "approved_at")
    actions = ["approve"]

    @admin.action(description=_("审批通过所选记录"))
    def approve(self, request, queryset):
        inputs_approve(queryset, user=request.user)


@admin.register(Adjustment)
class AdjustmentAdmin(ApprovalAdmin):
    list_display = ("period", "unit", "points", "category", "approved_at")
    list_filter = ("period", "category")
    search_fields = ("unit__code", "unit__name", "reason")


@admin.register(Verdict)
class VerdictAdmin(ApprovalAdmin):
    list_display = ("period", "unit", "kind", "veto_item", "approved_at")
    list_filter = ("period", "kind")
    search_fields = ("unit__code", "unit__name", "reason")
    autocomplete_fields = ("period", "unit", "veto_item")


@admin.register(VetoItem)
class VetoItemAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "legal_basis")


@admin.register(CadreGrade)
class CadreGradeAdmin(admin.ModelAdmin):
    list_display = ("cadre", "unit", "year", "grade", "entered_by")
    list_filter = ("year", "grade")
    search_fields = ("cadre__name", "unit__name")
    autocomplete_fields = ("cadre", "unit")
    list_select_related = ("cadre", "unit", "entered_by")
    readonly_fields = ("entered_by",)

    # Grades are entered on the grading page, which enforces the 优秀 quota and the record rules;
    # admin would bypass both, so here they can only be read.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- The scheme's parts and the statistics ------------------------------------------------------------


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
