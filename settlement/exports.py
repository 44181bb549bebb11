"""The finance workbook (XLSX, XlsxWriter in constant-memory mode, streamed row by row) and the PDF statement."""

import datetime
from html import escape
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from repairnet.exports import (
    CNY_FORMAT,
    Column,
    ListExport,
    XlsxBook,
    XlsxSheet,
    build_pdf,
    field_label,
    mask_phone,
    pdf_styles,
    pdf_table,
    temp_path,
    xlsx_text_or_blank,
)
from repairnet.money import ZERO, format_cny

from .models import Adjustment, ExcludedTicket, FeeKind, Statement, StatementLine, excluded_reason_label

CHUNK = 2000

SUMMARY_SHEET = "汇总"
LINES_SHEET = "工单明细"
ADJUSTMENTS_SHEET = "调整项"
EXCLUDED_SHEET = "未计费工单"

SUMMARY_HEADERS = [
    ("站点编码", 12),
    ("站点名称", 30),
    ("省份", 10),
    ("状态", 10),
    ("有效工单数", 11),
    ("劳务费", 14),
    ("偏远补贴", 12),
    ("奖励及其他加项", 14),
    ("扣款", 14),
    ("应付合计", 14),
    ("付款日期", 12),
    ("付款凭证号", 18),
]
# The ticket columns a statement line and an excluded ticket share.
TICKET_HEADERS = [
    ("站点编码", 12),
    ("站点名称", 30),
    ("工单号", 18),
    ("完成时间", 18),
    ("服务方式", 10),
    ("机器序列号", 16),
]
LINES_HEADERS = [
    *TICKET_HEADERS,
    ("客户电话", 14),
    ("维修员", 10),
    ("计费类型", 16),
    ("劳务费", 12),
    ("偏远补贴", 12),
    ("金额", 12),
    ("计费依据", 60),
]
ADJUSTMENT_HEADERS = [("站点编码", 12), ("站点名称", 30), ("类型", 14), ("金额", 12), ("说明", 60), ("来源", 24)]
EXCLUDED_HEADERS = [
    *TICKET_HEADERS,
    ("原因", 30),
    ("说明", 40),
]
MODE_LABELS = {"onsite": "上门", "carry_in": "送修", "mail_in": "寄修", "phone": "电话指导"}
STATUS_LABELS = {
    "draft": "草稿",
    "issued": "已下发",
    "confirmed": "已确认",
    "disputed": "有异议",
    "approved": "已审批",
    "paid": "已付款",
}


def _local(dt: datetime.datetime | None) -> str:
    """'YYYY-MM-DD HH:MM' in the current time zone (six times faster than strftime: it runs on every row)."""
    return dt.astimezone(timezone.get_current_timezone()).isoformat(" ", "minutes")[:16] if dt else ""


def workbook_build(*, month: datetime.date, path: Path | None = None, progress=None) -> Path:
    """Write the month's finance workbook to ``path`` (a temp file by default) with bounded memory.

    Rows are streamed from the database (``values_list(...).iterator()``, never model objects) and
    written by XlsxWriter in constant-memory mode, which keeps only the current row; formulas carry their
    computed value so that viewers which do not recalculate show the figures. ``progress(done, total)``
    is called now and then (for the page/CLI).
    """
    path = Path(path) if path else temp_path(".xlsx")
    with transaction.atomic():  # the settings below hold for this transaction only
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # A streamed query is planned for its first 10 % of rows by default, which here picks nested
                # loops over 100,000 lines (10 s instead of 2 s); these reads want the whole result. And
                # JIT-compiling them would cost more than running them.
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
                cursor.execute("SET LOCAL jit = off")
        total = (
            Statement.objects.filter(month=month).count()
            + StatementLine.objects.filter(statement__month=month).count()
            + ExcludedTicket.objects.filter(statement__month=month).count()
        )
        done = 0

        def tick():
            nonlocal done
            done += 1
            if progress and (done % CHUNK == 0 or done == total):
                progress(done, total)

        book = XlsxBook(path)
        _summary_sheet(book, month, tick)
        _lines_sheet(book, month, tick)
        _adjustments_sheet(book, month)
        _excluded_sheet(book, month, tick)
        book.wb.close()
    if progress:
        progress(total, total)
    return path


