from django.urls import path

from feedback import honour_views, rectification_views, views

app_name = "feedback"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/<int:period_pk>/", views.period_feedback, name="period"),
    path("periods/<int:period_pk>/units/<int:unit_pk>/", views.report, name="report"),
    path("periods/<int:period_pk>/units/<int:unit_pk>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("periods/<int:period_pk>/units/<int:unit_pk>/comments/", views.note_edit, name="note_edit"),
    path("periods/<int:period_pk>/batches/", views.batch_start, name="batch_start"),
    path("batches/<int:batch_pk>/status/", views.batch_status, name="batch_status"),
    path("batches/<int:batch_pk>/zip/", views.batch_download, name="batch_download"),
    path("rectifications/", rectification_views.rectification_list, name="rectification_list"),
    path("rectifications/new/", rectification_views.rectification_create, name="rectification_create"),
    path("rectifications/<int:item_pk>/", rectification_views.rectification_detail, name="rectification_detail"),
    path("rectifications/<int:item_pk>/edit/", rectification_views.rectification_edit, name="rectification_edit"),
    path("rectifications/<int:item_pk>/progress/", rectification_views.rectification_progress,
         name="rectification_progress"),
    path("rectifications/<int:item_pk>/review/", rectification_views.rectification_review,
         name="rectification_review"),
    path("evidence/<int:evidence_pk>/", rectification_views.evidence_download, name="evidence_download"),
    path("honours/", honour_views.honour_list, name="honours"),
    path("periods/<int:period_pk>/awards/new/", honour_views.award_create, name="award_create"),
    path("awards/<int:award_pk>/edit/", honour_views.award_edit, name="award_edit"),
    path("awards/<int:award_pk>/delete/", honour_views.award_delete, name="award_delete"),
]
