from django.urls import path

from assessment import views

app_name = "assessment"
urlpatterns = [
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
]
