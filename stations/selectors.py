"""Reads of the stations area: certification, directory, applications, assessments, sanctions."""

import datetime
import logging

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import User
from repairnet.phones import phone_or_none
from repairnet.selectors import audit_list_for_object
from repairnet.services import setting

from . import providers
from .models import (
    Application,
    Assessment,
    Certificate,
    CertificateKind,
    RevocationReview,
    Sanction,
    ScreeningCriterion,
    Station,
    Tier,
    TierRequirement,
)

log = logging.getLogger("stations")


def today() -> datetime.date:
    return timezone.localdate()


def _valid_technician_q(prefix: str, on, *, kind: str = CertificateKind.REPAIR_TECHNICIAN) -> Q:
    """The one definition of "a certificate of ``kind`` valid on the day ``on``" (a date or an expression).

    Valid on a day: issued on or before it, expiring on or after it, and not revoked with effect from
    that day or earlier (``revoked_on`` is the first day it is no longer valid). ``prefix`` reaches the
    certificate through a relation (``"users__certificates__"``). Everything that asks "certified on a
    day" — pages, API, tickets and the monthly settlement run — goes through this.
    """
    in_period = Q(**{f"{prefix}kind": kind, f"{prefix}issued_on__lte": on, f"{prefix}expires_on__gte": on})
    not_revoked = Q(**{f"{prefix}revoked_on__isnull": True}) | Q(**{f"{prefix}revoked_on__gt": on})
    return in_period & not_revoked


def certified_on(user_ref, day_ref, *, kind: str = CertificateKind.REPAIR_TECHNICIAN) -> Exists:
    """SQL: does the user ``user_ref`` hold a certificate of ``kind`` valid on ``day_ref``?

    Both are expressions of the outer query, e.g. ``certified_on(OuterRef("technician_id"),
    OuterRef("completed_day"))``; a plain date works for ``day_ref`` too.
    """
    return Exists(Certificate.objects.filter(_valid_technician_q("", day_ref, kind=kind), user_id=user_ref))


def technician_is_certified(*, user, on: datetime.date | None = None) -> bool:
    """Does ``user`` hold a valid repair-technician certificate on ``on`` (today by default)?"""
    if user is None or not getattr(user, "pk", None):
        return False
    on = on or today()
    return Certificate.objects.filter(_valid_technician_q("", on), user_id=user.pk).exists()


def certified_user_ids(*, station_ids, on: datetime.date | None = None) -> set[int]:
    on = on or today()
    return set(
        Certificate.objects.filter(
            _valid_technician_q("", on), user__station_id__in=list(station_ids), user__is_active=True
        ).values_list("user_id", flat=True)
    )


def certified_engineer_counts(*, station_ids, on: datetime.date | None = None) -> dict[int, int]:
    """station_id → number of active users with a valid repair-technician certificate."""
    on = on or today()
    rows = (
        Certificate.objects.filter(
            _valid_technician_q("", on), user__station_id__in=list(station_ids), user__is_active=True
        )
        .values("user__station_id")
        .annotate(n=Count("user_id", distinct=True))
    )
    return {r["user__station_id"]: r["n"] for r in rows}


def application_day(application: Application) -> datetime.date:
    """The date an application is judged by: the rules in force on the day it was submitted."""
    return timezone.localdate(application.created_at) if application.created_at else today()


def tier_requirements(*, on: datetime.date | None = None) -> dict[str, TierRequirement]:
    """Each tier's requirement row in force on ``on`` (default today), highest tier first. A date before a
    tier's first row uses that first row (the rules as they were when the network began)."""
    on = on or today()
    chosen: dict[str, TierRequirement] = {}
    for row in TierRequirement.objects.order_by("tier", "effective_from"):
        if row.tier not in chosen or row.effective_from <= on:
            chosen[row.tier] = row
    return dict(sorted(chosen.items(), key=lambda item: -item[1].rank))


def tier_requirement(tier: str, *, on: datetime.date | None = None) -> TierRequirement | None:
    return tier_requirements(on=on).get(tier)


def screening_criteria(*, on: datetime.date | None = None) -> list[ScreeningCriterion]:
    """The screening lines in force on ``on`` (default today); a date before the first lines uses those."""
    on = on or today()
    rows = list(ScreeningCriterion.objects.order_by("order", "pk"))
    first = min((row.effective_from for row in rows), default=on)
    on = max(on, first)
    return [r for r in rows if r.effective_from <= on and (r.retired_on is None or r.retired_on > on)]


# --- stations ---------------------------------------------------------------------------------


def station_list_for(*, user):
    """Directory: visible stations with their regions and certified-engineer count, constant queries.

    Filtered by ``filters.StationFilter``, the same on the page and in the API.
    """
    on = today()
    certified = Certificate.objects.filter(_valid_technician_q("", on), user__station=OuterRef("pk"))
    qs = (
        Station.objects.all()
        .prefetch_related("regions__parent__parent")
        .annotate(
            certified_engineers=Count(
                "users__certificates__user",
                filter=_valid_technician_q("users__certificates__", on) & Q(users__is_active=True),
                distinct=True,
            ),
            has_certified=Exists(certified),
        )
        .order_by("code")
    )
    return roles.scope_queryset(user, qs, station_field="pk")


