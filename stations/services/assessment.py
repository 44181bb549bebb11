"""Quarterly assessment: component scores, totals, tier suggestions and HQ's decision."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import User
from repairnet.services import apply_transition, audit_record, ensure, setting

from .. import providers, selectors
from ..models import (
    Assessment,
    Station,
    TierRequirement,
)
from .state import station_change_tier, station_transition

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


def assessment_total(components: dict[str, Decimal], weights: dict | None = None) -> Decimal:
    weights = weights or setting("ASSESSMENT_WEIGHTS")
    total = sum((components[k] * Decimal(weights[k]) for k in weights), Decimal(0)) / HUNDRED
    return total.quantize(Decimal("0.1"))


def _tier_by_rank(on: datetime.date) -> list[TierRequirement]:
    return sorted(selectors.tier_requirements(on=on).values(), key=lambda t: t.rank)


def _site_meets(station: Station, requirement: TierRequirement) -> bool:
    """The tier's site and equipment requirements, from the station's application (its recorded site facts); a
    station with no recorded site cannot show it meets them."""
    application = getattr(station, "application", None)
    if application is None:
        return False
    checks = selectors.hard_requirement_checks(application=application, tier=requirement.tier, requirement=requirement)
    return all(c["passed"] for c in checks if c["key"] in ("site", "equipment"))


def _suggest(
    *,
    station: Station,
    total: Decimal,
    previous: Assessment | None,
    certified: int,
    coordinators: int,
    thresholds: dict,
    ladder: list[TierRequirement],
):
    """SPEC 1.4: revocation review below 40 at every tier; downgrade below 60 (none below the lowest tier);
    upgrade at 85 for two quarters when every hard requirement of the higher tier is met (staff, site, equipment).
    ``thresholds`` and ``ladder`` are the rules in force on the quarter's last day."""
    index = next((i for i, t in enumerate(ladder) if t.tier == station.tier), None)
    if total < thresholds["revocation"]:
        return Assessment.Suggestion.REVOCATION, ""
    if total < thresholds["downgrade"]:
        if index:
            return Assessment.Suggestion.DOWNGRADE, ladder[index - 1].tier
        return Assessment.Suggestion.NONE, ""
    if (
        total >= thresholds["upgrade"]
        and previous is not None
        and previous.total >= thresholds["upgrade"]
        and index is not None
        and index + 1 < len(ladder)
    ):
        higher = ladder[index + 1]
        staffed = certified >= higher.min_engineers and coordinators >= higher.min_coordinators
        if staffed and _site_meets(station, higher):
            return Assessment.Suggestion.UPGRADE, higher.tier
    return Assessment.Suggestion.NONE, ""


@transaction.atomic
def assessment_run(*, year: int, quarter: int, actor) -> list[Assessment]:
    """Score every active or suspended station for the quarter; repeatable (decided rows stay as they are)."""
    roles.require(actor, "stations.assessments.run")
    start, end = quarter_bounds(year, quarter)
    stations = list(
        Station.objects.filter(status__in=[Station.Status.ACTIVE, Station.Status.SUSPENDED])
        .select_related("application")
        .order_by("pk")
    )
    ids = [s.pk for s in stations]
    weights, thresholds, ladder = (
        setting("ASSESSMENT_WEIGHTS", on=end),
        setting("ASSESSMENT_THRESHOLDS", on=end),
        _tier_by_rank(end),
    )
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
        total = assessment_total(components, weights)
        suggestion, suggested_tier = _suggest(
            thresholds=thresholds,
            ladder=ladder,
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
