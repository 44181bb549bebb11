"""Every write of the stations area: applications, stations, staff, certificates, assessments, sanctions."""

import datetime
import logging
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import User
from repairnet.money import quantize
from repairnet.services import apply_transition, audit_record, ensure

from . import selectors
from .models import (
    Certificate,
    CertificateKind,
    ExamResult,
    Position,
    Sanction,
    SanctionRule,
    StaffProfile,
    Station,
    Tier,
    TierChange,
    TierRequirement,
)

log = logging.getLogger("stations")


def _setting(name: str, default):
    return settings.REPAIRNET.get(name, default)


# --- staff ----------------------------------------------------------------------------------------

POSITION_ROLE = {
    Position.COORDINATOR: roles.COORDINATOR,
    Position.SERVICE_CLERK: roles.TECHNICIAN,
    Position.REPAIR_TECHNICIAN: roles.TECHNICIAN,
}


@transaction.atomic
def staff_add(
    *,
    station: Station,
    actor,
    username: str,
    last_name: str,
    first_name: str,
    position: str,
    phone: str = "",
    id_number: str = "",
    password: str = "",
    joined_on: datetime.date | None = None,
) -> User:
    """Add a person to a station: a login of the station's role plus a staff profile with the position."""
    roles.require(actor, "stations.staff.manage", station)
    username = (username or "").strip()
    ensure(bool(username), _("Please give a username."))
    ensure(not User.objects.filter(username__iexact=username).exists(), _("This username is already taken."))
    ensure(position in Position.values, _("Unknown position."))
    user = User(
        username=username,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        phone=phone.strip(),
        station=station,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=POSITION_ROLE[position]))
    StaffProfile.objects.create(
        user=user, position=position, id_number=id_number, joined_on=joined_on or selectors.today()
    )
    audit_record(obj=station, verb="staff_added", actor=actor, data={"user": user.pk, "position": position})
    return user


@transaction.atomic
def staff_update(
    *,
    user: User,
    actor,
    last_name: str,
    first_name: str,
    phone: str,
    position: str,
    id_number: str = "",
    active: bool = True,
) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    roles.require(actor, "stations.staff.manage", user.station)
    ensure(user.station_id is not None, _("This person does not belong to a station."))
    ensure(position in Position.values, _("Unknown position."))
    user.last_name, user.first_name, user.phone = last_name.strip(), first_name.strip(), phone.strip()
    was_active, user.is_active = user.is_active, active
    user.save(update_fields=["last_name", "first_name", "phone", "is_active"])
    profile, _created = StaffProfile.objects.get_or_create(user=user, defaults={"position": position})
    profile.position, profile.id_number = position, id_number
    if was_active and not active:
        profile.left_on = selectors.today()
    elif active:
        profile.left_on = None
    profile.save()
    user.groups.remove(*Group.objects.filter(name__in=[roles.COORDINATOR, roles.TECHNICIAN]))
    user.groups.add(Group.objects.get(name=POSITION_ROLE[position]))
    audit_record(obj=user.station, verb="staff_updated", actor=actor, data={"user": user.pk, "active": active})
    station_staffing_refresh(station=user.station)
    return user


# --- exams and certificates ------------------------------------------------------------------------


def exam_passes(theory: Decimal, practical: Decimal) -> bool:
    """Pass ≥ 60 in each part and ≥ 70 on average [design; settings EXAM_PASS_EACH / EXAM_PASS_AVERAGE]."""
    each = Decimal(_setting("EXAM_PASS_EACH", 60))
    average = Decimal(_setting("EXAM_PASS_AVERAGE", 70))
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
    ensure(kind in CertificateKind.values, _("Unknown certificate type."))
    theory, practical = Decimal(str(theory_score)), Decimal(str(practical_score))
    for score in (theory, practical):
        ensure(Decimal(0) <= score <= Decimal(100), _("Scores must be between 0 and 100."))
    today = selectors.today()
    ensure(exam_on <= today and trained_on <= today, _("Dates may not be in the future."))
    ensure(trained_on <= exam_on, _("The exam cannot be before the training."))
    exam = ExamResult.objects.create(
        user=user,
        kind=kind,
        trained_on=trained_on,
        exam_on=exam_on,
        theory_score=theory,
        practical_score=practical,
        passed=exam_passes(theory, practical),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(obj=exam, verb="exam_recorded", actor=actor, data={"passed": exam.passed})
    return exam


def _next_certificate_number(kind: str, year: int) -> str:
    prefix = f"{'JS' if kind == CertificateKind.REPAIR_TECHNICIAN else 'FW'}{year}-"
    last = Certificate.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
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
                    + relativedelta(years=_setting("CERT_VALID_YEARS", 2))
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
    cert = Certificate.objects.select_for_update().select_related("user__station").get(pk=certificate.pk)
    ensure(cert.status == Certificate.Status.VALID, _("A revoked certificate cannot be renewed."))
    today = selectors.today()
    base = max(cert.expires_on, today - datetime.timedelta(days=1))
    old = cert.expires_on
    cert.expires_on = base + relativedelta(years=_setting("CERT_VALID_YEARS", 2))
    cert.renewed_on, cert.expiry_warned_on = today, None
    cert.save(update_fields=["expires_on", "renewed_on", "expiry_warned_on", "updated_at"])
    audit_record(obj=cert, verb="renewed", actor=actor, note=note, data={"from": str(old), "to": str(cert.expires_on)})
    if cert.user.station_id:
        station_staffing_refresh(station=cert.user.station)
    return cert


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor, note: str) -> Certificate:
    roles.require(actor, "stations.certificates.manage")
    cert = Certificate.objects.select_for_update().select_related("user__station").get(pk=certificate.pk)
    apply_transition(cert, to=Certificate.Status.REVOKED, actor=actor, note=note, verb="revoked", require_note=True)
    if cert.user.station_id:
        station_staffing_refresh(station=cert.user.station)
    return cert


