"""Replenishment requests: a station asks for stock with suggested quantities; HQ approves into a shipment in one
action (spare machines are picked by serial from HQ's shelf) or rejects with a note."""

from django.db import transaction
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import audit_record, ensure

from ..models import Replenishment, ReplenishmentLine, SerialUnit
from ..selectors import replenishment_suggestions
from .journal import Kind, _item, _lock_station, _positive_int, location_get
from .returns import _decided
from .shipments import shipment_create

MAX_LINES = 30


@transaction.atomic
def replenishment_request(*, station, lines: list[dict], actor, note: str = "") -> Replenishment:
    """The station asks HQ for ``lines`` (``item_id``, ``quantity``). One pending request per station: a second
    is refused until HQ has decided the first (a double submit books once)."""
    roles.require(actor, "spares.replenish", station)
    from stations.models import Station

    station = _lock_station(station)  # serialises the one-pending check below
    ensure(station.status == Station.Status.ACTIVE, _("Only active stations can ask for stock."), "station")
    pending = Replenishment.objects.filter(station=station, status=Replenishment.Status.PENDING).first()
    ensure(
        pending is None,
        _("The station already has a replenishment request waiting for HQ (#%(id)s).")
        % {"id": pending.pk if pending else ""},
    )
    ensure(bool(lines), _("Ask for at least one item."), "lines")
    ensure(len(lines) <= MAX_LINES, _("At most %(n)s lines per request.") % {"n": MAX_LINES}, "lines")
    wanted: dict = {}
    for raw in lines:
        item = _item(raw.get("item_id"))
        ensure(item.pk not in wanted, _("%(item)s is listed twice.") % {"item": item.name}, "lines")
        wanted[item.pk] = (item, _positive_int(raw.get("quantity")))
    suggested = {row["item"].pk: row["suggested"] for row in replenishment_suggestions(station=station)["rows"]}
    replenishment = Replenishment.objects.create(station=station, note=(note or "").strip()[:200], requested_by=actor)
    ReplenishmentLine.objects.bulk_create(
        [
            ReplenishmentLine(replenishment=replenishment, item=item, quantity=qty, suggested=suggested.get(pk, 0))
            for pk, (item, qty) in wanted.items()
        ]
    )
    audit_record(obj=replenishment, verb="requested", actor=actor, note=replenishment.note)
    return replenishment


def _hq_serials(item, count: int) -> list[str]:
    """``count`` spare machines of ``item`` on HQ's shelf, oldest serial first; rows another approval is
    shipping right now are skipped, so two approvals at once never pick the same machine."""
    serials = list(
        SerialUnit.objects.select_for_update(skip_locked=True)
        .filter(item=item, location=location_get(kind=Kind.HQ))
        .order_by("serial")
        .values_list("serial", flat=True)[:count]
    )
    ensure(
        len(serials) == count,
        _("HQ has %(available)s of %(item)s on the shelf, %(wanted)s wanted.")
        % {"available": len(serials), "item": item.name, "wanted": count},
        "quantity",
    )
    return serials


@transaction.atomic
def replenishment_decide(
    *, replenishment: Replenishment, approve: bool, actor, note: str = "", quantities: dict | None = None
) -> Replenishment:
    """HQ's decision. Approving ships the requested quantities (or HQ's ``quantities``: line id → units, 0 drops
    a line) through ``shipment_create``, so the stock limit and HQ's stock apply; a refusal there leaves the
    request pending. Rejecting needs a note."""
    roles.require(actor, "spares.ship", replenishment)
    replenishment = (
        Replenishment.objects.select_for_update(of=("self",)).select_related("station").get(pk=replenishment.pk)
    )
    ensure(replenishment.status == Replenishment.Status.PENDING, _("This request has already been decided."))
    if approve:
        lines = list(replenishment.lines.select_related("item").order_by("pk"))
        shipping = []
        for line in lines:
            raw = line.quantity if quantities is None else quantities.get(line.pk, quantities.get(str(line.pk), 0))
            line.shipped = 0 if raw in (0, "0") else _positive_int(raw)
            if not line.shipped:
                continue
            if line.item.serial_tracked:
                shipping.append({"item_id": line.item_id, "serials": _hq_serials(line.item, line.shipped)})
            else:
                shipping.append({"item_id": line.item_id, "quantity": line.shipped})
        ensure(bool(shipping), _("Ship at least one line, or reject the request."), "quantity")
        replenishment.shipment = shipment_create(
            station=replenishment.station,
            lines=shipping,
            actor=actor,
            note=_("Replenishment request #%(id)s") % {"id": replenishment.pk},
        )
        ReplenishmentLine.objects.bulk_update(lines, ["shipped"])
    return _decided(replenishment, approve=approve, actor=actor, note=note, fields=("shipment",))
