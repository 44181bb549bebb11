"""Shared XLSX/PDF plumbing: CJK fonts for reportlab, styles, write-only workbooks, file responses, and the
XLSX export every list page offers (``ListExport``).

PDFs embed WenQuanYi Zen Hei when the font is installed (Debian ``fonts-wqy-zenhei``, in the
Dockerfile); otherwise they use reportlab's built-in Adobe CID font STSong-Light, which every PDF
reader renders without embedding. reportlab cannot embed the OpenType-CFF Noto CJK fonts.
"""

import datetime
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.http import FileResponse, QueryDict
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from .filestore import export_response
from .phones import phone_national_digits

WQY_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
)
CNY_FORMAT = '"¥"#,##0.00;[Red]-"¥"#,##0.00'
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@cache
def cjk_font_name() -> str:
    """Register and return the CJK font to use in every PDF."""
    for path in WQY_PATHS:
        if os.path.exists(path):
            pdfmetrics.registerFont(TTFont("WenQuanYiZenHei", path, subfontIndex=0))
            return "WenQuanYiZenHei"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


@cache
def pdf_styles() -> dict[str, ParagraphStyle]:
    font = cjk_font_name()
    base = getSampleStyleSheet()
    # wordWrap="CJK" lets Chinese text break between any two characters.
    return {
        "title": ParagraphStyle("cjk-title", parent=base["Title"], fontName=font, fontSize=18, leading=24),
        "h2": ParagraphStyle("cjk-h2", parent=base["Heading2"], fontName=font, fontSize=13, leading=18),
        "body": ParagraphStyle(
            "cjk-body", parent=base["BodyText"], fontName=font, fontSize=10, leading=15, wordWrap="CJK"
        ),
        "small": ParagraphStyle(
            "cjk-small", parent=base["BodyText"], fontName=font, fontSize=8, leading=11, wordWrap="CJK"
        ),
        "center": ParagraphStyle(
            "cjk-center", parent=base["BodyText"], fontName=font, fontSize=10, leading=15, alignment=TA_CENTER
        ),
    }


def pdf_table(rows: list[list], col_widths=None, header: bool = True) -> Table:
    """A bordered table; plain strings become wrapped CJK paragraphs."""
    style = pdf_styles()["body"]
    data = [[Paragraph(str(c), style) if not hasattr(c, "wrap") else c for c in row] for row in rows]
    table = Table(data, colWidths=col_widths, repeatRows=1 if header else 0)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), cjk_font_name()),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")))
    table.setStyle(TableStyle(commands))
    return table


def build_pdf(story: list, *, title: str, path: str | os.PathLike | None = None) -> Path:
    """Render flowables to an A4 PDF file (a temp file unless ``path`` is given) and return its path."""
    if path is None:
        fd, path = tempfile.mkstemp(suffix=".pdf", prefix="repairnet-")
        os.close(fd)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        title=title,
        author="RepairNet",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    doc.build(story)
    return Path(path)


def temp_path(suffix: str) -> Path:
    fd, path = tempfile.mkstemp(suffix=suffix, prefix="repairnet-")
    os.close(fd)
    return Path(path)


def file_download(path: Path, filename: str, content_type: str):
    """A document built for this request, answered by the rule in repairnet.filestore (stream or signed URL)."""
    return export_response(path, filename, content_type)


def pdf_download(path: Path, filename: str):
    return file_download(path, filename, "application/pdf")


def xlsx_download(path: Path, filename: str):
    return file_download(path, filename, XLSX_CONTENT_TYPE)


