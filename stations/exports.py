"""PDF documents of the stations area: comprehensive review report, authorisation certificate, exit
confirmation; the XLSX exports of the certificate and reward/penalty lists."""

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from repairnet.exports import Column, ListExport, build_pdf, field_label, pdf_styles, pdf_table
from repairnet.money import format_cny
from repairnet.phones import phone_display

from . import selectors
from .models import Application, Certificate, Sanction, Station, Tier


def _yes_no(value: bool) -> str:
    return _("Pass") if value else _("Fail")


def application_review_pdf(*, application: Application) -> Path:
    """综合评审报告: the application, scores, hard requirements, recommendation and decision (in Chinese)."""
    with override("zh-hans"):
        styles = pdf_styles()
        a = application
        story = [
            Paragraph(_("Comprehensive review report"), styles["title"]),
            Paragraph(f"{_('Reference number')}: {a.reference}", styles["center"]),
            Spacer(1, 4 * mm),
            Paragraph(_("Applicant"), styles["h2"]),
            pdf_table(
                [
                    [_("Company name"), a.company_name, _("Business licence number"), a.licence_number],
                    [_("Legal representative"), a.legal_representative, _("Contact person"), a.contact_name],
                    [_("Contact phone"), phone_display(a.contact_phone), _("Region wanted"), a.region.full_name],
                    [_("Address"), a.address, _("Level wanted"), Tier(a.tier_wanted).label],
                    [_("Years of after-sales experience"), a.years_experience, _("Brands serviced"), a.brands_serviced],
                    [_("Coordinators"), a.coordinators, _("Certified engineers"), a.engineers],
                    [_("Repair area (m²)"), a.repair_area, _("Storage area (m²)"), a.storage_area],
                ],
                col_widths=[32 * mm, 55 * mm, 32 * mm, 55 * mm],
                header=False,
            ),
            Paragraph(_("Screening score sheet"), styles["h2"]),
        ]
        rows = [[_("Criterion"), _("Maximum points"), _("Points"), _("Comment")]]
        for score in a.scores.select_related("criterion"):
            rows.append([score.criterion.name, score.criterion.max_points, score.points, score.comment])
        rows.append([_("Total score"), "100", a.total_score if a.total_score is not None else "—", ""])
        story.append(pdf_table(rows, col_widths=[70 * mm, 25 * mm, 20 * mm, 59 * mm]))
        story.append(Paragraph(_("Hard requirements"), styles["h2"]))
        rows = [[_("Level"), _("Requirement"), _("Required"), _("Actual"), _("Result")]]
        for row in selectors.tier_eligibility(application=a):
            for check in row["checks"]:
                rows.append(
                    [
                        Tier(row["tier"]).label,
                        check["label"],
                        check["required"],
                        check["actual"],
                        _yes_no(check["passed"]),
                    ]
                )
        story.append(pdf_table(rows, col_widths=[38 * mm, 60 * mm, 22 * mm, 22 * mm, 32 * mm]))
        story.append(Paragraph(_("Recommendation and decision"), styles["h2"]))
        decision = a.get_status_display()
        story.append(
            pdf_table(
                [
                    [
                        _("Recommended level"),
                        Tier(a.recommended_tier).label if a.recommended_tier else _("Not eligible"),
                    ],
                    [_("Site visit"), f"{a.visited_on or '—'} {a.visited_by} {a.visit_notes}"],
                    [_("Decision"), decision],
                    [_("Decision reason"), a.decision_reason or "—"],
                    [_("Station"), str(a.station) if a.station_id else "—"],
                    [_("Printed at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
                ],
                col_widths=[40 * mm, 134 * mm],
                header=False,
            )
        )
        return build_pdf(story, title=f"{_('Comprehensive review report')} {a.reference}")


def station_certificate_pdf(*, station: Station) -> Path:
    """Authorisation certificate (授权证书) of an active station."""
    with override("zh-hans"):
        styles = pdf_styles()
        regions = "、".join(r.full_name for r in station.regions.select_related("parent__parent"))
        scope = [
            label
            for flag, label in (
                (station.scope_accessory_sales, _("Accessory sales")),
                (station.scope_simple_repair, _("Simple fault repair")),
                (station.scope_swap, _("Spare-machine swap")),
            )
            if flag
        ]
        story = [
            Spacer(1, 20 * mm),
            Paragraph(_("Authorisation certificate"), styles["title"]),
            Spacer(1, 10 * mm),
            Paragraph(
                _("%(name)s is hereby authorised as %(tier)s.")
                % {"name": station.name, "tier": station.get_tier_display()},
                styles["center"],
            ),
            Spacer(1, 8 * mm),
            pdf_table(
                [
                    [_("Station code"), station.code],
                    [_("Station name"), station.name],
                    [_("Level"), station.get_tier_display()],
                    [_("Authorised regions"), regions],
                    [_("Scope"), "、".join(str(s) for s in scope)],
                    [_("Agreement date"), station.agreement_date or "—"],
                    [_("Address"), station.address or "—"],
                ],
                col_widths=[40 * mm, 134 * mm],
                header=False,
            ),
            Spacer(1, 10 * mm),
            Paragraph(_("The station may not open branches or hand its work to third parties."), styles["body"]),
            Spacer(1, 14 * mm),
            Paragraph(_("Headquarters after-sales department"), styles["center"]),
            Paragraph(timezone.localdate().strftime("%Y-%m-%d"), styles["center"]),
        ]
        return build_pdf(story, title=f"{_('Authorisation certificate')} {station.code}")


def station_exit_confirmation_pdf(*, station: Station) -> Path:
    """Exit confirmation (站点退出确认书) of an exited station: what was checked, the deposit refunded, who
    recorded the exit, when and why — all from the exit's audit row."""
    event = selectors.station_exit_event(station=station)
    if event is None:
        raise ValueError(f"station {station.code} has not exited")
    data = event.data or {}
    with override("zh-hans"):
        styles = pdf_styles()
        regions = "、".join(r.full_name for r in station.regions.select_related("parent__parent"))
        refund = data.get("refund") or "0.00"
        statement = data.get("last_statement") or ""
        story = [
            Spacer(1, 12 * mm),
            Paragraph(_("Exit confirmation"), styles["title"]),
            Spacer(1, 6 * mm),
            Paragraph(
                _("%(name)s (%(code)s) has left the authorised repair network.")
                % {"name": station.name, "code": station.code},
                styles["center"],
            ),
            Spacer(1, 6 * mm),
            pdf_table(
                [
                    [_("Station code"), station.code],
                    [_("Station name"), station.name],
                    [_("Level"), station.get_tier_display()],
                    [_("Authorised regions"), regions],
                    [_("Agreement date"), station.agreement_date or "—"],
                    [_("Exit recorded at"), timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")],
                    [_("Recorded by"), str(event.actor) if event.actor_id else "—"],
                    [_("Reason"), event.note or "—"],
                ],
                col_widths=[40 * mm, 134 * mm],
                header=False,
            ),
            Paragraph(_("Conditions checked"), styles["h2"]),
            pdf_table(
                [
                    [_("Condition"), _("Result")],
                    [_("HQ stock at the station, in transit and on loan"), _("All returned")],
                    [_("Open repair tickets"), _("None")],
                    [
                        _("Last monthly statement"),
                        _("%(month)s, paid") % {"month": statement} if statement else _("No statement"),
                    ],
                ],
                col_widths=[100 * mm, 74 * mm],
            ),
            Paragraph(_("Deposit refund"), styles["h2"]),
            pdf_table(
                [
                    [_("Amount refunded"), format_cny(refund)],
                    [_("Payment date"), data.get("refunded_on") or "—"],
                    [_("Bank reference"), data.get("bank_reference") or "—"],
                    [_("Deposit balance after the refund"), format_cny(0)],
                ],
                col_widths=[60 * mm, 114 * mm],
                header=False,
            ),
            Spacer(1, 16 * mm),
            pdf_table(
                [
                    [_("Headquarters after-sales department (seal)"), _("Station (seal)")],
                    [_("Date:"), _("Date:")],
                ],
                col_widths=[87 * mm, 87 * mm],
                header=False,
            ),
            Spacer(1, 6 * mm),
            Paragraph(
                f"{_('Printed at')}: {timezone.localtime().strftime('%Y-%m-%d %H:%M')}",
                styles["small"],
            ),
        ]
        return build_pdf(story, title=f"{_('Exit confirmation')} {station.code}")


# --- list exports (staff are named, nothing personal beyond that) ------------------------------------------------

CERTIFICATES_EXPORT = ListExport(
    name="certificates",
    title=gettext_lazy("Certificates"),
    columns=(
        Column(field_label(Certificate, "number"), lambda c: c.number, 18),
        Column(field_label(Certificate, "user"), lambda c: str(c.user), 12),
        Column(field_label(Station, "code"), lambda c: c.user.station.code if c.user.station_id else "", 10),
        Column(field_label(Certificate, "kind"), lambda c: c.get_kind_display(), 14),
        Column(field_label(Certificate, "issued_on"), lambda c: c.issued_on, 11),
        Column(field_label(Certificate, "expires_on"), lambda c: c.expires_on, 11),
        Column(field_label(Certificate, "renewed_on"), lambda c: c.renewed_on, 11),
        Column(field_label(Certificate, "status"), lambda c: c.get_status_display(), 8),
        Column(field_label(Certificate, "revoked_on"), lambda c: c.revoked_on, 11),
    ),
)

SANCTIONS_EXPORT = ListExport(
    name="sanctions",
    title=gettext_lazy("Rewards and penalties"),
    columns=(
        Column("#", lambda s: s.pk, 6),
        Column(field_label(Sanction, "raised_at"), lambda s: s.raised_at, 17),
        Column(field_label(Station, "code"), lambda s: s.station.code, 10),
        Column(field_label(Sanction, "station"), lambda s: s.station.name, 24),
        Column(field_label(Sanction, "rule"), lambda s: s.rule.name, 24),
        Column(field_label(Sanction, "amount"), lambda s: s.amount, 12),
        Column(field_label(Sanction, "status"), lambda s: s.get_status_display(), 10),
        Column(field_label(Sanction, "appeal_deadline"), lambda s: s.appeal_deadline, 11),
        Column(field_label(Sanction, "note"), lambda s: s.note, 40),
        Column(field_label(Sanction, "decided_at"), lambda s: s.decided_at, 17),
        Column(field_label(Sanction, "settled_ref"), lambda s: s.settled_ref, 16),
    ),
)
