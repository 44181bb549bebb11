from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.apply_done, name="apply-done"),
    path("apply/status/", views.application_status, name="application-status"),
    path("applications/", views.application_list, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/report.pdf", views.application_report, name="application-report"),
    path("applications/<int:pk>/documents/<str:which>/", views.application_document, name="application-document"),
    path("applications/<int:pk>/<slug:action>/", views.application_action, name="application-action"),
    path("mine/", views.my_station, name="mine"),
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/export.xlsx", views.certificate_export, name="certificates-export"),
    path("certificates/bulk/renew/", views.certificate_bulk_renew, name="certificates-bulk-renew"),
    path("certificates/<int:pk>/<slug:action>/", views.certificate_action, name="certificate-action"),
    path("staff/<int:user_id>/", views.staff_detail, name="staff-detail"),
    path("staff/<int:user_id>/exam/", views.staff_exam, name="staff-exam"),
    path("assessments/", views.assessment_list, name="assessments"),
    path("assessments/<int:pk>/decide/", views.assessment_decide, name="assessment-decide"),
    path("sanctions/", views.sanction_list, name="sanctions"),
    path("sanctions/export.xlsx", views.sanction_export, name="sanctions-export"),
    path("sanctions/bulk/approve/", views.sanction_bulk_approve, name="sanctions-bulk-approve"),
    path("sanctions/<int:pk>/<slug:action>/", views.sanction_action, name="sanction-action"),
    path("revocation-reviews/", views.revocation_review_list, name="revocation-reviews"),
    path("revocation-reviews/<int:pk>/", views.revocation_review_detail, name="revocation-review-detail"),
    path("<int:pk>/", views.station_detail, name="station-detail"),
    path("<int:pk>/state/", views.station_state, name="station-state"),
    path("<int:pk>/certificate.pdf", views.station_certificate, name="station-certificate"),
    path("<int:pk>/exit.pdf", views.station_exit_confirmation, name="station-exit-confirmation"),
    path("<int:pk>/staff/", views.staff_list, name="staff"),
]
