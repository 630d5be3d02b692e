"""URLs of the supervision area's record pages; joined in supervision.urls."""

from django.urls import path

from supervision import record_views

urlpatterns = [
    path("records/", record_views.record_list_page, name="record_list"),
    path("records/new/", record_views.record_cadre_choice, name="record_cadre_choice"),
    path("cadres/<int:cadre_pk>/records/new/", record_views.record_create, name="record_create"),
    path("records/<int:record_pk>/edit/", record_views.record_edit, name="record_edit"),
    path("attachments/<int:attachment_pk>/", record_views.attachment_download, name="attachment_download"),
    path("records/import/", record_views.record_import_page, name="record_import"),
    path("records/import/<int:batch_pk>/", record_views.record_import_batch, name="record_import_batch"),
    path("records/import/<int:batch_pk>/file/", record_views.record_import_file, name="record_import_file"),
]
