"""Every write of the stations area: applications, stations, staff, certificates, assessments, sanctions."""

import datetime
import logging
import secrets
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import Region, User
from repairnet.money import quantize
from repairnet.services import apply_transition, audit_record, ensure, setting

from . import providers, selectors
from .models import (
    Application,
    Assessment,
    Certificate,
    CertificateKind,
    ExamResult,
    Position,
    Sanction,
    SanctionRule,
    ScreeningScore,
    SiteVisitPhoto,
    StaffProfile,
    Station,
    Tier,
    TierChange,
    TierRequirement,
)
from .validators import validate_document, validate_photo

log = logging.getLogger("stations")


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
    each = Decimal(setting("EXAM_PASS_EACH"))
    average = Decimal(setting("EXAM_PASS_AVERAGE"))
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
    """Suspend, reinstate, revoke or exit a station; every move needs a reason. Jobs act as roles.SYSTEM."""
    roles.require(actor, "stations.manage", station)
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
    roles.require(actor, "stations.manage", station)
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
    grace = setting("UNDERSTAFFED_GRACE_DAYS")
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
                actor=roles.SYSTEM,
                verb="suspend",
                note=_("Below the certified-engineer minimum since %(date)s (grace period %(days)s days).")
                % {"date": station.understaffed_since.isoformat(), "days": grace},
            )
            suspended += 1
    return {"flagged": flagged, "suspended": suspended}


def certificates_expiry_warn(*, on: datetime.date | None = None) -> int:
    """Daily: warn (once per certificate) the holder's coordinators and HQ 30 days before expiry."""
    on = on or selectors.today()
    horizon = on + datetime.timedelta(days=setting("CERT_EXPIRY_WARNING_DAYS"))
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


INSPECTION_SANCTION_RULES = frozenset({"inspection_grade_a", "inspection_grade_d", "rectification_overdue"})


@transaction.atomic
def sanction_raise(
    *, station: Station, rule_code: str, actor, note: str = "", evidence_ref: str = "", source_ref: str = ""
) -> Sanction:
    """Raise a reward/penalty record; idempotent per (rule, source_ref) when source_ref is given.

    HQ raises any rule; the inspector raises the rules of an inspection's outcome; jobs act as roles.SYSTEM."""
    action = (
        "stations.sanctions.raise_on_inspection"
        if rule_code in INSPECTION_SANCTION_RULES
        else "stations.sanctions.raise"
    )
    roles.require(actor, action, station)
    rule = SanctionRule.objects.filter(code=rule_code, active=True).first()
    ensure(rule is not None, _("Unknown reward/penalty rule: %(code)s.") % {"code": rule_code})
    if source_ref:
        existing = Sanction.objects.filter(rule=rule, source_ref=source_ref).first()
        if existing is not None:
            return existing
    deadline = selectors.today() + datetime.timedelta(days=setting("APPEAL_DAYS"))
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


def sanctions_confirm_unappealed(*, on: datetime.date | None = None, actor=roles.SYSTEM) -> int:
    """Daily: records not appealed by their deadline are approved (the station accepted them)."""
    roles.require(actor, "stations.sanctions.confirm_unappealed")
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
                actor=actor,
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


@transaction.atomic
def sanction_release_settlement(*, settled_ref: str, actor) -> int:
    """Settlement hands back the records it settled under ``settled_ref`` (its statement went back to draft).

    The rebuilt draft then fetches them again through ``sanctions_for_settlement`` like any unsettled
    record, and issuing it marks them again. Releasing here, rather than teaching the selector about
    statements, keeps one owner and one meaning of ``settled_ref``: set while an issued statement holds the
    record. Each released record gets an audit row naming the statement it left.
    """
    roles.require(actor, "stations.sanctions.settle")
    ensure(bool(settled_ref), _("A settlement reference is needed."))
    released = list(Sanction.objects.select_for_update().filter(settled_ref=settled_ref).order_by("pk"))
    for sanction in released:
        sanction.settled_ref = ""
        sanction.save(update_fields=["settled_ref", "updated_at"])
        audit_record(obj=sanction, verb="settlement_released", actor=actor, data={"settled_ref": settled_ref})
    return len(released)


