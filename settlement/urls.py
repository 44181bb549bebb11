from django.urls import path

from . import views

app_name = "settlement"

urlpatterns = [
    path("", views.index, name="index"),
    path("months/", views.month_pick, name="month-pick"),
    path("months/<str:month>/", views.month_view, name="month"),
    path("months/<str:month>/run/", views.month_run, name="month-run"),
    path("months/<str:month>/issue/", views.month_issue, name="month-issue"),
    path("months/<str:month>/workbook/", views.month_workbook, name="month-workbook"),
    path("months/<str:month>/workbook/export/", views.month_workbook_export, name="month-workbook-export"),
    path("exports/<int:pk>/", views.workbook_export_status, name="workbook-export-status"),
    path("exports/<int:pk>/download/", views.workbook_export_download, name="workbook-export-download"),
    path("runs/<int:pk>/status/", views.run_status, name="run-status"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/export.xlsx", views.statement_export, name="statements-export"),
    path("statements/bulk/issue/", views.statement_bulk_issue, name="statements-bulk-issue"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/pdf/", views.statement_pdf, name="statement-pdf"),
    path("statements/<int:pk>/unpaid/", views.statement_unpaid, name="statement-unpaid"),
    path("statements/<int:pk>/tickets/<int:ticket_id>/", views.statement_ticket, name="statement-ticket"),
    path("statements/<int:pk>/<slug:action>/", views.statement_action, name="statement-action"),
]
