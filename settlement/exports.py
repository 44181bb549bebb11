"""The finance workbook (XLSX, write-only, streamed row by row) and the per-station PDF statement."""

import datetime
from html import escape
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet.exports import (
    CNY_FORMAT,
    build_pdf,
    pdf_styles,
    pdf_table,
    temp_path,
    xlsx_header_cells,
    xlsx_money_cell,
)
from repairnet.money import format_cny

from .models import Adjustment, ExcludedTicket, FeeKind, Statement, StatementLine

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
LINES_HEADERS = [
    ("站点编码", 12),
    ("站点名称", 30),
    ("工单号", 18),
    ("完成时间", 18),
    ("服务方式", 10),
    ("机器序列号", 16),
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
    ("站点编码", 12),
    ("站点名称", 30),
    ("工单号", 18),
    ("完成时间", 18),
    ("服务方式", 10),
    ("机器序列号", 16),
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


def _sheet(wb, title: str, headers: list[tuple[str, int]]):
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for index, (_label, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append(xlsx_header_cells(ws, [label for label, _w in headers]))
    return ws


def _local(dt: datetime.datetime | None) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if dt else ""


def workbook_build(*, month: datetime.date, path: Path | None = None, progress=None) -> Path:
    """Write the month's finance workbook to ``path`` (a temp file by default) with bounded memory.

    Rows are read with ``iterator()`` in chunks and written by a write-only workbook, which keeps only
    the current row in memory. ``progress(done, total)`` is called now and then (for the page/CLI).
    """
    from openpyxl import Workbook

    path = Path(path) if path else temp_path(".xlsx")
    statements = Statement.objects.filter(month=month)
    total_rows = (
        statements.count()
        + StatementLine.objects.filter(statement__month=month).count()
        + ExcludedTicket.objects.filter(statement__month=month).count()
    )
    done = 0

    def tick(n=1):
        nonlocal done
        done += n
        if progress and (done % CHUNK == 0 or done == total_rows):
            progress(done, total_rows)

    wb = Workbook(write_only=True)
    ws = _sheet(wb, SUMMARY_SHEET, SUMMARY_HEADERS)
    first = 2
    row_no = first
    for s in statements.select_related("station").order_by("station__code").iterator(chunk_size=CHUNK):
        r = row_no
        ws.append(
            [
                s.station.code,
                s.station.name,
                s.region_name,
                STATUS_LABELS.get(s.status, s.status),
                s.lines_count,
                xlsx_money_cell(ws, s.fees_total),
                xlsx_money_cell(ws, s.allowances_total),
                xlsx_money_cell(ws, s.additions_total),
                xlsx_money_cell(ws, s.deductions),
                xlsx_money_cell(ws, f"=F{r}+G{r}+H{r}-I{r}"),
                s.paid_on,
                s.payment_reference,
            ]
        )
        row_no += 1
        tick()
    last = row_no - 1
    if last >= first:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        label = WriteOnlyCell(ws, value="合计")
        label.font = Font(bold=True)
        ws.append(
            [
                label,
                "",
                "",
                "",
                f"=SUM(E{first}:E{last})",
                *[xlsx_money_cell(ws, f"=SUM({c}{first}:{c}{last})") for c in "FGHIJ"],
            ]
        )

    ws = _sheet(wb, LINES_SHEET, LINES_HEADERS)
    lines = (
        StatementLine.objects.filter(statement__month=month)
        .order_by("statement__station__code", "completed_at", "pk")
        .values_list(
            "statement__station__code",
            "statement__station__name",
            "ticket_number",
            "completed_at",
            "service_mode",
            "serial",
            "ticket__customer__phone",
            "technician_name",
            "fee_kind",
            "fee",
            "allowance",
            "amount",
            "basis",
        )
    )
    kind_labels = dict(FeeKind.choices)
    from repairnet.exports import mask_phone

    for code, name, number, completed, mode, serial, phone, tech, kind, fee, allowance, amount, basis in lines.iterator(
        chunk_size=CHUNK
    ):
        ws.append(
            [
                code,
                name,
                number,
                _local(completed),
                MODE_LABELS.get(mode, mode),
                serial,
                mask_phone(phone or ""),
                tech,
                str(kind_labels.get(kind, kind)),
                xlsx_money_cell(ws, fee),
                xlsx_money_cell(ws, allowance),
                xlsx_money_cell(ws, amount),
                basis,
            ]
        )
        tick()

    ws = _sheet(wb, ADJUSTMENTS_SHEET, ADJUSTMENT_HEADERS)
    adj_labels = dict(Adjustment.Kind.choices)
    for code, name, kind, amount, description, ref in (
        Adjustment.objects.filter(statement__month=month)
        .order_by("statement__station__code", "kind", "pk")
        .values_list(
            "statement__station__code", "statement__station__name", "kind", "amount", "description", "source_ref"
        )
        .iterator(chunk_size=CHUNK)
    ):
        ws.append([code, name, str(adj_labels.get(kind, kind)), xlsx_money_cell(ws, amount), description, ref])

    ws = _sheet(wb, EXCLUDED_SHEET, EXCLUDED_HEADERS)
    reason_labels = dict(ExcludedTicket.Reason.choices)
    for code, name, number, completed, mode, serial, reason, detail in (
        ExcludedTicket.objects.filter(statement__month=month)
        .order_by("statement__station__code", "completed_at", "pk")
        .values_list(
            "statement__station__code",
            "statement__station__name",
            "ticket_number",
            "completed_at",
            "service_mode",
            "serial",
            "reason",
            "detail",
        )
        .iterator(chunk_size=CHUNK)
    ):
        ws.append(
            [
                code,
                name,
                number,
                _local(completed),
                MODE_LABELS.get(mode, mode),
                serial,
                str(reason_labels.get(reason, reason)),
                detail,
            ]
        )
        tick()
    wb.save(path)
    if progress:
        progress(total_rows, total_rows)
    return path


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
        rows += [[e.ticket_number, _local(e.completed_at), e.get_reason_display()] for e in excluded]
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


__all__ = ["CNY_FORMAT", "statement_pdf_build", "workbook_build"]
