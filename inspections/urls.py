from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("schedule/", views.inspection_schedule, name="schedule"),
    path("overview/", views.overview, name="overview"),
    path("<int:pk>/", views.inspection_detail, name="detail"),
    path("<int:pk>/fill/", views.inspection_fill, name="fill"),
    path("<int:pk>/items/<int:line_id>/", views.item_save, name="item-save"),
    path("<int:pk>/stock/<int:line_id>/", views.stock_save, name="stock-save"),
    path("<int:pk>/submit/", views.inspection_submit, name="submit"),
    path("<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("<int:pk>/rectification.pdf", views.rectification_pdf, name="rectification-pdf"),
    path("photos/items/<int:line_id>/", views.item_photo, name="item-photo"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification-detail"),
    path("rectifications/<int:pk>/answer/", views.rectification_answer, name="rectification-answer"),
    path("rectifications/<int:pk>/confirm/", views.rectification_confirm, name="rectification-confirm"),
    path("rectifications/<int:pk>/reject/", views.rectification_reject, name="rectification-reject"),
    path("rectifications/<int:pk>/evidence/", views.evidence_photo, name="evidence-photo"),
]
