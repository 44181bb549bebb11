"""Reads of the spares area: deposit balances, stock and its value, charges for settlement, ageing."""

import datetime
import math
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Case, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from repairnet import roles
from repairnet.money import ZERO, quantize
from stations.selectors import tier_requirements

from .models import (
    DepositEntry,
    Item,
    ItemPrice,
    Location,
    Movement,
    Obligation,
    Replenishment,
    SerialUnit,
    Shipment,
    StockBalance,
    StocktakeProposal,
    WriteOff,
)

TURNOVER_WINDOW_DAYS = 90
TURNOVER_TARGET_DAYS = 15


# --------------------------------------------------------------------------------------------------
# Prices and deposits
# --------------------------------------------------------------------------------------------------


def item_prices(*, on: datetime.date | None = None) -> dict[int, tuple[Decimal, Decimal]]:
    """item_id → (unit cost, retail price) effective on ``on`` (today by default). One query."""
    on = on or timezone.localdate()
    latest = ItemPrice.objects.filter(item=OuterRef("item"), effective_from__lte=on).order_by("-effective_from")
    rows = ItemPrice.objects.filter(pk=Subquery(latest.values("pk")[:1])).values_list(
        "item_id", "unit_cost", "retail_price"
    )
    return {item_id: (cost, retail) for item_id, cost, retail in rows}


def item_unit_cost(*, item: Item, on: datetime.date | None = None) -> Decimal:
    on = on or timezone.localdate()
    price = item.prices.filter(effective_from__lte=on).order_by("-effective_from").first()
    return price.unit_cost if price else ZERO


def deposit_balance(*, station) -> Decimal:
    total = DepositEntry.objects.filter(station=station).aggregate(
        total=Coalesce(Sum("signed_amount"), Value(ZERO), output_field=DecimalField(max_digits=12, decimal_places=2))
    )["total"]
    return quantize(total)


def deposit_balances(*, station_ids) -> dict[int, Decimal]:
    rows = (
        DepositEntry.objects.filter(station_id__in=list(station_ids))
        .values("station_id")
        .annotate(t=Sum("signed_amount"))
    )
    return {r["station_id"]: quantize(r["t"]) for r in rows}


def required_deposit(*, station) -> Decimal:
    """The deposit the station's tier requires: stations' rule (its admin-editable tier requirements, SPEC 1.1)."""
    return quantize(tier_requirements()[station.tier].deposit)


# --------------------------------------------------------------------------------------------------
# Stock
# --------------------------------------------------------------------------------------------------


def stock_value_held(*, station) -> Decimal:
    """Cost value of HQ-owned stock the station holds: its stock, in transit to it, on loan."""
    prices = item_prices()
    rows = StockBalance.objects.filter(
        location__station=station, location__kind__in=Location.VALUED_KINDS, on_hand__gt=0
    ).values_list("item_id", "on_hand")
    return quantize(sum((prices.get(item_id, (ZERO, ZERO))[0] * qty for item_id, qty in rows), ZERO))


def stock_outstanding(*, station) -> list[dict]:
    """HQ stock the station still holds — at its stock, in transit to it, on loan to its customers — which
    must all be back at HQ before the station may exit. One row per (place, item) with a quantity above 0:
    ``item`` (code and name), ``where`` (the place's label) and ``quantity``; empty when all is back."""
    rows = (
        StockBalance.objects.filter(location__station=station, location__kind__in=Location.VALUED_KINDS, on_hand__gt=0)
        .select_related("item", "location")
        .order_by("location__kind", "item__code")
    )
    return [
        {
            "item": f"{row.item.code} {row.item.name}",
            "where": str(row.location.get_kind_display()),
            "quantity": row.on_hand,
        }
        for row in rows
    ]


