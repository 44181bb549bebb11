"""/api/v1/: project endpoints, then every area's ``api.urlpatterns``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import api_views

router = DefaultRouter()
router.register("regions", api_views.RegionViewSet, basename="region")
router.register("notifications", api_views.NotificationViewSet, basename="notification")
router.register("outbox", api_views.OutboxMessageViewSet, basename="outbox")

urlpatterns = [
    path("auth/token/", api_views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", api_views.LogoutView.as_view(), name="api-logout"),
    path("me/", api_views.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
    path("", include("stations.api")),
    path("", include("tickets.api")),
    path("", include("spares.api")),
    path("", include("settlement.api")),
    path("", include("inspections.api")),
    path("", include("fraud.api")),
]
