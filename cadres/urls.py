from django.urls import path

from cadres import views

app_name = "cadres"
urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("cadres/import/", views.roster_import, name="roster_import"),
    path("cadres/import/confirm/", views.roster_import_confirm, name="roster_import_confirm"),
]