def stock_for_station(*, station) -> list[dict]:
    """One row per item the station has anything of: on hand, in transit, on loan, defectives, value."""
    prices = item_prices()
    rows = (
        StockBalance.objects.filter(location__station=station, on_hand__gt=0)
        .select_related("item")
        .values_list("item_id", "location__kind", "on_hand")
    )
    per_item: dict[int, dict] = {}
    for item_id, kind, qty in rows:
        row = per_item.setdefault(item_id, defaultdict(int))
        row[kind] += qty
    items = Item.objects.in_bulk(list(per_item))
    result = []
    for item_id, counts in per_item.items():
        cost, retail = prices.get(item_id, (ZERO, ZERO))
        held = sum(counts[k] for k in Location.VALUED_KINDS)
        result.append(
            {
                "item": items[item_id],
                "on_hand": counts[Location.Kind.STATION],
                "in_transit": counts[Location.Kind.TRANSIT],
                "on_loan": counts[Location.Kind.LOAN],
                "defective": counts[Location.Kind.DEFECTIVE],
                "returning": counts[Location.Kind.RETURN_TRANSIT],
                "unit_cost": cost,
                "retail_price": retail,
                "value": quantize(cost * held),
            }
        )
    result.sort(key=lambda r: r["item"].code)
    return result


def stock_overview(*, stations) -> list[dict]:
    """HQ view: per station the cost value held, deposit balance and headroom. Constant query count."""
    stations = list(stations)
    ids = [s.pk for s in stations]
    prices = item_prices()
    value: dict[int, Decimal] = defaultdict(lambda: ZERO)
    units: dict[int, int] = defaultdict(int)
    for station_id, item_id, qty in StockBalance.objects.filter(
        location__station_id__in=ids, location__kind__in=Location.VALUED_KINDS, on_hand__gt=0
    ).values_list("location__station_id", "item_id", "on_hand"):
        value[station_id] += prices.get(item_id, (ZERO, ZERO))[0] * qty
        units[station_id] += qty
    deposits = deposit_balances(station_ids=ids)
    overdue = dict(
        Obligation.objects.filter(station_id__in=ids, status=Obligation.Status.OVERDUE)
        .values("station_id")
        .annotate(n=Sum("quantity"))
        .values_list("station_id", "n")
    )
    rows = []
    for station in stations:
        held = quantize(value[station.pk])
        deposit = deposits.get(station.pk, ZERO)
        rows.append(
            {
                "station": station,
                "units": units[station.pk],
                "value": held,
                "deposit": deposit,
                "headroom": quantize(deposit - held),
                "overdue": overdue.get(station.pk, 0),
            }
        )
    return rows


def stock_expected_for_count(*, station) -> list[dict]:
    """What an inspector should find on the station's shelves: counted items and machines by serial."""
    rows = (
        StockBalance.objects.filter(location__station=station, location__kind=Location.Kind.STATION, on_hand__gt=0)
        .select_related("item")
        .order_by("item__code")
    )
    serials = defaultdict(list)
    for item_id, serial in SerialUnit.objects.filter(
        location__station=station, location__kind=Location.Kind.STATION
    ).values_list("item_id", "serial"):
        serials[item_id].append(serial)
    return [
        {
            "item_id": row.item_id,
            "item_name": row.item.name,
            "serial_tracked": row.item.serial_tracked,
            "quantity": row.on_hand,
            "serials": sorted(serials.get(row.item_id, [])),
        }
        for row in rows
    ]


def stock_parts_for_model(*, station, model_code: str) -> list[dict]:
    """Counted parts and accessories on the station's shelves, each saying whether it fits ``model_code``.

    What a technician may fit at completion (spare machines are lent or swapped, never fitted), with the
    retail price the customer pays out of warranty. Two queries.
    """
    prices = item_prices()
    rows = (
        StockBalance.objects.filter(location__station=station, location__kind=Location.Kind.STATION, on_hand__gt=0)
        .exclude(item__kind=Item.Kind.MACHINE)
        .select_related("item")
        .order_by("item__code")
    )
    return [
        {
            "item": row.item,
            "quantity": row.on_hand,
            "fits": row.item.fits(model_code),
            "retail_price": prices.get(row.item_id, (ZERO, ZERO))[1],
        }
        for row in rows
    ]


