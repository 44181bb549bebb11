from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("export.xlsx", views.ticket_export, name="export"),
    path("bulk/dispatch/", views.ticket_bulk_dispatch, name="bulk-dispatch"),
    path("bulk/stations.json", views.ticket_bulk_stations, name="bulk-stations"),
    path("hotline/", views.hotline, name="hotline"),
    path("lookup/", views.lookup, name="lookup"),
    path("queue/", views.queue, name="queue"),
    path("queue/state.json", views.queue_state, name="queue-state"),
    path("search/", views.ticket_search, name="search"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/do/<str:verb>/", views.ticket_action, name="action"),
    path("<int:pk>/complete/", views.ticket_complete, name="complete"),
    path("<int:pk>/report.pdf", views.repair_report, name="report"),
    path("<int:pk>/file/<str:field>/", views.ticket_file, name="file"),
    path("status/", views.self_service_lookup, name="status"),
    path("status/ticket/", views.self_service_status, name="status-ticket"),
    path("status/ticket/answer/", views.self_service_answer, name="status-answer"),
    path("status/ticket/report.pdf", views.self_service_report, name="status-report"),
    path("status/end/", views.self_service_end, name="status-end"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("callbacks/export.xlsx", views.callback_export, name="callbacks-export"),
    path("callbacks/state.json", views.callback_queue_state, name="callbacks-state"),
    path("callbacks/<int:pk>/", views.callback_detail, name="callback"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/export.xlsx", views.complaint_export, name="complaints-export"),
    path("complaints/new/", views.complaint_create, name="complaint-new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("daily-reports/", views.daily_report_list, name="daily-reports"),
    path("daily-reports/<int:pk>/submit/", views.daily_report_submit, name="daily-report-submit"),
]
