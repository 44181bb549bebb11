from django.urls import path

from . import views

app_name = "fraud"

urlpatterns = [
    path("", views.signal_overview, name="overview"),
    path("stations/<int:station_id>/", views.station_signals, name="station"),
    path("signals/<int:pk>/confirm/", views.signal_confirm, name="confirm"),
    path("signals/<int:pk>/dismiss/", views.signal_dismiss, name="dismiss"),
]
