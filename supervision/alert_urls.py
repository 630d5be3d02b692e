"""URLs of the supervision area's alert, warning and rule pages; joined in supervision.urls."""

from django.urls import path

from supervision import alert_views

urlpatterns = [
    path("alerts/", alert_views.alert_list, name="alert_list"),
    path("alerts/<int:alert_pk>/", alert_views.alert_detail, name="alert_detail"),
    path("alerts/<int:alert_pk>/close/", alert_views.alert_close, name="alert_close"),
    path("warnings/", alert_views.warning_overview, name="warning_overview"),
    path("warnings/units/<int:unit_pk>/", alert_views.unit_warning, name="unit_warning"),
    path("warnings/efficiency/", alert_views.efficiency_warnings, name="efficiency_warnings"),
    path("rules/", alert_views.rule_versions, name="rule_versions"),
    path("rules/<int:version_pk>/", alert_views.rule_version, name="rule_version"),
    path("rules/change/", alert_views.rule_change, name="rule_change"),
]
