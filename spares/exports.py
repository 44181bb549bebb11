"""The spares lists' XLSX exports (``repairnet.exports.ListExport``): the stock overview and one station's stock."""

from django.utils.translation import gettext_lazy as _

from repairnet.exports import Column, ListExport, field_label
from stations.models import Station

from .models import Item

STOCK_OVERVIEW_EXPORT = ListExport(
    name="stock-network",
    title=_("Stock by station"),
    columns=(
        Column(field_label(Station, "code"), lambda r: r["station"].code, 10),
        Column(field_label(Station, "name"), lambda r: r["station"].name, 24),
        Column(field_label(Station, "tier"), lambda r: r["station"].get_tier_display(), 10),
        Column(_("Units"), lambda r: r["units"], 8),
        Column(_("Value at cost"), lambda r: r["value"], 14),
        Column(_("Deposit balance"), lambda r: r["deposit"], 14),
        Column(_("Headroom"), lambda r: r["headroom"], 14),
        Column(_("Overdue returns"), lambda r: r["overdue"], 10),
    ),
)

# One station's page: the name is set per station (``dataclasses.replace``), so the file says whose stock it is.
STATION_STOCK_EXPORT = ListExport(
    name="stock",
    title=_("Stock"),
    columns=(
        Column(field_label(Item, "code"), lambda r: r["item"].code, 14),
        Column(field_label(Item, "name"), lambda r: r["item"].name, 24),
        Column(field_label(Item, "kind"), lambda r: r["item"].get_kind_display(), 10),
        Column(_("On hand"), lambda r: r["on_hand"], 8),
        Column(_("In transit"), lambda r: r["in_transit"], 8),
        Column(_("On loan"), lambda r: r["on_loan"], 8),
        Column(_("Defective"), lambda r: r["defective"], 8),
        Column(_("Unit cost"), lambda r: r["unit_cost"], 12),
        Column(_("Value at cost"), lambda r: r["value"], 14),
    ),
)
