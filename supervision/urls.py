from django.urls import path

from supervision import alert_urls, file_urls, record_urls, views

app_name = "supervision"
urlpatterns = [
    path("", views.index, name="index"),
    *file_urls.urlpatterns,
    *alert_urls.urlpatterns,
    *record_urls.urlpatterns,
]