# --- station staffing and state --------------------------------------------------------------------


@transaction.atomic
def station_staffing_refresh(*, station: Station, on: datetime.date | None = None) -> Station:
    """Flag the station (with the date) when its certified engineers fall below its tier's minimum; clear when fixed."""
    on = on or selectors.today()
    station = Station.objects.select_for_update().get(pk=station.pk)
    requirement = TierRequirement.objects.filter(tier=station.tier).first()
    minimum = requirement.min_engineers if requirement else 0
    count = selectors.certified_engineer_counts(station_ids=[station.pk], on=on).get(station.pk, 0)
    short = count < minimum
    if short and station.understaffed_since is None:
        station.understaffed_since = on
        station.save(update_fields=["understaffed_since", "updated_at"])
        audit_record(obj=station, verb="understaffed", data={"certified": count, "minimum": minimum})
    elif not short and station.understaffed_since is not None:
        station.understaffed_since = None
        station.save(update_fields=["understaffed_since", "updated_at"])
        audit_record(obj=station, verb="staffing_restored", data={"certified": count, "minimum": minimum})
    return station


@transaction.atomic
def station_transition(*, station: Station, to: str, actor, note: str, verb: str = "") -> Station:
    """Suspend, reinstate, revoke or exit a station; every move needs a reason."""
    if actor is not None:
        roles.require(actor, "stations.manage")
    station = Station.objects.select_for_update().get(pk=station.pk)
    return apply_transition(station, to=to, actor=actor, note=note, verb=verb or to, require_note=True)


def station_suspend(*, station, actor, note):
    return station_transition(station=station, to=Station.Status.SUSPENDED, actor=actor, note=note, verb="suspend")


def station_reinstate(*, station, actor, note):
    return station_transition(station=station, to=Station.Status.ACTIVE, actor=actor, note=note, verb="reinstate")


def station_revoke(*, station, actor, note):
    return station_transition(station=station, to=Station.Status.REVOKED, actor=actor, note=note, verb="revoke")


def station_exit(*, station, actor, note):
    return station_transition(station=station, to=Station.Status.EXITED, actor=actor, note=note, verb="exit")


