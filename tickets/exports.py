"""The repair report (维修报告) PDF the customer can be given; the XLSX exports of the ticket, callback and
complaint lists."""

import io
from pathlib import Path

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, Spacer, Table

from repairnet.exports import Column, ListExport, build_pdf, field_label, pdf_styles, pdf_table
from repairnet.money import format_cny

from .models import Callback, Complaint, Customer, Ticket
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


# --- list exports (SPEC 8: a file leaves HQ, so the customer's phone is always masked; no street address) ------


def _phone(ticket) -> str:
    return customer_phone_for(user=None, ticket=ticket, document=True)


def _code(obj) -> str:
    return obj.code if obj is not None else ""


def _ticket_columns(ticket_of) -> tuple[Column, ...]:
    def col(header, value, width=14):
        return Column(header, lambda row: value(ticket_of(row)), width)

    return (
        col(field_label(Ticket, "number"), lambda t: t.number, 18),
        col(field_label(Ticket, "customer"), lambda t: t.customer.name, 12),
        col(_lazy("Phone"), _phone, 14),
        col(field_label(Customer, "region"), lambda t: t.customer.region.name if t.customer.region_id else "", 12),
        col(_lazy("Serial number"), lambda t: t.device.serial, 16),
        col(field_label(Ticket, "station"), lambda t: _code(t.station), 10),
    )


TICKETS_EXPORT = ListExport(
    name="tickets",
    title=_lazy("Repair tickets"),
    columns=(
        *_ticket_columns(lambda t: t),
        Column(field_label(Ticket, "status"), lambda t: t.get_status_display(), 10),
        Column(field_label(Ticket, "priority"), lambda t: t.get_priority_display(), 8),
        Column(field_label(Ticket, "service_mode"), lambda t: t.get_service_mode_display(), 10),
        Column(field_label(Ticket, "fault_category"), lambda t: t.get_fault_category_display(), 12),
        Column(field_label(Ticket, "in_warranty"), lambda t: t.in_warranty, 8),
        Column(field_label(Ticket, "technician"), lambda t: str(t.technician) if t.technician_id else "", 12),
        Column(field_label(Ticket, "received_at"), lambda t: t.received_at, 17),
        Column(field_label(Ticket, "completed_at"), lambda t: t.completed_at, 17),
    ),
)
TICKETS_EXPORT_JOINS = ("customer", "customer__region", "device", "station", "technician")

CALLBACKS_EXPORT = ListExport(
    name="callbacks",
    title=_lazy("Callbacks"),
    columns=(
        *_ticket_columns(lambda c: c.ticket),
        Column(field_label(Callback, "status"), lambda c: c.get_status_display(), 10),
        Column(field_label(Callback, "due_at"), lambda c: c.due_at, 17),
        Column(field_label(Callback, "attempts"), lambda c: c.attempts, 8),
        Column(field_label(Callback, "outcome"), lambda c: c.get_outcome_display(), 14),
        Column(field_label(Callback, "satisfaction"), lambda c: c.satisfaction, 8),
        Column(field_label(Callback, "completed_at"), lambda c: c.completed_at, 17),
    ),
)
CALLBACKS_EXPORT_JOINS = ("ticket__customer__region", "ticket__device", "ticket__station")

COMPLAINTS_EXPORT = ListExport(
    name="complaints",
    title=_lazy("Complaints"),
    columns=(
        Column("#", lambda c: c.pk, 6),
        Column(field_label(Ticket, "number"), lambda c: c.ticket.number if c.ticket_id else "", 18),
        Column(field_label(Complaint, "station"), lambda c: _code(c.station), 10),
        Column(field_label(Complaint, "technician"), lambda c: str(c.technician) if c.technician_id else "", 12),
        Column(field_label(Complaint, "category"), lambda c: c.get_category_display(), 12),
        Column(field_label(Complaint, "source"), lambda c: c.get_source_display(), 8),
        Column(field_label(Complaint, "status"), lambda c: c.get_status_display(), 10),
        Column(field_label(Complaint, "verdict"), lambda c: c.get_verdict_display(), 10),
        Column(field_label(Complaint, "created_at"), lambda c: c.created_at, 17),
        Column(field_label(Complaint, "resolve_due_at"), lambda c: c.resolve_due_at, 17),
        Column(field_label(Complaint, "resolved_at"), lambda c: c.resolved_at, 17),
        Column(field_label(Complaint, "description"), lambda c: c.description, 40),
    ),
)