def swapped_for_ticket(ticket_ref) -> Exists:
    """SQL: did the ticket ``ticket_ref`` (a ticket id, e.g. ``OuterRef("pk")``) swap a spare machine?

    The one rule for "the ticket swapped": a swap-out movement on it in the journal. Settlement's monthly
    run pays the swap fee by it.
    """
    return Exists(Movement.objects.filter(ticket_id=ticket_ref, type=Movement.Type.SWAP_OUT))


def loans_outstanding(*, station=None):
    qs = SerialUnit.objects.filter(location__kind=Location.Kind.LOAN).select_related("item", "location__station")
    if station is not None:
        qs = qs.filter(location__station=station)
    return qs.order_by("moved_at")


# --------------------------------------------------------------------------------------------------
# Settlement
# --------------------------------------------------------------------------------------------------


def _month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime, datetime.date, datetime.date]:
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min), tz)
    end = timezone.make_aware(datetime.datetime.combine(nxt, datetime.time.min), tz)
    return start, end, first, nxt


def charges_for_settlement(*, station_ids, year: int, month: int) -> list[dict]:
    """Parts charged to stations for a month: overdue defective returns (due in the month and still
    overdue), parts used out of warranty and accessories sold (recorded in the month, not reversed)."""
    from django.utils.translation import gettext as _

    start, end, first, nxt = _month_bounds(year, month)
    station_ids = list(station_ids)
    rows = []
    for ob in (
        Obligation.objects.filter(
            station_id__in=station_ids, status=Obligation.Status.OVERDUE, due_date__gte=first, due_date__lt=nxt
        )
        .select_related("item")
        .order_by("pk")
    ):
        rows.append(
            {
                "station_id": ob.station_id,
                "kind": "overdue_return",
                "amount": quantize(ob.unit_cost * ob.quantity),
                "description": _("Defective %(item)s × %(qty)s not returned by %(due)s (ticket %(ticket)s)")
                % {"item": ob.item.name, "qty": ob.quantity, "due": ob.due_date, "ticket": ob.ticket_number or "-"},
                "ref": f"spares-obligation-{ob.pk}",
            }
        )
    movements = (
        Movement.objects.filter(
            station_id__in=station_ids,
            chargeable=True,
            type__in=[Movement.Type.USE, Movement.Type.SELL],
            created_at__gte=start,
            created_at__lt=end,
            reversed_by__isnull=True,
        )
        .select_related("item")
        .order_by("pk")
    )
    for mv in movements:
        is_sale = mv.type == Movement.Type.SELL
        rows.append(
            {
                "station_id": mv.station_id,
                "kind": "accessory_sale" if is_sale else "out_of_warranty_use",
                "amount": quantize(mv.unit_cost * mv.quantity),
                "description": (
                    _("Accessory sold: %(item)s × %(qty)s")
                    if is_sale
                    else _("Part used out of warranty: %(item)s × %(qty)s (ticket %(ticket)s)")
                )
                % {"item": mv.item.name, "qty": mv.quantity, "ticket": mv.ticket_number or "-"},
                "ref": f"spares-movement-{mv.pk}",
            }
        )
    return rows


# --------------------------------------------------------------------------------------------------
# Ageing and turnover
# --------------------------------------------------------------------------------------------------

AGE_BUCKETS = ((0, 30), (31, 90), (91, 180), (181, None))