# --- applications ----------------------------------------------------------------------------------

PHONE_RE = r"^(1\d{10}|0\d{2,3}-?\d{7,8})$"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def validate_phone(phone: str) -> str:
    import re

    phone = (phone or "").strip().replace(" ", "")
    if not re.match(PHONE_RE, phone):
        raise ValidationError({"contact_phone": [_("Enter a mobile number (11 digits) or a landline with area code.")]})
    return phone


def _new_reference() -> str:
    day = timezone.localdate().strftime("%Y%m%d")
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(5))
    return f"SQ{day}{suffix}"


APPLICATION_FIELDS = (
    "company_name",
    "licence_number",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "email",
    "address",
    "region",
    "tier_wanted",
    "years_experience",
    "brands_serviced",
    "staff_list",
    "coordinators",
    "engineers",
    "clerks",
    "reception_area",
    "repair_area",
    "storage_area",
    "has_repair_tools",
    "has_computer",
    "has_instruments",
    "has_service_phone",
    "equipment_notes",
    "declares_no_counterfeit",
)


@transaction.atomic
def application_submit(*, data: dict, business_licence, financial_report) -> Application:
    """Public: store a new application with its two documents; returns it with its reference number."""
    errors = {}
    for name, upload in (("business_licence", business_licence), ("financial_report", financial_report)):
        try:
            validate_document(upload)
        except ValidationError as exc:
            errors[name] = exc.messages
    values = {k: data[k] for k in APPLICATION_FIELDS if k in data}
    try:
        values["contact_phone"] = validate_phone(values.get("contact_phone", ""))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    region = values.get("region")
    if isinstance(region, int | str):
        region = Region.objects.filter(pk=region).first()
        values["region"] = region
    if region is None or region.level == Region.Level.PROVINCE:
        errors["region"] = [_("Choose a city or a district/county.")]
    if values.get("tier_wanted") not in Tier.values:
        errors["tier_wanted"] = [_("Choose a level.")]
    for name in ("reception_area", "repair_area", "storage_area"):
        if values.get(name) is not None and Decimal(str(values[name])) < 0:
            errors[name] = [_("Must not be negative.")]
    if errors:
        raise ValidationError(errors)
    application = Application(**values, business_licence=business_licence, financial_report=financial_report)
    application.full_clean(exclude=["reference", "business_licence", "financial_report"])
    for _attempt in range(5):
        application.reference = _new_reference()
        if not Application.objects.filter(reference=application.reference).exists():
            break
    application.save()
    audit_record(obj=application, verb="submitted", to_state=application.status, note=application.company_name)
    return application


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


@transaction.atomic
def application_check_documents(*, application: Application, actor, note: str = "") -> Application:
    roles.require(actor, "stations.applications.review")
    application = _lock(application)
    application.documents_note = note
    return apply_transition(
        application,
        to=Application.Status.DOCUMENTS_CHECKED,
        actor=actor,
        note=note,
        verb="documents_checked",
        extra_update_fields=("documents_note",),
    )


@transaction.atomic
def application_record_visit(
    *, application: Application, actor, visited_on: datetime.date, visited_by: str, notes: str, photos=()
) -> Application:
    roles.require(actor, "stations.applications.review")
    application = _lock(application)
    ensure(visited_on is not None and visited_on <= selectors.today(), _("The visit date may not be in the future."))
    ensure(bool((visited_by or "").strip()), _("Say who visited the site."))
    for photo in photos:
        validate_photo(photo)
    application.visited_on, application.visited_by, application.visit_notes = visited_on, visited_by.strip(), notes
    apply_transition(
        application,
        to=Application.Status.SITE_VISITED,
        actor=actor,
        note=notes,
        verb="site_visited",
        extra_update_fields=("visited_on", "visited_by", "visit_notes"),
    )
    for photo in photos:
        SiteVisitPhoto.objects.create(application=application, image=photo)
    return application


