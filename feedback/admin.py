"""The feedback area in Django admin: comments, rectification items, awards and the zip runs.

The pages of the app are where these are normally written (they check scope and write the audit log
through the services); admin is for looking things up and correcting them, and what it saves is logged
too. A rectification item's status moves only through the unit's progress and the office's review.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from feedback.models import (
    Award,
    FeedbackBatch,
    FeedbackNote,
    RectificationEvidence,
    RectificationItem,
    RectificationUpdate,
)


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletions are written to the audit log with the admin user."""

    author_field = ""

    def save_model(self, request, obj, form, change):
        if self.author_field and not change:
            setattr(obj, self.author_field, request.user)
        super().save_model(request, obj, form, change)
        record_event(f"feedback.admin.{obj._meta.model_name}.{'changed' if change else 'added'}", request=request,
                     obj=obj, changed=sorted(form.changed_data))

    def delete_model(self, request, obj):
        record_event(f"feedback.admin.{obj._meta.model_name}.deleted", request=request, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_event(f"feedback.admin.{obj._meta.model_name}.deleted", request=request, obj=obj)
        super().delete_queryset(request, queryset)


@admin.register(FeedbackNote)
class FeedbackNoteAdmin(AuditedAdmin):
    list_display = ("period", "unit", "written_by", "written_at")
    list_filter = ("period",)
    search_fields = ("unit__code", "unit__name", "comments")
    autocomplete_fields = ("period", "unit")
    list_select_related = ("period__scheme", "unit", "written_by")
    readonly_fields = ("written_by", "written_at")
    author_field = "written_by"


class RectificationUpdateInline(admin.TabularInline):
    model = RectificationUpdate
    extra = 0
    fields = ("written_at", "written_by", "kind", "status", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RectificationEvidenceInline(admin.TabularInline):
    model = RectificationEvidence
    extra = 0
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RectificationItem)
class RectificationItemAdmin(AuditedAdmin):
    list_display = ("unit", "period", "source", "deadline", "status", "finished_on")
    list_filter = ("status", "source", "period")
    search_fields = ("unit__code", "unit__name", "problem", "requirement")
    autocomplete_fields = ("period", "unit")
    list_select_related = ("period__scheme", "unit")
    date_hierarchy = "deadline"
    readonly_fields = ("status", "finished_on", "raised_by", "raised_at", "closed_by", "closed_at", "updated_at")
    inlines = [RectificationUpdateInline, RectificationEvidenceInline]
    author_field = "raised_by"


@admin.register(Award)
class AwardAdmin(AuditedAdmin):
    list_display = ("kind", "recipient", "period", "awarded_by", "awarded_at")
    list_filter = ("kind", "period")
    search_fields = ("unit__name", "cadre__name", "citation")
    autocomplete_fields = ("period", "unit", "cadre")
    list_select_related = ("period__scheme", "unit", "cadre", "awarded_by")
    readonly_fields = ("awarded_by", "awarded_at")
    author_field = "awarded_by"

    @admin.display(description=_("获奖单位或干部"))
    def recipient(self, obj: Award) -> str:
        return obj.recipient_name


@admin.register(FeedbackBatch)
class FeedbackBatchAdmin(admin.ModelAdmin):
    """Runs are started from the period's feedback page; here they can only be looked at."""

    list_display = ("period", "status", "progress", "unit_count", "requested_by", "requested_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("period__scheme", "requested_by")
    readonly_fields = ("period", "status", "progress", "unit_count", "file", "size", "error", "requested_by",
                       "requested_at", "finished_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