def mask_phone(phone: str) -> str:
    """138****5678 (037****5678 for a landline) — customer privacy for station staff and exports that leave HQ.
    A stored number is masked in its national digits: the first three and the last four stay."""
    digits = phone_national_digits(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


# --- streaming XLSX (XlsxWriter, constant memory): the finance workbook and every list export ------------------


class XlsxSheet:
    """One worksheet written row by row (XlsxWriter, constant memory): frozen header row, column widths."""

    def __init__(self, book: "XlsxBook", title: str, headers: list[tuple[str, int]]):
        self.ws = book.wb.add_worksheet(title)
        self.row = 0
        for index, (label, width) in enumerate(headers):
            # pixels, so that the file stores exactly ``width`` characters, as openpyxl did
            self.ws.set_column_pixels(index, index, width * self.ws.max_digit_width)
            self.ws.write_string(0, index, str(label), book.header)
        self.ws.freeze_panes(1, 0)
        # bound methods: 100,000 rows × 13 cells make the attribute look-ups count
        self.text, self.number, self.formula = self.ws.write_string, self.ws.write_number, self.ws.write_formula

    def next_row(self) -> int:
        self.row += 1
        return self.row


class XlsxBook:
    def __init__(self, path: Path):
        import xlsxwriter

        # constant_memory: each row goes to a temporary file once the next one starts
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "default_date_format": "yyyy-mm-dd"})
        self.header = self.wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "pattern": 1, "align": "center", "valign": "vcenter"}
        )
        self.money = self.wb.add_format({"num_format": CNY_FORMAT})
        self.bold = self.wb.add_format({"bold": True})
        self.date = self.wb.add_format({"num_format": "yyyy-mm-dd"})


def xlsx_text_or_blank(sheet: XlsxSheet, row: int, col: int, value: str | None) -> None:
    """Text is always written as text (a value starting with "=" never becomes a formula); empty stays empty."""
    if value:
        sheet.text(row, col, value)


@dataclass(frozen=True)
class Column:
    """One column of a list export: its header (a translated label) and how a row gives its value.

    ``value(row)`` returns text, a number, a Decimal (written as CNY), a date or a datetime (local time);
    ``None`` leaves the cell empty. Phones and other personal data are masked by the ``value`` functions the
    list declares (SPEC 8: exports leave HQ, so customer phones are always masked)."""

    header: object
    value: Callable
    width: int = 14


def field_label(model, name: str):
    """A model field's verbose name (translated when shown): export headers say what the pages say."""
    return model._meta.get_field(name).verbose_name


EXPORT_CHUNK = 2000
# the list page's own paging parameters: an export takes every row of the filtered list
PAGING_PARAMETERS = ("page", "older", "newer")


@dataclass(frozen=True)
class ListExport:
    """A list's XLSX export, declared once next to its page: a sheet title, a file name stem and columns."""

    name: str
    title: object
    columns: tuple[Column, ...]

    def write(self, rows: Iterable, path: Path) -> int:
        """Write ``rows`` (a queryset is read in chunks of EXPORT_CHUNK) to ``path``; return the row count."""
        if hasattr(rows, "iterator"):
            rows = rows.iterator(chunk_size=EXPORT_CHUNK)
        book = XlsxBook(path)
        sheet = XlsxSheet(book, str(self.title)[:31], [(c.header, c.width) for c in self.columns])
        tz = timezone.get_current_timezone()
        for row in rows:
            r = sheet.next_row()
            for col, column in enumerate(self.columns):
                _xlsx_cell(book, sheet, r, col, column.value(row), tz)
        book.wb.close()
        return sheet.row

    def response(self, rows: Iterable) -> FileResponse:
        """The workbook as a download, written to a temp file first (bounded memory) and streamed from disk."""
        path = temp_path(".xlsx")
        self.write(rows, path)
        stamp = timezone.localdate().strftime("%Y%m%d")
        return xlsx_download(path, f"{self.name}-{stamp}.xlsx")


def _xlsx_cell(book: XlsxBook, sheet: XlsxSheet, r: int, col: int, value, tz) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.ws.write_boolean(r, col, value)
    elif isinstance(value, Decimal):
        sheet.number(r, col, value, book.money)
    elif isinstance(value, int | float):
        sheet.number(r, col, value)
    elif isinstance(value, datetime.datetime):
        sheet.text(r, col, value.astimezone(tz).isoformat(" ", "minutes")[:16])
    elif isinstance(value, datetime.date):
        sheet.ws.write_datetime(r, col, datetime.datetime.combine(value, datetime.time.min), book.date)
    else:
        sheet.text(r, col, str(value))


def export_query(query: QueryDict) -> str:
    """The list's query string for its "export XLSX" link: the same filters, without the page's paging."""
    query = query.copy()
    for key in PAGING_PARAMETERS:
        query.pop(key, None)
    return query.urlencode()
