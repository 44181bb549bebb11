"""PDFs of the inspections area: the inspection report and the rectification confirmation form."""

import io
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer

from repairnet.exports import build_pdf, pdf_styles, pdf_table

from .models import Inspection, Rectification

PHOTO_BOX = (80 * mm, 60 * mm)
PDF_PHOTO_EDGE = 640


def _photo(field, box=PHOTO_BOX):
    """A reportlab image scaled to fit the box, keeping its aspect ratio (None if unreadable)."""
    if not field:
        return None
    try:
        with field.open("rb") as fh, PILImage.open(fh) as source:
            source = source.convert("RGB")
            source.thumbnail((PDF_PHOTO_EDGE, PDF_PHOTO_EDGE))  # ~200 dpi at the printed size
            data = io.BytesIO()
            source.save(data, format="JPEG", quality=75)
        data.seek(0)
        image = Image(data)
    except (OSError, ValueError):
        return None
    ratio = min(box[0] / image.imageWidth, box[1] / image.imageHeight, 1)
    image.drawWidth = image.imageWidth * ratio
    image.drawHeight = image.imageHeight * ratio
    image.hAlign = "LEFT"
    return image


def _photos(story: list, s, title: str, captioned: list) -> None:
    """A heading and each readable photo of ``captioned`` ((caption, file) pairs) under its caption; nothing
    when there are none."""
    if not captioned:
        return
    story.append(Paragraph(title, s["h2"]))
    for caption, field in captioned:
        image = _photo(field)
        if image is not None:
            story.append(KeepTogether([Paragraph(caption, s["small"]), image, Spacer(1, 3 * mm)]))


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _header(inspection: Inspection) -> list:
    station = inspection.station
    rows = [
        [_("Station"), f"{station.name}（{station.code}）", _("Inspector"), inspection.inspector.display_name],
        [_("Date"), inspection.scheduled_for.isoformat(), _("Checklist version"), f"v{inspection.template_version}"],
        [
            _("Total score"),
            "" if inspection.total is None else str(inspection.total),
            _("Grade"),
            inspection.grade or inspection.get_status_display(),
        ],
        [_("Submitted"), _when(inspection.submitted_at), _("Status"), inspection.get_status_display()],
    ]
    return [pdf_table(rows, col_widths=[28 * mm, 60 * mm, 28 * mm, 58 * mm], header=False), Spacer(1, 5 * mm)]


def inspection_report_pdf(*, inspection: Inspection, path=None) -> Path:
    s = pdf_styles()
    story = [Paragraph(_("On-site inspection report"), s["title"]), *_header(inspection)]
    lines = list(inspection.scores.order_by("section_position", "position"))
    sections: dict[int, list] = {}
    for line in lines:
        sections.setdefault(line.section_position, []).append(line)
    for position, section_lines in sections.items():
        got = sum(line.score or 0 for line in section_lines)
        top = sum(line.max_score for line in section_lines)
        story.append(Paragraph(f"{position}. {section_lines[0].section_title}（{got}/{top}）", s["h2"]))
        rows = [[_("Item"), _("Max."), _("Score"), _("Comment")]]
        for line in section_lines:
            rows.append(
                [line.item_text, str(line.max_score), "" if line.score is None else str(line.score), line.comment]
            )
        story.append(pdf_table(rows, col_widths=[72 * mm, 14 * mm, 14 * mm, 74 * mm]))
    _photos(story, s, _("Photos"), [(line.item_text, line.photo) for line in lines if line.photo])
    stock = list(inspection.stock_lines.all())
    if stock:
        story.append(Paragraph(_("Stock count"), s["h2"]))
        rows = [[_("Item"), _("Ledger quantity"), _("Counted quantity"), _("Difference")]]
        for line in stock:
            diff = line.difference
            rows.append(
                [
                    line.item_name,
                    str(line.expected_quantity),
                    "" if line.counted_quantity is None else str(line.counted_quantity),
                    "" if diff is None else f"{diff:+d}",
                ]
            )
        story.append(pdf_table(rows, col_widths=[80 * mm, 30 * mm, 30 * mm, 34 * mm]))
    rects = list(
        inspection.rectifications.select_related("item_score").order_by(
            "item_score__section_position", "item_score__position"
        )
    )
    if rects:
        story.append(Paragraph(_("Rectification items"), s["h2"]))
        rows = [[_("Item"), _("Deadline"), _("Status")]]
        rows += [[r.item_score.item_text, r.deadline.isoformat(), r.get_status_display()] for r in rects]
        story.append(pdf_table(rows, col_widths=[104 * mm, 30 * mm, 40 * mm]))
    if inspection.summary:
        story += [Paragraph(_("Summary"), s["h2"]), Paragraph(inspection.summary, s["body"])]
    return build_pdf(story, title=_("On-site inspection report"), path=path)


def rectification_form_pdf(*, inspection: Inspection, path=None) -> Path:
    """现场工作整改确认表: every rectification item with the station's answer and the inspector's decision."""
    s = pdf_styles()
    story = [Paragraph(_("On-site rectification confirmation form"), s["title"]), *_header(inspection)]
    rects = list(
        inspection.rectifications.select_related("item_score", "answered_by", "decided_by").order_by(
            "item_score__section_position", "item_score__position"
        )
    )
    rows = [[_("Item"), _("Score"), _("Deadline"), _("What was done"), _("Result")]]
    for r in rects:
        line = r.item_score
        if r.status == Rectification.Status.CONFIRMED:
            result = _("Confirmed by %(name)s on %(date)s") % {
                "name": r.decided_by.display_name if r.decided_by else "",
                "date": _when(r.decided_at),
            }
        else:
            result = r.get_status_display()
            if r.reject_reason:
                result += "；" + _("Rejected: %(reason)s") % {"reason": r.reject_reason}
        if r.is_overdue:
            result += "；" + _("Overdue")
        rows.append([line.item_text, f"{line.score}/{line.max_score}", r.deadline.isoformat(), r.answer, result])
    if not rects:
        rows.append([_("No rectification needed."), "", "", "", ""])
    story.append(pdf_table(rows, col_widths=[50 * mm, 16 * mm, 22 * mm, 50 * mm, 36 * mm]))
    _photos(story, s, _("Evidence photos"), [(r.item_score.item_text, r.evidence) for r in rects if r.evidence])
    story.append(Spacer(1, 10 * mm))
    story.append(
        pdf_table(
            [
                [_("Station manager (signature)"), "", _("Inspector (signature)"), ""],
                [_("Date"), "", _("Date"), ""],
            ],
            col_widths=[40 * mm, 47 * mm, 40 * mm, 47 * mm],
            header=False,
        )
    )
    return build_pdf(story, title=_("On-site rectification confirmation form"), path=path)