@transaction.atomic
def application_score(*, application: Application, actor, points: dict, comments: dict | None = None) -> Application:
    """Record the screening score sheet (criterion code → points); computes total and recommended tier."""
    roles.require(actor, "stations.applications.review")
    application = _lock(application)
    ensure(
        application.status in (Application.Status.SITE_VISITED, Application.Status.SCREENED),
        _("Scores are recorded after the site visit and before the decision."),
    )
    comments = comments or {}
    criteria = selectors.screening_criteria()
    errors = {}
    parsed = {}
    for criterion in criteria:
        raw = points.get(criterion.code)
        try:
            value = Decimal(str(raw))
        except Exception:  # noqa: BLE001 - any unparsable input
            errors[criterion.code] = [_("Enter a number.")]
            continue
        if not (0 <= value <= criterion.max_points):
            errors[criterion.code] = [_("Between 0 and %(max)s points.") % {"max": criterion.max_points}]
        parsed[criterion] = value
    if errors:
        raise ValidationError(errors)
    for criterion, value in parsed.items():
        ScreeningScore.objects.update_or_create(
            application=application,
            criterion=criterion,
            defaults={"points": value, "comment": comments.get(criterion.code, "")[:200]},
        )
    application.total_score = sum(parsed.values(), Decimal(0))
    application.recommended_tier = selectors.recommended_tier(application=application)
    fields = ("total_score", "recommended_tier")
    data = {"total": str(application.total_score), "recommended": application.recommended_tier}
    if application.status == Application.Status.SCREENED:
        application.save(update_fields=[*fields, "updated_at"])
        audit_record(obj=application, verb="rescored", actor=actor, data=data)
        return application
    return apply_transition(
        application, to=Application.Status.SCREENED, actor=actor, verb="screened", extra_update_fields=fields, data=data
    )


def _station_code_for(region: Region) -> str:
    prefix = {"41": "HA", "51": "SC"}.get(region.code[:2], "ST")
    codes = Station.objects.filter(code__regex=rf"^{prefix}\d{{4}}$").values_list("code", flat=True)
    seq = max((int(c[2:]) for c in codes), default=0) + 1
    return f"{prefix}{seq:04d}"


def _deposit_handoff(*, station: Station, amount: Decimal, actor, note: str) -> None:
    """Record the deposit in the spares ledger (a ledger entry, not a field), in the approval's transaction."""
    providers.provider("deposit_record")(station=station, kind="paid", amount=amount, actor=actor, note=note)


