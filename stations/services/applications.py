"""Applications: submission, review steps, approval into a station, rejection, withdrawal."""

import datetime
import secrets
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import Region, User
from repairnet.money import quantize
from repairnet.phones import phone_normalise, phone_or_none
from repairnet.services import apply_transition, audit_record, ensure
from repairnet.uploads import validate_document, validate_photo

from .. import providers, selectors
from ..models import (
    Application,
    Position,
    ScreeningScore,
    SiteVisitPhoto,
    StaffProfile,
    Station,
    Tier,
    TierChange,
)
from .state import station_staffing_refresh

# --- applications ----------------------------------------------------------------------------------

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _new_reference() -> str:
    day = timezone.localdate().strftime("%Y%m%d")
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(5))
    return f"SQ{day}{suffix}"


@transaction.atomic
def application_submit(*, data: dict, business_licence, financial_report) -> Application:
    """Public: store a new application with its two documents; returns it with its reference number."""
    errors = {}
    for name, upload in (("business_licence", business_licence), ("financial_report", financial_report)):
        try:
            validate_document(upload)
        except ValidationError as exc:
            errors[name] = exc.messages
    values = {k: data[k] for k in Application.APPLICANT_FIELDS if k in data}
    try:
        values["contact_phone"] = phone_normalise(values.get("contact_phone", ""), field="contact_phone")
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
    criteria = selectors.screening_criteria(on=selectors.application_day(application))
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


def _deposit_handoff(
    *,
    station: Station,
    amount: Decimal,
    actor,
    note: str,
    paid_on: datetime.date | None = None,
    bank_reference: str | None = None,
) -> None:
    """Record the deposit received in the spares ledger (a ledger entry, not a field), in the approval's
    transaction: the amount, the day it was received and the bank reference."""
    providers.provider("deposit_record")(
        station=station,
        kind="paid",
        amount=amount,
        actor=actor,
        note=note,
        paid_on=paid_on,
        bank_reference=bank_reference,
    )


def _deposit_received(*, amount, paid_on: datetime.date | None, reference: str | None, required: Decimal) -> tuple:
    """The deposit HQ says it received on approval, checked on the approval's own field names."""
    errors = {}
    if amount is None or amount == "":
        amount = required
    try:
        amount = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        errors["deposit_amount"] = [_("Enter an amount in yuan, e.g. 5000.00.")]
    elif amount != quantize(amount):
        errors["deposit_amount"] = [_("Money amounts have at most 2 decimal places.")]
    elif amount <= 0:
        errors["deposit_amount"] = [_("The deposit received must be greater than zero.")]
    if paid_on is not None and paid_on > selectors.today():
        errors["deposit_paid_on"] = [_("The payment date may not be in the future.")]
    if reference is not None:
        reference = reference.strip()
        if not reference:
            errors["deposit_reference"] = [_("Give the bank reference of the deposit received.")]
        elif len(reference) > 64:
            errors["deposit_reference"] = [_("At most 64 characters.")]
    if errors:
        raise ValidationError(errors)
    return quantize(amount), paid_on, reference


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
    deposit_amount: Decimal | str | None = None,
    deposit_paid_on: datetime.date | None = None,
    deposit_reference: str | None = None,
) -> Application:
    """Final decision: approve → active station with code, tier, regions, scope, deposit and coordinator.

    The deposit is the money HQ received: ``deposit_amount`` on ``deposit_paid_on`` (today when not given)
    with the bank's ``deposit_reference``, booked as the ``paid`` entry of the spares ledger. The page and the
    API ask for all three (an empty reference is refused); a caller giving none (``None``: other areas'
    fixtures) books the tier's required deposit without a reference."""
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
    deposit_amount, deposit_paid_on, deposit_reference = _deposit_received(
        amount=deposit_amount,
        paid_on=deposit_paid_on,
        reference=deposit_reference,
        required=quantize(row["requirement"].deposit),
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
        phone=phone_or_none(application.contact_phone) or "",  # "" for a number no migration could read
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
            phone=phone_or_none(application.contact_phone) or "",
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
    _deposit_handoff(
        station=station,
        amount=deposit_amount,
        actor=actor,
        note=_("Deposit paid on approval of %(ref)s") % {"ref": application.reference},
        paid_on=deposit_paid_on,
        bank_reference=deposit_reference,
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
        data={
            "station": station.code,
            "tier": tier,
            "coordinator": coordinator.username,
            "deposit": str(deposit_amount),
            "deposit_reference": deposit_reference or "",
        },
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
def application_withdraw(*, application: Application, actor, reason: str = "") -> Application:
    """HQ withdraws an application before the decision."""
    roles.require(actor, "stations.applications.review")
    return _withdraw(application=application, actor=actor, reason=reason)


def application_withdraw_by_applicant(*, reference: str, phone: str, reason: str = "") -> Application:
    """The applicant withdraws, proving who they are by the reference number and the contact phone."""
    application = selectors.application_for_applicant(reference=reference, phone=phone)
    ensure(application is not None, _("No application matches this reference number and phone."), "not_found")
    return _withdraw(application=application, actor=None, reason=reason or _("Withdrawn by the applicant."))


def _withdraw(*, application: Application, actor, reason: str) -> Application:
    application = _lock(application)
    application.decision_reason = reason
    return apply_transition(
        application,
        to=Application.Status.WITHDRAWN,
        actor=actor,
        note=reason,
        verb="withdrawn",
        extra_update_fields=("decision_reason",),
    )
