from django.contrib import admin

from assessment.models import Scheme, Track, TrackMembership


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0
    fields = ("code", "name", "sort_order")


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "year", "status")
    list_filter = ("status", "year")
    search_fields = ("name",)
    inlines = [TrackInline]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "scheme", "sort_order")
    list_filter = ("scheme",)
    search_fields = ("code", "name")
    list_select_related = ("scheme",)


@admin.register(TrackMembership)
class TrackMembershipAdmin(admin.ModelAdmin):
    list_display = ("unit", "track", "scheme")
    list_filter = ("scheme", "track")
    search_fields = ("unit__code", "unit__name", "track__name")
    autocomplete_fields = ("unit",)
    list_select_related = ("unit", "track", "scheme")