def station_staff(*, station):
    on = today()
    return (
        User.objects.filter(station=station)
        .select_related("staff_profile")
        .prefetch_related(
            "groups",
            Prefetch("certificates", queryset=Certificate.objects.order_by("-issued_on")),
        )
        .annotate(is_certified=Exists(Certificate.objects.filter(_valid_technician_q("", on), user=OuterRef("pk"))))
        .order_by("-is_active", "last_name", "first_name", "pk")
    )


def station_deposit_balance(*, station):
    """Deposit held, from the spares ledger."""
    return providers.provider("deposit_balance")(station=station)


def station_open_tickets(*, station, limit: int = 10):
    """The station's open tickets, newest first (tickets decides what is open)."""
    return providers.provider("open_tickets")(station=station, limit=limit)


def station_latest_inspection(*, station):
    """The station's latest inspection score (inspections), None when it has never been inspected."""
    return providers.provider("latest_inspection_scores")(station_ids=[station.pk], on=today()).get(station.pk)


def station_last_statement(*, station, user):
    """The station's latest monthly statement (settlement), None when it never had one."""
    return providers.provider("station_statements")(user=user, station_id=station.pk).first()


EXIT_TICKETS_SHOWN = 5


def station_exit_blockers(*, station, user) -> list[str]:
    """What still keeps the station from exiting (SPEC 1.2), one sentence each; empty when it may exit.

    All HQ stock back at HQ — none at the station's stock, in transit or on loan (spares decides); no open
    ticket (tickets decides what is open); its last statement paid (settlement; a station that never had
    one passes). The exit service refuses with these, the station page lists them for HQ."""
    blockers = []
    held = providers.provider("stock_outstanding")(station=station)
    if held:
        items = "、".join(
            _("%(item)s × %(quantity)s (%(where)s)")
            % {"item": r["item"], "quantity": r["quantity"], "where": r["where"]}
            for r in held
        )
        blockers.append(_("HQ stock is not all back: %(items)s.") % {"items": items})
    tickets = providers.provider("open_tickets")(station=station, limit=EXIT_TICKETS_SHOWN + 1)
    if tickets:
        numbers = "、".join(t.number for t in tickets[:EXIT_TICKETS_SHOWN])
        if len(tickets) > EXIT_TICKETS_SHOWN:
            numbers += "…"
        blockers.append(_("Tickets are still open: %(tickets)s.") % {"tickets": numbers})
    statement = station_last_statement(station=station, user=user)
    if statement is not None and statement.status != type(statement).Status.PAID:
        blockers.append(
            _("The last statement (%(month)s) is not paid: it is %(status)s.")
            % {"month": statement.month_label, "status": statement.get_status_display()}
        )
    return blockers


def station_exit_event(*, station):
    """The audit row of the station's exit (who, when, why, the refund), None unless it exited."""
    return (
        audit_list_for_object(obj=station)
        .filter(verb="exit", to_state=Station.Status.EXITED)
        .order_by("-at", "-pk")
        .first()
    )


def dispatchable_stations():
    """Stations that may receive a new repair ticket: active (suspended, revoked or exited ones get no new
    dispatches) and authorised to repair (repair scope, not an accessory point). The one rule behind the
    dispatch suggestions, the override list and the dispatch service, on the page and in the API.
    ``tier_rank`` is the tier's rank from its requirements (higher tier, higher rank)."""
    return (
        Station.objects.filter(status=Station.Status.ACTIVE, scope_simple_repair=True)
        .exclude(tier=Tier.ACCESSORY_POINT)
        .annotate(
            tier_rank=Subquery(
                TierRequirement.objects.filter(tier=OuterRef("tier")).order_by("-effective_from").values("rank")[:1]
            )
        )
    )


def station_is_dispatchable(*, station) -> bool:
    return dispatchable_stations().filter(pk=station.pk).exists()


# --- applications -----------------------------------------------------------------------------


def application_list():
    return Application.objects.select_related("region__parent__parent", "station").order_by("-created_at", "-pk")


def application_for_applicant(*, reference: str, phone: str) -> Application | None:
    """Applicants see only their own application: reference and contact phone must both match (the phone as
    typed, in any format: it is compared in E.164)."""
    reference, phone = (reference or "").strip().upper(), phone_or_none(phone)
    if not reference or not phone:
        return None
    return Application.objects.filter(reference=reference, contact_phone=phone).first()