@transaction.atomic
def application_approve(
    *,
    application: Application,
    actor,
    tier: str,
    note: str = "",
    code: str = "",
    regions=None,
    scope_accessory_sales: bool = True,
    scope_simple_repair: bool | None = None,
    scope_swap: bool = False,
    is_remote: bool = False,
    agreement_date: datetime.date | None = None,
    coordinator_username: str = "",
) -> Application:
    """Final decision: approve → active station with code, tier, regions, scope, deposit and coordinator."""
    roles.require(actor, "stations.applications.review")
    application = _lock(application)
    ensure(application.status == Application.Status.SCREENED, _("Only a screened application can be approved."))
    ensure(tier in Tier.values, _("Choose a level."))
    eligibility = {row["tier"]: row for row in selectors.tier_eligibility(application=application)}
    row = eligibility.get(tier)
    ensure(row is not None, _("No requirements are configured for this level."))
    if not row["hard_ok"]:
        failed = ", ".join(str(c["label"]) for c in row["checks"] if not c["passed"])
        raise ValidationError(
            _("The application does not meet the hard requirements of this level: %(failed)s.") % {"failed": failed},
            code="hard_requirements",
        )
    ensure(
        row["score_ok"],
        _("The screening score %(score)s is below this level's minimum of %(min)s.")
        % {"score": application.total_score, "min": row["requirement"].min_score},
        code="score",
    )
    code = (code or "").strip().upper() or _station_code_for(application.region)
    ensure(not Station.objects.filter(code=code).exists(), _("Station code %(code)s is already used.") % {"code": code})
    agreement_date = agreement_date or selectors.today()
    ensure(agreement_date <= selectors.today(), _("The agreement date may not be in the future."))
    station = Station.objects.create(
        code=code,
        name=application.company_name,
        tier=tier,
        status=Station.Status.ACTIVE,
        scope_accessory_sales=scope_accessory_sales,
        scope_simple_repair=(tier != Tier.ACCESSORY_POINT) if scope_simple_repair is None else scope_simple_repair,
        scope_swap=scope_swap,
        is_remote=is_remote,
        address=application.address,
        phone=application.contact_phone,
        agreement_date=agreement_date,
    )
    station.regions.set(list(regions) if regions else [application.region])
    TierChange.objects.create(
        station=station,
        from_tier="",
        to_tier=tier,
        reason=_("Approved application %(ref)s") % {"ref": application.reference},
        actor=actor,
    )
    audit_record(obj=station, verb="created", actor=actor, to_state=station.status, note=note)
    # Coordinator: link an existing login or create one from the application's contact.
    application.coordinator_password = ""
    username = (coordinator_username or "").strip()
    coordinator = User.objects.filter(username__iexact=username).first() if username else None
    if coordinator is not None:
        ensure(
            coordinator.station_id in (None, station.pk),
            _("User %(name)s already belongs to another station.") % {"name": coordinator.username},
        )
        coordinator.station = station
        coordinator.save(update_fields=["station"])
        coordinator.groups.add(Group.objects.get(name=roles.COORDINATOR))
        StaffProfile.objects.update_or_create(user=coordinator, defaults={"position": Position.COORDINATOR})
    else:
        password = secrets.token_urlsafe(9)
        coordinator = User(
            username=username or f"{code.lower()}-coord",
            last_name=application.contact_name[:1],
            first_name=application.contact_name[1:],
            phone=application.contact_phone,
            email=application.email,
            station=station,
        )
        ensure(
            not User.objects.filter(username__iexact=coordinator.username).exists(),
            _("This username is already taken."),
        )
        coordinator.set_password(password)
        coordinator.save()
        coordinator.groups.add(Group.objects.get(name=roles.COORDINATOR))
        StaffProfile.objects.create(user=coordinator, position=Position.COORDINATOR, joined_on=agreement_date)
        application.coordinator_password = password
    requirement = TierRequirement.objects.get(tier=tier)
    _deposit_handoff(
        station=station,
        amount=quantize(requirement.deposit),
        actor=actor,
        note=_("Deposit paid on approval of %(ref)s") % {"ref": application.reference},
    )
    station_staffing_refresh(station=station, on=agreement_date)
    application.station = station
    application.decision_reason = note
    application.decided_by = actor
    application.decided_at = timezone.now()
    apply_transition(
        application,
        to=Application.Status.APPROVED,
        actor=actor,
        note=note,
        verb="approved",
        extra_update_fields=("station", "decision_reason", "decided_by", "decided_at"),
        data={"station": station.code, "tier": tier, "coordinator": coordinator.username},
    )
    application.coordinator = coordinator
    return application


@transaction.atomic
def application_reject(*, application: Application, actor, reason: str) -> Application:
    roles.require(actor, "stations.applications.review")
    application = _lock(application)
    application.decision_reason, application.decided_by, application.decided_at = reason, actor, timezone.now()
    return apply_transition(
        application,
        to=Application.Status.REJECTED,
        actor=actor,
        note=reason,
        verb="rejected",
        require_note=True,
        extra_update_fields=("decision_reason", "decided_by", "decided_at"),
    )


