from django.contrib import admin

from supervision.models import (
    Alert,
    AlertHandling,
    CadrePointsState,
    EfficiencyWarning,
    Record,
    RecordType,
    RuleVersion,
    UnitWarningState,
)


@admin.register(RecordType)
class RecordTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "subtype", "points", "impact_months", "blocks_while_open", "grade_effect", "sort_order")
    list_editable = ("sort_order",)
    list_filter = ("grade_effect", "has_outcomes")
    search_fields = ("name", "subtype")
    # Points change only on the rule page, which keeps every change as a dated rule version.
    readonly_fields = ("points",)


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("cadre", "record_type", "date", "source", "document_number")
    list_filter = ("record_type__name", "source")
    search_fields = ("cadre__name", "document_number")
    date_hierarchy = "date"
    autocomplete_fields = ("cadre",)
    list_select_related = ("cadre", "record_type")
    readonly_fields = ("entered_by", "entered_at", "updated_at")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived or versioned rows: made by the services, only looked at here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ("valid_from", "window_months", "reminder_line", "inquiry_line", "admonishment_line",
                    "yellow_share", "orange_share", "red_share", "share_rule_min_cadres", "created_by", "created_at")
    list_select_related = ("created_by",)


class AlertHandlingInline(admin.TabularInline):
    model = AlertHandling
    extra = 0
    fields = ("action", "date", "note", "handled_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("cadre", "line", "points", "raised_on", "status", "rule_version")
    list_filter = ("status", "line")
    search_fields = ("cadre__name",)
    date_hierarchy = "raised_on"
    list_select_related = ("cadre", "rule_version")
    inlines = [AlertHandlingInline]


@admin.register(UnitWarningState)
class UnitWarningStateAdmin(ReadOnlyAdmin):
    list_display = ("unit", "evaluated_on", "level", "cadres", "cadres_with_points", "share", "reason")
    list_filter = ("level", "evaluated_on")
    search_fields = ("unit__name", "unit__code")
    list_select_related = ("unit",)


@admin.register(CadrePointsState)
class CadrePointsStateAdmin(ReadOnlyAdmin):
    list_display = ("cadre", "points", "line", "evaluated_on")
    list_filter = ("line",)
    search_fields = ("cadre__name",)
    list_select_related = ("cadre",)


@admin.register(EfficiencyWarning)
class EfficiencyWarningAdmin(ReadOnlyAdmin):
    list_display = ("unit", "period", "kind", "reason", "raised_at")
    list_filter = ("kind", "period")
    search_fields = ("unit__name", "unit__code")
    list_select_related = ("unit", "period__scheme")
