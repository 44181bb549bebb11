"""Exams and certificates: recording exams, issuing, renewing and revoking."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import locks, roles
from repairnet.models import User
from repairnet.services import apply_transition, audit_record, ensure, setting

from .. import selectors
from ..models import (
    Certificate,
    CertificateKind,
    ExamResult,
)
from .state import station_staffing_refresh

# --- exams and certificates ------------------------------------------------------------------------


def exam_passes(theory: Decimal, practical: Decimal, *, on: datetime.date | None = None) -> bool:
    """Pass ≥ 60 in each part and ≥ 70 on average [design; EXAM_PASS_EACH / EXAM_PASS_AVERAGE, the versions in
    force on the exam day ``on``]."""
    each = Decimal(setting("EXAM_PASS_EACH", on=on))
    average = Decimal(setting("EXAM_PASS_AVERAGE", on=on))
    return theory >= each and practical >= each and (theory + practical) / 2 >= average


@transaction.atomic
def exam_record(
    *,
    user: User,
    kind: str,
    trained_on: datetime.date,
    exam_on: datetime.date,
    theory_score,
    practical_score,
    actor,
) -> ExamResult:
    roles.require(actor, "stations.certificates.manage")
    ensure(kind in CertificateKind.values, _("Unknown certificate type."), field="kind")
    theory, practical = Decimal(str(theory_score)), Decimal(str(practical_score))
    for field, score in (("theory_score", theory), ("practical_score", practical)):
        ensure(Decimal(0) <= score <= Decimal(100), _("Scores must be between 0 and 100."), field=field)
    today = selectors.today()
    ensure(exam_on <= today, _("Dates may not be in the future."), field="exam_on")
    ensure(trained_on <= today, _("Dates may not be in the future."), field="trained_on")
    ensure(trained_on <= exam_on, _("The exam cannot be before the training."), field="exam_on")
    exam = ExamResult.objects.create(
        user=user,
        kind=kind,
        trained_on=trained_on,
        exam_on=exam_on,
        theory_score=theory,
        practical_score=practical,
        passed=exam_passes(theory, practical, on=exam_on),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(obj=exam, verb="exam_recorded", actor=actor, data={"passed": exam.passed})
    return exam


def _next_certificate_number(kind: str, year: int) -> str:
    prefix = f"{'JS' if kind == CertificateKind.REPAIR_TECHNICIAN else 'FW'}{year}-"
    locks.hold(f"certificate-number:{prefix}")  # two issues at once read the last number one after the other
    # Only our own numbers count: earlier ones in another form (imported, the demo's "JS2026-D0266") are skipped.
    ours = Certificate.objects.filter(number__regex=rf"^{prefix}[0-9]{{5}}$")
    last = ours.aggregate(m=Max("number"))["m"]
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


@transaction.atomic
def certificate_issue(*, exam: ExamResult, actor, issued_on: datetime.date | None = None) -> Certificate:
    """Issue a numbered certificate for a passed exam, valid CERT_VALID_YEARS years."""
    roles.require(actor, "stations.certificates.manage")
    exam = ExamResult.objects.select_for_update().select_related("user").get(pk=exam.pk)
    ensure(exam.passed, _("Only a passed exam earns a certificate."))
    ensure(not exam.certificates.exists(), _("A certificate was already issued for this exam."))
    issued_on = issued_on or selectors.today()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                cert = Certificate.objects.create(
                    number=_next_certificate_number(exam.kind, issued_on.year),
                    user=exam.user,
                    kind=exam.kind,
                    exam=exam,
                    issued_on=issued_on,
                    expires_on=issued_on
                    + relativedelta(years=setting("CERT_VALID_YEARS"))
                    - datetime.timedelta(days=1),
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five collisions in a row
        raise ValidationError(_("Could not number the certificate; please try again."))
    audit_record(obj=cert, verb="issued", actor=actor, to_state=cert.status)
    if exam.user.station_id:
        station_staffing_refresh(station=exam.user.station)
    return cert


@transaction.atomic
def certificate_renew(*, certificate: Certificate, actor, note: str = "") -> Certificate:
    roles.require(actor, "stations.certificates.manage")
    cert = Certificate.objects.select_for_update(of=("self",)).select_related("user__station").get(pk=certificate.pk)
    ensure(cert.status == Certificate.Status.VALID, _("A revoked certificate cannot be renewed."))
    today = selectors.today()
    base = max(cert.expires_on, today - datetime.timedelta(days=1))
    old = cert.expires_on
    cert.expires_on = base + relativedelta(years=setting("CERT_VALID_YEARS"))
    cert.renewed_on, cert.expiry_warned_on = today, None
    cert.save(update_fields=["expires_on", "renewed_on", "expiry_warned_on", "updated_at"])
    audit_record(obj=cert, verb="renewed", actor=actor, note=note, data={"from": str(old), "to": str(cert.expires_on)})
    if cert.user.station_id:
        station_staffing_refresh(station=cert.user.station)
    return cert


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, actor, note: str, effective_on: datetime.date | None = None
) -> Certificate:
    """Revoke with effect from ``effective_on`` (today in Asia/Shanghai by default): from that day on the
    certificate is not valid; work done before it keeps counting. Not before the issue, not in the future."""
    roles.require(actor, "stations.certificates.manage")
    cert = Certificate.objects.select_for_update(of=("self",)).select_related("user__station").get(pk=certificate.pk)
    today = selectors.today()
    effective_on = effective_on or today
    ensure(
        effective_on >= cert.issued_on,
        _("The revocation cannot take effect before the certificate was issued (%(date)s).")
        % {"date": cert.issued_on.isoformat()},
        "revoked_before_issue",
    )
    ensure(effective_on <= today, _("The revocation cannot take effect in the future."), "revoked_in_future")
    cert.revoked_on, cert.revoked_at = effective_on, timezone.now()
    apply_transition(
        cert,
        to=Certificate.Status.REVOKED,
        actor=actor,
        note=note,
        verb="revoked",
        require_note=True,
        extra_update_fields=("revoked_on", "revoked_at"),
        data={"effective_on": effective_on.isoformat()},
    )
    if cert.user.station_id:
        station_staffing_refresh(station=cert.user.station)
    return cert
