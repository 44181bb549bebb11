"""Station staffing and state: the understaffed flag, status moves, tier changes, daily sweeps."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import User
from repairnet.money import ZERO, format_cny
from repairnet.services import InvalidTransition, apply_transition, audit_record, ensure, setting

from .. import providers, selectors
from ..models import (
    Certificate,
    Station,
    Tier,
    TierChange,
)

# --- station staffing and state --------------------------------------------------------------------


@transaction.atomic
def station_staffing_refresh(*, station: Station, on: datetime.date | None = None) -> Station:
    """Flag the station (with the date) when its certified engineers fall below its tier's minimum; clear when fixed."""
    on = on or selectors.today()
    station = Station.objects.select_for_update().get(pk=station.pk)
    requirement = selectors.tier_requirement(station.tier, on=on)
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


def station_revoke_through_suspension(*, station, actor, note) -> Station:
    """Revoke whatever the station's state allows: an active station is suspended first, then revoked (the state
    machine has no direct move), each move with its audit row. A station already revoked or exited is left."""
    if station.status == Station.Status.ACTIVE:
        station = station_suspend(station=station, actor=actor, note=note)
    if station.status == Station.Status.SUSPENDED:
        station = station_revoke(station=station, actor=actor, note=note)
    return station


@transaction.atomic
def station_exit(
    *, station, actor, note: str, refunded_on: datetime.date | None = None, bank_reference: str = ""
) -> Station:
    """An active station leaves the network (SPEC 1.2) once nothing holds it: all HQ stock is back (spares),
    no ticket is open (tickets) and its last statement is paid (settlement; none yet is fine).

    Refused with every blocker named (``selectors.station_exit_blockers``). Otherwise the whole deposit balance
    is refunded in the spares ledger (one ``refund`` entry with the day it was paid out and the bank reference,
    which is then required; the balance is 0.00 after) and the station becomes exited, the audit row holding
    what the exit confirmation prints."""
    roles.require(actor, "stations.manage", station)
    refund = providers.provider("deposit_refund")
    balance_of = providers.provider("deposit_balance")
    station = Station.objects.select_for_update().get(pk=station.pk)
    if Station.Status.EXITED not in Station.TRANSITIONS.get(station.status, ()):
        raise InvalidTransition(station, station.status, Station.Status.EXITED)
    ensure(bool((note or "").strip()), _("Please give a reason."), code="reason_required")
    blockers = selectors.station_exit_blockers(station=station, user=actor)
    if blockers:
        raise ValidationError(
            _("Station %(code)s cannot exit yet: %(blockers)s")
            % {"code": station.code, "blockers": " ".join(blockers)},
            code="exit_blocked",
        )
    bank_reference = (bank_reference or "").strip()
    balance = balance_of(station=station)
    errors = {}
    if refunded_on is not None and refunded_on > selectors.today():
        errors["refunded_on"] = [_("The refund date may not be in the future.")]
    if balance > ZERO and not bank_reference:
        errors["bank_reference"] = [
            _("Give the bank reference of the deposit refund (%(amount)s).") % {"amount": format_cny(balance)}
        ]
    if errors:
        raise ValidationError(errors)
    entry = refund(
        station=station,
        actor=actor,
        note=_("Deposit refunded on exit: %(reason)s") % {"reason": note.strip()},
        paid_on=refunded_on,
        bank_reference=bank_reference,
    )
    statement = selectors.station_last_statement(station=station, user=actor)
    data = {
        "refund": str(entry.amount if entry is not None else ZERO),
        "refund_entry": entry.pk if entry is not None else None,
        "refunded_on": entry.paid_on.isoformat() if entry is not None else "",
        "bank_reference": bank_reference if entry is not None else "",
        "last_statement": statement.month_label if statement is not None else "",
    }
    return apply_transition(station, to=Station.Status.EXITED, actor=actor, note=note, verb="exit", data=data)


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
