from django.contrib import admin

from supervision.models import Record, RecordType


@admin.register(RecordType)
class RecordTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "subtype", "points", "impact_months", "blocks_while_open", "grade_effect", "sort_order")
    list_editable = ("sort_order",)
    list_filter = ("grade_effect", "has_outcomes")
    search_fields = ("name", "subtype")


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("cadre", "record_type", "date", "source", "document_number")
    list_filter = ("record_type__name", "source")
    search_fields = ("cadre__name", "document_number")
    date_hierarchy = "date"
    autocomplete_fields = ("cadre",)
    list_select_related = ("cadre", "record_type")
    readonly_fields = ("entered_by", "entered_at", "updated_at")