def stock_ageing_and_turnover(*, stations, today: datetime.date | None = None) -> list[dict]:
    """Per station: value of stock by age bucket (FIFO from receipts) and turnover days
    (average value held ÷ daily consumption value over the last 90 days)."""
    today = today or timezone.localdate()
    stations = list(stations)
    ids = [s.pk for s in stations]
    prices = item_prices()
    on_hand = defaultdict(dict)
    for station_id, item_id, qty in StockBalance.objects.filter(
        location__station_id__in=ids, location__kind=Location.Kind.STATION, on_hand__gt=0
    ).values_list("location__station_id", "item_id", "on_hand"):
        on_hand[station_id][item_id] = qty
    receipts = defaultdict(list)
    for station_id, item_id, qty, at in (
        Movement.objects.filter(station_id__in=ids, type=Movement.Type.RECEIVE)
        .order_by("-created_at")
        .values_list("station_id", "item_id", "quantity", "created_at")
    ):
        receipts[(station_id, item_id)].append((qty, at))
    since = timezone.now() - datetime.timedelta(days=TURNOVER_WINDOW_DAYS)
    consumed = defaultdict(lambda: ZERO)
    for station_id, cost, qty in Movement.objects.filter(
        station_id__in=ids,
        type__in=[Movement.Type.USE, Movement.Type.SELL, Movement.Type.SWAP_OUT],
        created_at__gte=since,
        reversed_by__isnull=True,
    ).values_list("station_id", "unit_cost", "quantity"):
        consumed[station_id] += cost * qty
    result = []
    for station in stations:
        buckets = [ZERO for _ in AGE_BUCKETS]
        weighted_age = Decimal(0)
        total_value = ZERO
        for item_id, qty in on_hand[station.pk].items():
            cost = prices.get(item_id, (ZERO, ZERO))[0]
            remaining = qty
            for got, at in receipts[(station.pk, item_id)]:
                if remaining <= 0:
                    break
                take = min(got, remaining)
                remaining -= take
                age = (today - timezone.localtime(at).date()).days
                _add_bucket(buckets, age, cost * take)
                weighted_age += cost * take * age
                total_value += cost * take
            if remaining > 0:  # stock without a receipt on record (stocktake gains): oldest bucket
                _add_bucket(buckets, 10_000, cost * remaining)
                total_value += cost * remaining
        daily = consumed[station.pk] / TURNOVER_WINDOW_DAYS
        turnover = (total_value / daily).quantize(Decimal("0.1")) if daily else None
        result.append(
            {
                "station": station,
                "value": quantize(total_value),
                "buckets": [quantize(b) for b in buckets],
                "average_age_days": (weighted_age / total_value).quantize(Decimal("0.1")) if total_value else None,
                "turnover_days": turnover,
                "meets_target": turnover is not None and turnover <= TURNOVER_TARGET_DAYS,
            }
        )
    return result