def _summary_sheet(book: XlsxBook, month: datetime.date, tick) -> None:
    """One row per statement, net payable as a formula, and a totals row of SUM formulas."""
    sheet, money, text_or_blank = XlsxSheet(book, SUMMARY_SHEET, SUMMARY_HEADERS), book.money, xlsx_text_or_blank
    sums = [ZERO] * 6  # E…J
    for code, name, region, status, lines_count, fees, allowances, additions, deductions, paid_on, reference in (
        Statement.objects.filter(month=month)
        .order_by("station__code")
        .values_list(
            "station__code",
            "station__name",
            "region_name",
            "status",
            "lines_count",
            "fees_total",
            "allowances_total",
            "additions_total",
            "deductions",
            "paid_on",
            "payment_reference",
        )
        .iterator(chunk_size=CHUNK)
    ):
        r = sheet.next_row()
        net = fees + allowances + additions - deductions
        sheet.text(r, 0, code)
        sheet.text(r, 1, name)
        text_or_blank(sheet, r, 2, region)
        sheet.text(r, 3, STATUS_LABELS.get(status, status))
        sheet.number(r, 4, lines_count)
        for col, value in ((5, fees), (6, allowances), (7, additions), (8, deductions)):
            sheet.number(r, col, value, money)
        n = r + 1  # the row's number in A1 notation
        sheet.formula(r, 9, f"=F{n}+G{n}+H{n}-I{n}", money, net)
        if paid_on:
            sheet.ws.write_datetime(r, 10, paid_on, book.date)
        text_or_blank(sheet, r, 11, reference)
        for index, value in enumerate((lines_count, fees, allowances, additions, deductions, net)):
            sums[index] += value
        tick()
    if sheet.row >= 1:
        r, first, last = sheet.next_row(), 2, sheet.row
        sheet.text(r, 0, "合计", book.bold)
        for index, col in enumerate("EFGHIJ"):
            sheet.formula(r, 4 + index, f"=SUM({col}{first}:{col}{last})", money if index else None, sums[index])


TICKET_COLUMNS = (
    "statement__station__code",
    "statement__station__name",
    "ticket_number",
    "completed_at",
    "service_mode",
    "serial",
)


def _ticket_rows(model, month: datetime.date, *more: str):
    """The month's rows of ``model`` (statement lines, excluded tickets) by station and completion time: the
    ``TICKET_COLUMNS``, then ``more``."""
    return (
        model.objects.filter(statement__month=month)
        .order_by("statement__station__code", "completed_at", "pk")
        .values_list(*TICKET_COLUMNS, *more)
        .iterator(chunk_size=CHUNK)
    )


def _ticket_cells(sheet: XlsxSheet, r: int, code, name, number, completed, mode, serial) -> None:
    """The ``TICKET_COLUMNS`` of a row in columns A to F."""
    sheet.text(r, 0, code)
    sheet.text(r, 1, name)
    sheet.text(r, 2, number)
    sheet.text(r, 3, _local(completed))
    sheet.text(r, 4, MODE_LABELS.get(mode, mode))
    xlsx_text_or_blank(sheet, r, 5, serial)


def _lines_sheet(book: XlsxBook, month: datetime.date, tick) -> None:
    sheet, money, text_or_blank = XlsxSheet(book, LINES_SHEET, LINES_HEADERS), book.money, xlsx_text_or_blank
    kind_labels = {k: str(v) for k, v in FeeKind.choices}
    more = ("ticket__customer__phone", "technician_name", "fee_kind", "fee", "allowance", "amount", "basis")
    lines = _ticket_rows(StatementLine, month, *more)
    for *ticket, phone, tech, kind, fee, allowance, amount, basis in lines:
        r = sheet.next_row()
        _ticket_cells(sheet, r, *ticket)
        text_or_blank(sheet, r, 6, mask_phone(phone or ""))
        text_or_blank(sheet, r, 7, tech)
        sheet.text(r, 8, kind_labels.get(kind, kind))
        sheet.number(r, 9, fee, money)
        sheet.number(r, 10, allowance, money)
        sheet.number(r, 11, amount, money)
        text_or_blank(sheet, r, 12, basis)
        tick()


def _adjustments_sheet(book: XlsxBook, month: datetime.date) -> None:
    sheet, text_or_blank = XlsxSheet(book, ADJUSTMENTS_SHEET, ADJUSTMENT_HEADERS), xlsx_text_or_blank
    adj_labels = {k: str(v) for k, v in Adjustment.Kind.choices}
    for code, name, kind, amount, description, ref in (
        Adjustment.objects.filter(statement__month=month)
        .order_by("statement__station__code", "kind", "pk")
        .values_list(
            "statement__station__code", "statement__station__name", "kind", "amount", "description", "source_ref"
        )
        .iterator(chunk_size=CHUNK)
    ):
        r = sheet.next_row()
        sheet.text(r, 0, code)
        sheet.text(r, 1, name)
        sheet.text(r, 2, adj_labels.get(kind, kind))
        sheet.number(r, 3, amount, book.money)
        text_or_blank(sheet, r, 4, description)
        text_or_blank(sheet, r, 5, ref)


def _excluded_sheet(book: XlsxBook, month: datetime.date, tick) -> None:
    sheet, text_or_blank = XlsxSheet(book, EXCLUDED_SHEET, EXCLUDED_HEADERS), xlsx_text_or_blank
    reason_labels = {k: str(v) for k, v in ExcludedTicket.Reason.choices}
    excluded = _ticket_rows(ExcludedTicket, month, "reason", "detail", "complaint_id")
    for *ticket, reason, detail, complaint_id in excluded:
        r = sheet.next_row()
        _ticket_cells(sheet, r, *ticket)
        # a disputed callback names the complaint it waits on: "等待投诉 #12 处理"
        label = excluded_reason_label(reason, complaint_id) if complaint_id else reason_labels.get(reason, reason)
        sheet.text(r, 6, label)
        text_or_blank(sheet, r, 7, detail)
        tick()


