from django.urls import path

from assessment import analysis_views as views
from assessment.site import views as site_views

app_name = "analysis"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/<int:period_pk>/", site_views.period_dashboard, name="period_dashboard"),
    path("periods/<int:period_pk>/tiers.json", views.tier_chart, name="tier_chart"),
    path("periods/<int:period_pk>/lock/", views.period_lock, name="period_lock"),
    path("periods/<int:period_pk>/publish/", views.period_publish, name="period_publish"),
    path("periods/<int:period_pk>/withdraw/", views.period_withdraw, name="period_withdraw"),
    path("periods/<int:period_pk>/unlock/", views.period_unlock, name="period_unlock"),
    path("periods/<int:period_pk>/circular.xlsx", views.ranking_workbook, name="ranking_workbook"),
    path("periods/<int:period_pk>/units/<int:unit_pk>/radar.json", views.unit_radar_chart, name="unit_radar_chart"),
    path("periods/<int:period_pk>/units/<int:unit_pk>/trend.json", views.unit_trend_chart, name="unit_trend_chart"),
    path("periods/<int:period_pk>/indicators/", views.indicator_analysis, name="indicator_analysis"),
    path("periods/<int:period_pk>/indicators/<int:indicator_pk>/distribution.json", views.indicator_chart,
         name="indicator_chart"),
    path("periods/<int:period_pk>/indicators/<int:indicator_pk>/trend.json", views.indicator_trend_chart,
         name="indicator_trend_chart"),
    path("periods/<int:period_pk>/trends/", views.trend_analysis, name="trend_analysis"),
    path("periods/<int:period_pk>/tracks/<int:track_pk>/trend.json", views.track_trend_chart,
         name="track_trend_chart"),
    path("periods/<int:period_pk>/domains/", views.domain_analysis, name="domain_analysis"),
    path("periods/<int:period_pk>/domains.json", views.domain_chart, name="domain_chart"),
]
