"""The repair report (维修报告) PDF the customer can be given."""

import io
from pathlib import Path

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, Spacer, Table

from repairnet.exports import build_pdf, pdf_styles, pdf_table
from repairnet.money import format_cny

from .selectors import customer_phone_for

QR_SIZE = 28 * mm


def status_qr_drawing(url: str) -> Drawing:
    """The QR code of the customer self-service page (reportlab's own QR widget, vector, no image file)."""
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def repair_report_pdf(*, ticket, status_url: str) -> Path:
    """The report; ``status_url`` is the self-service page of this ticket, printed as a QR code and as text."""
    styles = pdf_styles()
    local = timezone.localtime

    def when(value):
        return local(value).strftime("%Y-%m-%d %H:%M") if value else "—"

    parts = "；".join(f"{p.get('name', p.get('item_id'))} × {p.get('quantity')}" for p in ticket.parts_used) or "—"
    rows = [
        [_("Item"), _("Details")],
        [_("Ticket number"), ticket.number],
        [_("Customer"), f"{ticket.customer.name} {customer_phone_for(user=None, ticket=ticket, document=True)}"],
        [_("Device"), f"{ticket.device.model.code} / {ticket.device.serial}"],
        [_("Warranty decision"), ticket.warranty_reason],
        [_("Station"), str(ticket.station) if ticket.station_id else "—"],
        [_("Technician"), str(ticket.technician) if ticket.technician_id else "—"],
        [_("Received"), when(ticket.received_at)],
        [_("Completed"), when(ticket.completed_at)],
        [_("Inspection result"), ticket.inspection_result],
        [_("Fault found"), ticket.fault_found or "—"],
        [_("Diagnosis"), ticket.diagnosis or "—"],
        [_("Work done / actions"), ticket.work_done or "—"],
        [_("Parts used"), parts],
        [_("Charge to customer"), format_cny(ticket.charge_amount)],
        [_("Customer sign-off"), f"{ticket.signoff_name or ''} {when(ticket.signed_at)}"],
    ]
    story = [
        Paragraph(_("Repair report"), styles["title"]),
        Spacer(1, 4 * mm),
        pdf_table(rows, col_widths=[40 * mm, 130 * mm]),
    ]
    if ticket.signoff_image:
        story += [Spacer(1, 4 * mm), Paragraph(_("Customer signature"), styles["h2"])]
        with ticket.signoff_image.open("rb") as handle:  # from storage: object storage has no local path
            signature = io.BytesIO(handle.read())
        story.append(Image(signature, width=60 * mm, height=25 * mm, kind="proportional"))
    scan = Paragraph(
        _("Scan to check this repair and confirm it: enter the last 4 digits of your phone.")
        + f"<br/><font size=8>{escape(status_url)}</font>",
        styles["body"],
    )
    story += [Spacer(1, 6 * mm), Table([[status_qr_drawing(status_url), scan]], colWidths=[QR_SIZE + 4 * mm, 140 * mm])]
    return build_pdf(story, title=_("Repair report %(number)s") % {"number": ticket.number})
