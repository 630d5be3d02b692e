from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from accounts.access import may_see_full_id_number
from cadres.id_numbers import mask_id_number
from cadres.models import Appointment, Cadre, Kinship, Unit
from cadres.resources import AppointmentResource, CadreResource, UnitResource


class RegistryImportExportAdmin(ImportExportModelAdmin):
    formats = [XLSX, CSV]

    def get_export_resource_kwargs(self, request, **kwargs):
        kwargs = super().get_export_resource_kwargs(request, **kwargs)
        if self.resource_classes[0] is not UnitResource:
            kwargs["mask_personal_numbers"] = not may_see_full_id_number(request.user)
        return kwargs


@admin.register(Unit)
class UnitAdmin(RegistryImportExportAdmin):
    resource_classes = [UnitResource]
    list_display = ("code", "name", "kind", "parent", "population", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    ordering = ("sort_order", "code")


class AppointmentInline(admin.TabularInline):
    model = Appointment
    extra = 0
    autocomplete_fields = ("unit",)
    fields = ("unit", "title", "role", "start_date", "end_date")


class KinshipInline(admin.TabularInline):
    model = Kinship
    fk_name = "cadre"
    extra = 0
    autocomplete_fields = ("relative",)
    fields = ("relative", "relation")


@admin.register(Cadre)
class CadreAdmin(RegistryImportExportAdmin):
    resource_classes = [CadreResource]
    list_display = ("name", "gender", "rank", "masked_id_number", "birth_date")
    list_filter = ("rank", "gender")
    search_fields = ("name",)
    inlines = [AppointmentInline, KinshipInline]
    autocomplete_fields = ("account",)
    change_list_template = "admin/cadres/cadre/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        # ID numbers are encrypted: a whole number typed in the search box is found by its digest.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) == 18:
            found = found | queryset.with_id_number(term)
        return found, may_have_duplicates

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, cadre):
        return mask_id_number(cadre.id_number)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # Staff who may not see ID numbers in full do not get the raw field on existing records.
        if obj is not None and not may_see_full_id_number(request.user):
            fields = [name for name in fields if name not in ("id_number", "phone")]
        return fields


@admin.register(Appointment)
class AppointmentAdmin(RegistryImportExportAdmin):
    resource_classes = [AppointmentResource]
    list_display = ("cadre", "unit", "title", "role", "start_date", "end_date")
    list_filter = ("role", "unit__kind")
    search_fields = ("cadre__name", "unit__name", "unit__code", "title")
    autocomplete_fields = ("cadre", "unit")
    list_select_related = ("cadre", "unit")
    date_hierarchy = "start_date"
