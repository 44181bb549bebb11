"""Stock report workbook (XLSX, write-only → temp file → streamed download)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from repairnet.exports import temp_path, xlsx_download, xlsx_header_cells, xlsx_money_cell

from . import selectors


def stock_workbook_write(*, stations, path) -> None:
    wb = Workbook(write_only=True)
    summary = wb.create_sheet(_("Summary"))
    summary.freeze_panes = "A2"
    summary.append(
        xlsx_header_cells(
            summary,
            [_("Station code"), _("Station"), _("Units"), _("Value at cost"), _("Deposit balance"), _("Headroom")],
        )
    )
    for row in selectors.stock_overview(stations=stations):
        summary.append(
            [
                row["station"].code,
                row["station"].name,
                row["units"],
                xlsx_money_cell(summary, row["value"]),
                xlsx_money_cell(summary, row["deposit"]),
                xlsx_money_cell(summary, row["headroom"]),
            ]
        )
    lines = wb.create_sheet(_("Stock"))
    lines.freeze_panes = "A2"
    lines.append(
        xlsx_header_cells(
            lines,
            [
                _("Station code"),
                _("Item code"),
                _("Name"),
                _("Kind"),
                _("On hand"),
                _("In transit"),
                _("On loan"),
                _("Defective"),
                _("Unit cost"),
                _("Value at cost"),
            ],
        )
    )
    for station in stations:
        for row in selectors.stock_for_station(station=station):
            item = row["item"]
            lines.append(
                [
                    station.code,
                    item.code,
                    item.name,
                    str(item.get_kind_display()),
                    row["on_hand"],
                    row["in_transit"],
                    row["on_loan"],
                    row["defective"],
                    xlsx_money_cell(lines, row["unit_cost"]),
                    xlsx_money_cell(lines, row["value"]),
                ]
            )
    wb.save(path)


def stock_workbook(*, stations, filename_hint: str):
    path = temp_path(".xlsx")
    stock_workbook_write(stations=stations, path=path)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_download(path, f"stock-{filename_hint}-{stamp}.xlsx")
