from django.urls import path

from . import views

app_name = "spares"

urlpatterns = [
    path("", views.stock, name="stock"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("stations/<int:pk>/", views.station_stock, name="station-stock"),
    path("stations/<int:pk>/deposit/", views.deposit_record, name="deposit-record"),
    path("stations/<int:pk>/sell/", views.sell, name="sell"),
    path("stations/<int:pk>/write-off/", views.write_off_request, name="write-off-request"),
    path("shipments/", views.shipment_list, name="shipments"),
    path("shipments/new/", views.shipment_create, name="shipment-create"),
    path("shipments/<int:pk>/", views.shipment_detail, name="shipment-detail"),
    path("defectives/", views.defectives, name="defectives"),
    path("defectives/<int:pk>/receive/", views.defective_receive, name="defective-receive"),
    path("obligations/overdue/", views.obligations_overdue, name="obligations-overdue"),
    path("loans/", views.loans, name="loans"),
    path("write-offs/", views.write_offs, name="write-offs"),
    path("write-offs/<int:pk>/decide/", views.write_off_decide, name="write-off-decide"),
    path("replenishments/", views.replenishments, name="replenishments"),
    path("replenishments/new/", views.replenishment_create, name="replenishment-create"),
    path("replenishments/<int:pk>/", views.replenishment_detail, name="replenishment-detail"),
    path("stocktakes/", views.stocktakes, name="stocktakes"),
    path("stocktakes/<int:pk>/decide/", views.stocktake_decide, name="stocktake-decide"),
    path("movements/", views.movements, name="movements"),
    path("movements/<int:pk>/reverse/", views.movement_reverse, name="movement-reverse"),
    path("ageing/", views.ageing, name="ageing"),
    path("export/stock.xlsx", views.export_stock, name="export-stock"),
    path("stations/<int:pk>/stock.xlsx", views.export_station_stock, name="station-stock-export"),
]