def hard_requirement_checks(*, application: Application, tier: str, requirement: TierRequirement | None = None):
    """Pass/fail lines of the tier's hard requirements, computed from the application data; ``key`` groups them
    (coordinators, engineers, site, equipment, declaration)."""
    from django.utils.translation import gettext as _

    req = requirement or tier_requirement(tier, on=application_day(application))
    a = application
    checks = [
        (
            "coordinators",
            _("Coordinators"),
            req.min_coordinators,
            a.coordinators,
            a.coordinators >= req.min_coordinators,
        ),
        ("engineers", _("Certified engineers"), req.min_engineers, a.engineers, a.engineers >= req.min_engineers),
        ("site", _("Repair area (m²)"), req.min_repair_area, a.repair_area, a.repair_area >= req.min_repair_area),
        ("site", _("Storage area (m²)"), req.min_storage_area, a.storage_area, a.storage_area >= req.min_storage_area),
    ]
    if req.requires_repair_equipment:
        equipment = [a.has_repair_tools, a.has_computer, a.has_instruments, a.has_service_phone]
        label = _("Repair equipment (tools, computer, instruments, phone)")
        checks.append(("equipment", label, 4, sum(equipment), all(equipment)))
    else:
        checks.append(("equipment", _("Service telephone"), 1, int(a.has_service_phone), a.has_service_phone))
    declared = a.declares_no_counterfeit
    checks.append(("declaration", _("No-counterfeit declaration"), 1, int(declared), declared))
    return [{"key": c[0], "label": c[1], "required": c[2], "actual": c[3], "passed": bool(c[4])} for c in checks]


def tier_eligibility(*, application: Application) -> list[dict]:
    """For each tier (highest first): hard-requirement checks, the score threshold, eligible or not."""
    score = application.total_score
    rows = []
    for req in tier_requirements(on=application_day(application)).values():
        checks = hard_requirement_checks(application=application, tier=req.tier, requirement=req)
        hard_ok = all(c["passed"] for c in checks)
        score_ok = score is not None and score >= req.min_score
        rows.append(
            {
                "tier": req.tier,
                "requirement": req,
                "checks": checks,
                "hard_ok": hard_ok,
                "score_ok": score_ok,
                "eligible": hard_ok and score_ok,
            }
        )
    return rows


def recommended_tier(*, application: Application) -> str:
    for row in tier_eligibility(application=application):
        if row["eligible"]:
            return row["tier"]
    return ""


# --- assessments and sanctions ----------------------------------------------------------------


def assessment_list(*, user):
    return roles.scope_queryset(user, Assessment.objects.select_related("station", "decided_by"))


def sanction_list(*, user):
    return roles.scope_queryset(
        user, Sanction.objects.select_related("station", "rule", "raised_by", "decided_by", "revocation_review")
    )


def revocation_review_list(*, user):
    """Revocation reviews the user may see: HQ all, a coordinator its own station's (open first, then newest)."""
    qs = RevocationReview.objects.select_related("station", "sanction__rule", "decided_by")
    open_first = Case(When(status=RevocationReview.Status.OPEN, then=Value(0)), default=Value(1))
    return roles.scope_queryset(user, qs).order_by(open_first, "-opened_at", "-pk")


def certificate_list(*, user):
    qs = Certificate.objects.select_related("user__station")
    return roles.scope_queryset(user, qs, station_field="user__station")


def _month_end(year: int, month: int) -> datetime.datetime:
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return timezone.make_aware(datetime.datetime.combine(nxt, datetime.time.min))


def sanction_source_refs(*, rule_code: str, source_refs) -> set[str]:
    """Which of ``source_refs`` already have a record of ``rule_code`` (jobs raise each period's record once)."""
    return set(
        Sanction.objects.filter(rule__code=rule_code, source_ref__in=list(source_refs)).values_list(
            "source_ref", flat=True
        )
    )


def sanctions_for_settlement(*, station_ids, year: int, month: int):
    """Approved, not-yet-settled reward/penalty records decided up to the end of that month.

    Rows carry ``station_id``, ``amount`` (signed: + reward, − penalty), ``rule`` (its str is the
    label) and ``id``. A record approved after the month waits for the next month's settlement.
    """
    return (
        Sanction.objects.filter(
            station_id__in=list(station_ids),
            status=Sanction.Status.APPROVED,
            settled_ref="",
            decided_at__lt=_month_end(year, month),
        )
        .select_related("rule")
        .order_by("station_id", "decided_at", "pk")
    )


def hq_dashboard_counts() -> dict:
    on = today()
    return {
        "open_applications": Application.objects.filter(status__in=Application.OPEN_STATES).count(),
        "understaffed": Station.objects.filter(status=Station.Status.ACTIVE, understaffed_since__isnull=False).count(),
        "expiring": Certificate.objects.filter(
            status=Certificate.Status.VALID,
            expires_on__gte=on,
            expires_on__lte=on + datetime.timedelta(days=setting("CERT_EXPIRY_WARNING_DAYS")),
        ).count(),
        "pending_assessments": Assessment.objects.filter(status=Assessment.Status.PENDING).count(),
        "open_revocation_reviews": RevocationReview.objects.filter(status=RevocationReview.Status.OPEN).count(),
    }
