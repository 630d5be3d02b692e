from django.urls import path

from indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/<int:period_pk>/template/", views.template_download, name="template_download"),
    path("periods/<int:period_pk>/upload/", views.upload, name="upload"),
    path("periods/<int:period_pk>/uploads/", views.period_uploads, name="period_uploads"),
    path("uploads/", views.batch_list, name="batch_list"),
    path("uploads/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("uploads/<int:pk>/status/", views.batch_status, name="batch_status"),
    path("uploads/<int:pk>/confirm/", views.batch_confirm, name="batch_confirm"),
    path("uploads/<int:pk>/rollback/", views.batch_rollback, name="batch_rollback"),
    path("uploads/<int:pk>/file/", views.batch_file, name="batch_file"),
    path("uploads/<int:pk>/annotated/", views.batch_annotated, name="batch_annotated"),
]