def replenishment_suggestions(*, station) -> dict:
    """What the station should ask for: per item used in the last TURNOVER_WINDOW_DAYS, enough to cover
    TURNOVER_TARGET_DAYS of its own usage (SPEC 3: turnover ≤ 15 days) less what it has on the shelf and in
    transit, trimmed, most-used value first, to what its deposit headroom allows (the stock limit). Constant queries.

    Returns ``{"rows": [...], "deposit", "held", "headroom", "value"}``; each row has ``item``, ``used`` (units
    in the window), ``daily``, ``on_hand``, ``in_transit``, ``hq_on_hand``, ``target``, ``needed`` (before the
    deposit limit), ``suggested``, ``unit_cost``, ``value`` and ``limited`` (the deposit cut it)."""
    since = timezone.now() - datetime.timedelta(days=TURNOVER_WINDOW_DAYS)
    used = dict(
        Movement.objects.filter(
            station=station,
            type__in=[Movement.Type.USE, Movement.Type.SELL, Movement.Type.SWAP_OUT],
            created_at__gte=since,
            reversed_by__isnull=True,
        )
        .values("item_id")
        .annotate(n=Sum("quantity"))
        .values_list("item_id", "n")
    )
    counts: dict[tuple, int] = defaultdict(int)
    for item_id, kind, qty in StockBalance.objects.filter(
        Q(location__station=station, location__kind__in=[Location.Kind.STATION, Location.Kind.TRANSIT])
        | Q(location__kind=Location.Kind.HQ, item_id__in=list(used)),
        on_hand__gt=0,
    ).values_list("item_id", "location__kind", "on_hand"):
        counts[item_id, kind] += qty
    prices = item_prices()
    items = Item.objects.in_bulk(list(used))
    deposit = deposit_balance(station=station)
    held = stock_value_held(station=station)
    rows = []
    for item_id, n in used.items():
        daily = Decimal(n) / TURNOVER_WINDOW_DAYS
        target = math.ceil(daily * TURNOVER_TARGET_DAYS)
        have = counts[item_id, Location.Kind.STATION] + counts[item_id, Location.Kind.TRANSIT]
        rows.append(
            {
                "item": items[item_id],
                "used": n,
                "daily": daily.quantize(Decimal("0.01")),
                "on_hand": counts[item_id, Location.Kind.STATION],
                "in_transit": counts[item_id, Location.Kind.TRANSIT],
                "hq_on_hand": counts[item_id, Location.Kind.HQ],
                "target": target,
                "needed": max(target - have, 0),
                "unit_cost": prices.get(item_id, (ZERO, ZERO))[0],
            }
        )
    rows.sort(key=lambda r: (-r["unit_cost"] * r["used"], r["item"].code))
    room = max(deposit - held, ZERO)
    for row in rows:
        cost = row["unit_cost"]
        allowed = row["needed"] if not cost else min(row["needed"], int(room // cost))
        row["suggested"] = allowed
        row["limited"] = allowed < row["needed"]
        row["value"] = quantize(cost * allowed)
        room -= row["value"]
    return {
        "rows": rows,
        "deposit": deposit,
        "held": held,
        "headroom": quantize(deposit - held),
        "value": quantize(sum((r["value"] for r in rows), ZERO)),
    }


def replenishment_review(*, replenishment, lines) -> dict:
    """What HQ weighs before approving: per line HQ's shelf and the cost, and the station's deposit headroom.
    Sets ``line.hq_on_hand``, ``line.unit_cost`` and ``line.value`` on ``lines``."""
    prices = item_prices()
    hq = dict(
        StockBalance.objects.filter(location__kind=Location.Kind.HQ, item_id__in=[line.item_id for line in lines])
        .values("item_id")
        .annotate(n=Sum("on_hand"))
        .values_list("item_id", "n")
    )
    for line in lines:
        line.hq_on_hand = hq.get(line.item_id, 0)
        line.unit_cost = prices.get(line.item_id, (ZERO, ZERO))[0]
        line.value = quantize(line.unit_cost * line.quantity)
    station = replenishment.station
    deposit, held = deposit_balance(station=station), stock_value_held(station=station)
    value = quantize(sum((line.value for line in lines), ZERO))
    return {"deposit": deposit, "held": held, "headroom": quantize(deposit - held), "value": value}


def replenishment_list(*, user):
    """Replenishment requests the user may see (``filters.ReplenishmentFilter``), pending first."""
    return roles.scope_queryset(
        user,
        Replenishment.objects.select_related("station", "requested_by", "decided_by", "shipment").order_by(
            Case(When(status=Replenishment.Status.PENDING, then=0), default=1), "-created_at", "-pk"
        ),
    )


def _add_bucket(buckets, age, value):
    for index, (low, high) in enumerate(AGE_BUCKETS):
        if age >= low and (high is None or age <= high):
            buckets[index] += value
            return


# --------------------------------------------------------------------------------------------------
# Ledger verification
# --------------------------------------------------------------------------------------------------


def ledger_differences() -> dict[str, list[dict]]:
    """Recompute every (location, item) balance and every serial's place from the journal, in SQL,
    and compare with the cached balances and serial units. Returns the differences found."""
    balance_sql = """
        WITH journal AS (
            SELECT to_location_id AS location_id, item_id, SUM(quantity) AS qty
              FROM spares_movement GROUP BY to_location_id, item_id
            UNION ALL
            SELECT from_location_id, item_id, -SUM(quantity)
              FROM spares_movement GROUP BY from_location_id, item_id
        ), summed AS (
            SELECT j.location_id, j.item_id, SUM(j.qty) AS qty
              FROM journal j JOIN spares_location l ON l.id = j.location_id
             WHERE l.kind <> 'external'
             GROUP BY j.location_id, j.item_id
        )
        SELECT COALESCE(s.location_id, b.location_id), COALESCE(s.item_id, b.item_id),
               COALESCE(s.qty, 0), COALESCE(b.on_hand, 0)
          FROM summed s
          FULL OUTER JOIN spares_stockbalance b ON b.location_id = s.location_id AND b.item_id = s.item_id
         WHERE COALESCE(s.qty, 0) <> COALESCE(b.on_hand, 0)
    """
    if connection.vendor == "sqlite":  # no FULL OUTER JOIN before SQLite 3.39 on some systems
        balance_sql = balance_sql.replace(
            """SELECT COALESCE(s.location_id, b.location_id), COALESCE(s.item_id, b.item_id),
               COALESCE(s.qty, 0), COALESCE(b.on_hand, 0)
          FROM summed s
          FULL OUTER JOIN spares_stockbalance b ON b.location_id = s.location_id AND b.item_id = s.item_id
         WHERE COALESCE(s.qty, 0) <> COALESCE(b.on_hand, 0)""",
            """SELECT s.location_id, s.item_id, s.qty, COALESCE(b.on_hand, 0)
          FROM summed s LEFT JOIN spares_stockbalance b ON b.location_id = s.location_id AND b.item_id = s.item_id
         WHERE s.qty <> COALESCE(b.on_hand, 0)
        UNION ALL
        SELECT b.location_id, b.item_id, 0, b.on_hand
          FROM spares_stockbalance b LEFT JOIN summed s ON b.location_id = s.location_id AND b.item_id = s.item_id
         WHERE s.location_id IS NULL AND b.on_hand <> 0""",
        )
    serial_sql = """
        WITH last_move AS (
            SELECT m.serial_unit_id, m.to_location_id,
                   ROW_NUMBER() OVER (PARTITION BY m.serial_unit_id ORDER BY m.created_at DESC, m.id DESC) AS rn
              FROM spares_movement m WHERE m.serial_unit_id IS NOT NULL
        )
        SELECT u.id, u.serial, u.location_id, lm.to_location_id
          FROM spares_serialunit u
          LEFT JOIN last_move lm ON lm.serial_unit_id = u.id AND lm.rn = 1
         WHERE lm.to_location_id IS NULL AND u.location_id <> (
                   SELECT id FROM spares_location WHERE kind = 'external' AND station_id IS NULL)
            OR lm.to_location_id IS NOT NULL AND lm.to_location_id <> u.location_id
    """
    with connection.cursor() as cursor:
        cursor.execute(balance_sql)
        balances = [
            {"location_id": loc, "item_id": item, "journal": int(journal), "cached": int(cached)}
            for loc, item, journal, cached in cursor.fetchall()
        ]
        cursor.execute(serial_sql)
        serials = [
            {"serial_unit_id": uid, "serial": serial, "cached_location_id": cached, "journal_location_id": journal}
            for uid, serial, cached, journal in cursor.fetchall()
        ]
    return {"balances": balances, "serials": serials}


def movements_visible(*, queryset=None):
    qs = queryset if queryset is not None else Movement.objects.all()
    return qs.select_related("item", "from_location__station", "to_location__station", "serial_unit", "actor")


# --------------------------------------------------------------------------------------------------
# Lists shared by a page and its API endpoint (filtered by spares.filters, the same on both)
# --------------------------------------------------------------------------------------------------


def item_list():
    """The catalogue: active items (``filters.ItemFilter``)."""
    return Item.objects.filter(is_active=True)


def shipment_list(*, user):
    """Shipments the user may see: all for HQ, their own station's for station staff (``filters.ShipmentFilter``)."""
    return roles.scope_queryset(user, Shipment.objects.select_related("station", "created_by", "received_by"))


def movement_list(*, user):
    """The stock journal as the user may see it (``filters.MovementFilter``)."""
    return movements_visible(queryset=roles.scope_queryset(user, Movement.objects.all()))


def obligation_list(*, user):
    """Defective-return obligations the user may see (``filters.ObligationFilter``)."""
    return roles.scope_queryset(user, Obligation.objects.select_related("station", "item", "serial_unit"))


def write_off_list(*, user):
    """Write-off requests the user may see (``filters.WriteOffFilter``)."""
    return roles.scope_queryset(
        user, WriteOff.objects.select_related("station", "item", "serial_unit", "requested_by", "decided_by")
    )


def stocktake_list(*, user):
    """Stocktake adjustment proposals the user may see (``filters.StocktakeFilter``)."""
    return roles.scope_queryset(
        user, StocktakeProposal.objects.select_related("station", "item", "proposed_by", "decided_by")
    )