@transaction.atomic
def application_withdraw(*, application: Application, actor=None, reason: str = "") -> Application:
    """The applicant (by reference + phone) or HQ withdraws an application before the decision."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        roles.require(actor, "stations.applications.review")
    application = _lock(application)
    application.decision_reason = reason
    return apply_transition(
        application,
        to=Application.Status.WITHDRAWN,
        actor=actor,
        note=reason or _("Withdrawn by the applicant."),
        verb="withdrawn",
        extra_update_fields=("decision_reason",),
    )


# --- quarterly assessment --------------------------------------------------------------------------

HUNDRED = Decimal(100)


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    ensure(1 <= quarter <= 4, _("The quarter must be 1 to 4."))
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    return start, start + relativedelta(months=3) - datetime.timedelta(days=1)


def _assessment_inputs(station_ids: list[int], start: datetime.date, end: datetime.date):
    """The contract selectors of tickets (the quarter's ticket figures) and inspections (latest scores)."""
    tickets_inputs = providers.provider("assessment_inputs")(station_ids=station_ids, start=start, end=end)
    inspection_scores = providers.provider("latest_inspection_scores")(station_ids=station_ids, on=end)
    return tickets_inputs, inspection_scores


def assessment_components(*, ticket_inputs: dict | None, inspection_score) -> dict[str, Decimal]:
    """Each component on a 0–100 scale; a missing input counts as the neutral score (setting)."""
    neutral = Decimal(str(setting("ASSESSMENT_NEUTRAL_SCORE")))
    ticket_inputs = ticket_inputs or {}
    satisfaction = ticket_inputs.get("callback_avg_satisfaction")
    sla = ticket_inputs.get("sla_compliance")
    repeat = ticket_inputs.get("repeat_repair_rate")
    return {
        "inspection": Decimal(str(inspection_score)) if inspection_score is not None else neutral,
        "satisfaction": (Decimal(str(satisfaction)) - 1) / 4 * HUNDRED if satisfaction is not None else neutral,
        "sla": Decimal(str(sla)) * HUNDRED if sla is not None else neutral,
        "first_time_fix": (1 - Decimal(str(repeat))) * HUNDRED if repeat is not None else neutral,
    }


def assessment_total(components: dict[str, Decimal]) -> Decimal:
    weights = setting("ASSESSMENT_WEIGHTS")
    total = sum((components[k] * Decimal(weights[k]) for k in weights), Decimal(0)) / HUNDRED
    return total.quantize(Decimal("0.1"))


def _tier_by_rank() -> list[TierRequirement]:
    return list(TierRequirement.objects.order_by("rank"))


def _suggest(*, station: Station, total: Decimal, previous: Assessment | None, certified: int, coordinators: int):
    thresholds = setting("ASSESSMENT_THRESHOLDS")
    ladder = _tier_by_rank()
    index = next((i for i, t in enumerate(ladder) if t.tier == station.tier), None)
    if total < thresholds["revocation"]:
        return Assessment.Suggestion.REVOCATION, ""
    if total < thresholds["downgrade"]:
        if index:
            return Assessment.Suggestion.DOWNGRADE, ladder[index - 1].tier
        return Assessment.Suggestion.REVOCATION, ""
    if (
        total >= thresholds["upgrade"]
        and previous is not None
        and previous.total >= thresholds["upgrade"]
        and index is not None
        and index + 1 < len(ladder)
    ):
        higher = ladder[index + 1]
        if certified >= higher.min_engineers and coordinators >= higher.min_coordinators:
            return Assessment.Suggestion.UPGRADE, higher.tier
    return Assessment.Suggestion.NONE, ""


@transaction.atomic
def assessment_run(*, year: int, quarter: int, actor) -> list[Assessment]:
    """Score every active or suspended station for the quarter; repeatable (decided rows stay as they are)."""
    roles.require(actor, "stations.assessments.run")
    start, end = quarter_bounds(year, quarter)
    stations = list(Station.objects.filter(status__in=[Station.Status.ACTIVE, Station.Status.SUSPENDED]).order_by("pk"))
    ids = [s.pk for s in stations]
    ticket_inputs, inspection_scores = _assessment_inputs(ids, start, end)
    certified = selectors.certified_engineer_counts(station_ids=ids, on=end)
    coordinators = dict(
        User.objects.filter(station_id__in=ids, groups__name=roles.COORDINATOR, is_active=True)
        .values("station_id")
        .annotate(n=models_count("pk"))
        .values_list("station_id", "n")
    )
    prev_year, prev_quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    previous = {
        a.station_id: a for a in Assessment.objects.filter(year=prev_year, quarter=prev_quarter, station_id__in=ids)
    }
    existing = {a.station_id: a for a in Assessment.objects.select_for_update().filter(year=year, quarter=quarter)}
    results = []
    for station in stations:
        current = existing.get(station.pk)
        if current is not None and current.status in (Assessment.Status.APPROVED, Assessment.Status.REJECTED):
            results.append(current)
            continue
        inputs = ticket_inputs.get(station.pk)
        components = assessment_components(ticket_inputs=inputs, inspection_score=inspection_scores.get(station.pk))
        total = assessment_total(components)
        suggestion, suggested_tier = _suggest(
            station=station,
            total=total,
            previous=previous.get(station.pk),
            certified=certified.get(station.pk, 0),
            coordinators=coordinators.get(station.pk, 0),
        )
        values = {
            "inspection_score": components["inspection"].quantize(Decimal("0.1")),
            "satisfaction_score": components["satisfaction"].quantize(Decimal("0.1")),
            "sla_score": components["sla"].quantize(Decimal("0.1")),
            "first_time_fix_score": components["first_time_fix"].quantize(Decimal("0.1")),
            "total": total,
            "upheld_complaints": int((inputs or {}).get("upheld_complaints") or 0),
            "inputs": {
                "tickets": {k: (str(v) if v is not None else None) for k, v in (inputs or {}).items()},
                "inspection": str(inspection_scores[station.pk]) if station.pk in inspection_scores else None,
            },
            "tier_at_assessment": station.tier,
            "suggestion": suggestion,
            "suggested_tier": suggested_tier,
            "status": Assessment.Status.NO_ACTION
            if suggestion == Assessment.Suggestion.NONE
            else Assessment.Status.PENDING,
        }
        assessment, created = Assessment.objects.update_or_create(
            station=station, year=year, quarter=quarter, defaults=values
        )
        if created:
            audit_record(
                obj=assessment, verb="assessed", actor=actor, to_state=assessment.status, data={"total": str(total)}
            )
        results.append(assessment)
    return results


def models_count(field: str):
    from django.db.models import Count

    return Count(field, distinct=True)


@transaction.atomic
def assessment_decide(*, assessment: Assessment, actor, approve: bool, note: str = "") -> Assessment:
    """HQ approves (the tier changes / the station is suspended for revocation review) or rejects a suggestion."""
    roles.require(actor, "stations.assessments.decide")
    assessment = Assessment.objects.select_for_update().select_related("station").get(pk=assessment.pk)
    if not approve:
        ensure(bool(note.strip()), _("Please give a reason."))
    assessment.decided_by, assessment.decided_at, assessment.decision_note = actor, timezone.now(), note
    apply_transition(
        assessment,
        to=Assessment.Status.APPROVED if approve else Assessment.Status.REJECTED,
        actor=actor,
        note=note,
        verb="approved" if approve else "rejected",
        extra_update_fields=("decided_by", "decided_at", "decision_note"),
    )
    if approve:
        reason = note or _("Quarterly assessment %(year)sQ%(q)s: %(total)s") % {
            "year": assessment.year,
            "q": assessment.quarter,
            "total": assessment.total,
        }
        if assessment.suggestion in (Assessment.Suggestion.UPGRADE, Assessment.Suggestion.DOWNGRADE):
            station_change_tier(
                station=assessment.station, to_tier=assessment.suggested_tier, actor=actor, reason=reason
            )
        elif (
            assessment.suggestion == Assessment.Suggestion.REVOCATION
            and assessment.station.status == Station.Status.ACTIVE
        ):
            station_transition(
                station=assessment.station, to=Station.Status.SUSPENDED, actor=actor, note=reason, verb="suspend"
            )
    return assessment
