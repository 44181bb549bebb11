from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from . import api_views, metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/users/<int:user_id>/password-reset/",
        views.user_password_reset_force,
        name="user-password-reset-force",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("history/<str:app_label>/<str:model_name>/<str:pk>/", views.object_history, name="object-history"),
    path("jobs/", views.job_runs, name="job-runs"),
    path("outbox/", views.outbox_list, name="outbox"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/unread.json", views.notifications_unread, name="notifications-unread"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("repairnet.api_urls")),
    path("api/schema/", api_views.SchemaView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", template_name="repairnet/swagger.html"),
        name="api-docs",
    ),
    path("stations/", include("stations.urls")),
    path("tickets/", include("tickets.urls")),
    path("spares/", include("spares.urls")),
    path("settlement/", include("settlement.urls")),
    path("inspections/", include("inspections.urls")),
    path("fraud/", include("fraud.urls")),
]

handler400 = "repairnet.views.error_400"
handler403 = "repairnet.views.error_403"
handler404 = "repairnet.views.error_404"
handler500 = "repairnet.views.error_500"