def statement_pdf_build(*, statement: Statement, path: Path | None = None) -> Path:
    """A printable statement (结算单) for one station and month, with signature and stamp blocks."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    styles = pdf_styles()
    station = statement.station
    title = _("Labour-fee statement %(month)s") % {"month": statement.month_label}
    story = [
        Paragraph(_("Authorised repair station labour-fee statement"), styles["title"]),
        Paragraph(escape(f"{station.name}（{station.code}）"), styles["h2"]),
        Paragraph(
            _("Month: %(month)s · Status: %(status)s · Statement no. %(no)s")
            % {"month": statement.month_label, "status": statement.get_status_display(), "no": statement.pk},
            styles["body"],
        ),
        Spacer(1, 4 * mm),
        pdf_table(
            [
                [_("Labour fees"), _("Remote allowances"), _("Additions"), _("Deductions"), _("Net payable")],
                [
                    format_cny(statement.fees_total),
                    format_cny(statement.allowances_total),
                    format_cny(statement.additions_total),
                    format_cny(-statement.deductions),
                    format_cny(statement.net),
                ],
            ],
            col_widths=[34 * mm] * 5,
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("Valid tickets (%(n)s)") % {"n": statement.lines_count}, styles["h2"]),
    ]
    kind_labels = dict(FeeKind.choices)
    rows = [[_("Ticket"), _("Completed"), _("Mode"), _("Fee kind"), _("Fee"), _("Allowance"), _("Amount")]]
    for line in statement.lines.order_by("completed_at", "pk").iterator(chunk_size=CHUNK):
        rows.append(
            [
                line.ticket_number,
                _local(line.completed_at),
                MODE_LABELS.get(line.service_mode, line.service_mode),
                str(kind_labels.get(line.fee_kind, line.fee_kind)),
                format_cny(line.fee),
                format_cny(line.allowance),
                format_cny(line.amount),
            ]
        )
    story.append(pdf_table(rows, col_widths=[37 * mm, 26 * mm, 14 * mm, 34 * mm, 21 * mm, 21 * mm, 21 * mm]))
    adjustments = list(statement.adjustments.order_by("kind", "pk"))
    if adjustments:
        story += [Spacer(1, 4 * mm), Paragraph(_("Adjustments"), styles["h2"])]
        rows = [[_("Kind"), _("Description"), _("Amount")]]
        rows += [[a.get_kind_display(), escape(a.description), format_cny(a.amount)] for a in adjustments]
        story.append(pdf_table(rows, col_widths=[30 * mm, 110 * mm, 34 * mm]))
    excluded = list(statement.excluded.order_by("completed_at", "pk"))
    if excluded:
        story += [Spacer(1, 4 * mm), Paragraph(_("Tickets not paid this month"), styles["h2"])]
        rows = [[_("Ticket"), _("Completed"), _("Reason")]]
        rows += [[e.ticket_number, _local(e.completed_at), escape(e.reason_label)] for e in excluded]
        story.append(pdf_table(rows, col_widths=[34 * mm, 34 * mm, 106 * mm]))
    story += [
        Spacer(1, 6 * mm),
        Paragraph(_("Net payable: %(net)s") % {"net": format_cny(statement.net)}, styles["h2"]),
        Spacer(1, 8 * mm),
        pdf_table(
            [
                [_("Station (signature and stamp)"), _("HQ finance (signature and stamp)")],
                ["<br/><br/><br/>" + _("Date:"), "<br/><br/><br/>" + _("Date:")],
            ],
            col_widths=[87 * mm, 87 * mm],
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            _("Printed %(when)s. Once approved this statement never changes; corrections go into a later month.")
            % {"when": f"{timezone.localtime():%Y-%m-%d %H:%M}"},
            styles["small"],
        ),
    ]
    return build_pdf(story, title=title, path=path)


# --- the statements list export (its columns as the page shows them; the finance workbook has the lines) -------

STATEMENTS_EXPORT = ListExport(
    name="statements",
    title=gettext_lazy("Statements"),
    columns=(
        Column("#", lambda s: s.pk, 6),
        Column(field_label(Statement, "month"), lambda s: f"{s.month:%Y-%m}", 8),
        Column(field_label(Statement, "station"), lambda s: s.station.code, 10),
        Column(field_label(Statement, "region_name"), lambda s: s.region_name, 10),
        Column(field_label(Statement, "status"), lambda s: s.get_status_display(), 10),
        Column(field_label(Statement, "lines_count"), lambda s: s.lines_count, 10),
        Column(field_label(Statement, "gross"), lambda s: s.gross, 12),
        Column(field_label(Statement, "deductions"), lambda s: s.deductions, 12),
        Column(field_label(Statement, "net"), lambda s: s.net, 12),
        Column(field_label(Statement, "issued_at"), lambda s: s.issued_at, 17),
        Column(field_label(Statement, "paid_on"), lambda s: s.paid_on, 11),
        Column(field_label(Statement, "payment_reference"), lambda s: s.payment_reference, 18),
    ),
)


__all__ = ["CNY_FORMAT", "STATEMENTS_EXPORT", "statement_pdf_build", "workbook_build"]
