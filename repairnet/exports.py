"""Shared XLSX/PDF plumbing: CJK fonts for reportlab, styles, write-only workbooks, file responses.

PDFs embed WenQuanYi Zen Hei when the font is installed (Debian ``fonts-wqy-zenhei``, in the
Dockerfile); otherwise they use reportlab's built-in Adobe CID font STSong-Light, which every PDF
reader renders without embedding. reportlab cannot embed the OpenType-CFF Noto CJK fonts.
"""

import os
import tempfile
from functools import cache
from pathlib import Path

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


def xlsx_header_cells(ws, headers: list[str]):
    """Bold header row for a write-only worksheet."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(cell)
    return cells


def xlsx_money_cell(ws, value):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = CNY_FORMAT
    return cell


def mask_phone(phone: str) -> str:
    """138****5678 (037****5678 for a landline) — customer privacy for station staff and exports that leave HQ.
    A stored number is masked in its national digits: the first three and the last four stay."""
    digits = phone_national_digits(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"
