from django.urls import path

from assessment import grade_views, scheme_views, views

app_name = "assessment"
urlpatterns = [
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/import/", scheme_views.scheme_import, name="scheme_import"),
    path("schemes/import/confirm/", scheme_views.scheme_import_confirm, name="scheme_import_confirm"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/workbook/", scheme_views.scheme_download, name="scheme_download"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/<int:pk>/", views.period_detail, name="period_detail"),
    path("periods/<int:pk>/status/", views.period_status, name="period_status"),
    path("periods/<int:pk>/units/<int:unit_pk>/", views.unit_result, name="unit_result"),
    path("grades/", grade_views.grade_index, name="grade_index"),
    path("grades/<int:year>/units/<int:unit_pk>/", grade_views.grade_unit, name="grade_unit"),
]