@transaction.atomic
def station_change_tier(*, station: Station, to_tier: str, actor, reason: str) -> TierChange:
    ensure(to_tier in Tier.values, _("Unknown level."))
    ensure(bool(reason.strip()), _("Please give a reason."))
    station = Station.objects.select_for_update().get(pk=station.pk)
    ensure(station.tier != to_tier, _("The station already has this level."))
    change = TierChange.objects.create(
        station=station,
        from_tier=station.tier,
        to_tier=to_tier,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(obj=station, verb="tier_changed", actor=actor, note=reason, from_state=station.tier, to_state=to_tier)
    station.tier = to_tier
    station.save(update_fields=["tier", "updated_at"])
    station_staffing_refresh(station=station)
    return change


def stations_staffing_sweep(*, on: datetime.date | None = None) -> dict:
    """Daily: refresh every active station's flag; suspend those flagged longer than the grace period."""
    on = on or selectors.today()
    grace = _setting("UNDERSTAFFED_GRACE_DAYS", 30)
    flagged = suspended = 0
    for station in Station.objects.filter(status=Station.Status.ACTIVE).order_by("pk"):
        station = station_staffing_refresh(station=station, on=on)
        if station.understaffed_since is None:
            continue
        flagged += 1
        if (on - station.understaffed_since).days >= grace:
            station_transition(
                station=station,
                to=Station.Status.SUSPENDED,
                actor=None,
                verb="suspend",
                note=_("Below the certified-engineer minimum since %(date)s (grace period %(days)s days).")
                % {"date": station.understaffed_since.isoformat(), "days": grace},
            )
            suspended += 1
    return {"flagged": flagged, "suspended": suspended}


def certificates_expiry_warn(*, on: datetime.date | None = None) -> int:
    """Daily: warn (once per certificate) the holder's coordinators and HQ 30 days before expiry."""
    on = on or selectors.today()
    horizon = on + datetime.timedelta(days=_setting("CERT_EXPIRY_WARNING_DAYS", 30))
    due = Certificate.objects.filter(
        status=Certificate.Status.VALID, expires_on__gte=on, expires_on__lte=horizon, expiry_warned_on__isnull=True
    ).select_related("user__station")
    warned = 0
    for cert in due:
        with transaction.atomic():
            if Certificate.objects.filter(pk=cert.pk, expiry_warned_on__isnull=True).update(expiry_warned_on=on) != 1:
                continue
            audit_record(
                obj=cert, verb="expiry_warning", note=_("Certificate expires on %(date)s.") % {"date": cert.expires_on}
            )
            recipients = (
                list(
                    User.objects.filter(station_id=cert.user.station_id, groups__name=roles.COORDINATOR, is_active=True)
                    .exclude(email="")
                    .values_list("email", flat=True)
                )
                if cert.user.station_id
                else []
            )
            if cert.user.email:
                recipients.append(cert.user.email)
            if recipients:
                from django.core.mail import send_mail

                transaction.on_commit(
                    lambda c=cert, r=recipients: send_mail(
                        _("Certificate %(number)s expires on %(date)s") % {"number": c.number, "date": c.expires_on},
                        _("The certificate of %(name)s expires on %(date)s. Please arrange the renewal.")
                        % {"name": c.user, "date": c.expires_on},
                        None,
                        r,
                        fail_silently=True,
                    )
                )
            warned += 1
    return warned


# --- sanctions -------------------------------------------------------------------------------------


@transaction.atomic
def sanction_raise(
    *, station: Station, rule_code: str, actor, note: str = "", evidence_ref: str = "", source_ref: str = ""
) -> Sanction:
    """Raise a reward/penalty record; idempotent per (rule, source_ref) when source_ref is given."""
    rule = SanctionRule.objects.filter(code=rule_code, active=True).first()
    ensure(rule is not None, _("Unknown reward/penalty rule: %(code)s.") % {"code": rule_code})
    if source_ref:
        existing = Sanction.objects.filter(rule=rule, source_ref=source_ref).first()
        if existing is not None:
            return existing
    deadline = selectors.today() + datetime.timedelta(days=_setting("APPEAL_DAYS", 5))
    try:
        with transaction.atomic():
            sanction = Sanction.objects.create(
                station=station,
                rule=rule,
                amount=quantize(rule.amount),
                note=note,
                evidence_ref=evidence_ref,
                source_ref=source_ref,
                raised_by=actor if getattr(actor, "is_authenticated", False) else None,
                appeal_deadline=deadline,
            )
    except IntegrityError:
        return Sanction.objects.get(rule=rule, source_ref=source_ref)
    audit_record(obj=sanction, verb="raised", actor=actor, note=note, to_state=sanction.status)
    return sanction


@transaction.atomic
def sanction_appeal(*, sanction: Sanction, actor, text: str) -> Sanction:
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    roles.require(actor, "stations.sanctions.appeal", sanction)
    ensure(bool(text.strip()), _("Please explain the appeal."))
    ensure(
        selectors.today() <= sanction.appeal_deadline,
        _("The appeal window closed on %(date)s.") % {"date": sanction.appeal_deadline},
    )
    sanction.appeal_text, sanction.appealed_at = text, timezone.now()
    return apply_transition(
        sanction,
        to=Sanction.Status.APPEALED,
        actor=actor,
        note=text,
        verb="appealed",
        extra_update_fields=("appeal_text", "appealed_at"),
    )


@transaction.atomic
def sanction_decide(*, sanction: Sanction, actor, approve: bool, note: str = "") -> Sanction:
    """HQ approves (it flows into the settlement) or cancels a record."""
    roles.require(actor, "stations.sanctions.decide")
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if not approve or sanction.status == Sanction.Status.APPEALED:
        ensure(bool(note.strip()), _("Please give a reason."))
    sanction.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    sanction.decided_at, sanction.decision_note = timezone.now(), note
    return apply_transition(
        sanction,
        to=Sanction.Status.APPROVED if approve else Sanction.Status.CANCELLED,
        actor=actor,
        note=note,
        verb="approved" if approve else "cancelled",
        extra_update_fields=("decided_by", "decided_at", "decision_note"),
    )


def sanctions_confirm_unappealed(*, on: datetime.date | None = None) -> int:
    """Daily: records not appealed by their deadline are approved (the station accepted them)."""
    on = on or selectors.today()
    count = 0
    for pk in Sanction.objects.filter(status=Sanction.Status.RAISED, appeal_deadline__lt=on).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            sanction = Sanction.objects.select_for_update().get(pk=pk)
            if sanction.status != Sanction.Status.RAISED:
                continue
            sanction.decided_at, sanction.decision_note = timezone.now(), _("Not appealed within the window.")
            apply_transition(
                sanction,
                to=Sanction.Status.APPROVED,
                actor=None,
                note=sanction.decision_note,
                verb="approved",
                extra_update_fields=("decided_at", "decision_note"),
            )
            count += 1
    return count


@transaction.atomic
def sanction_mark_settled(*, sanction_ids, ref: str) -> int:
    """Settlement marks the records it has paid/deducted so no later month counts them again."""
    ensure(bool(ref), _("A settlement reference is needed."))
    return Sanction.objects.filter(pk__in=list(sanction_ids), status=Sanction.Status.APPROVED, settled_ref="").update(
        settled_ref=ref
    )
