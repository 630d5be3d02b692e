"""URLs of the supervision area's file pages; joined in supervision.urls."""

from django.urls import path

from supervision import file_views

urlpatterns = [
    path("file/<int:cadre_pk>/", file_views.cadre_file_view, name="cadre_file"),
    path("file/<int:cadre_pk>/checks/", file_views.mandatory_check_add, name="mandatory_check_add"),
    path("units/<int:unit_pk>/team/", file_views.unit_team_view, name="unit_team"),
    path("precheck/", file_views.precheck_view, name="precheck"),
    path("precheck/batch/", file_views.precheck_batch_view, name="precheck_batch"),
    path("lists/", file_views.lists_view, name="lists"),
    path("lists/<int:year>/download/", file_views.lists_download, name="lists_download"),
    path("reports/", file_views.reports_view, name="reports"),
    path("reports/generate/", file_views.report_generate, name="report_generate"),
    path("reports/<int:report_pk>/", file_views.report_detail, name="report_detail"),
    path("reports/<int:report_pk>/download/", file_views.report_download, name="report_download"),
]
