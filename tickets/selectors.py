"""Reads of the tickets area: hotline look-ups, dispatch suggestions, queues, dashboards, assessment inputs."""

import datetime
import operator
import re
from decimal import Decimal
from functools import reduce

from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from repairnet import roles
from repairnet.exports import mask_phone
from repairnet.models import User
from repairnet.phones import phone_display, phone_or_none, phone_prefix
from spares.selectors import stock_parts_for_model
from stations.selectors import certified_on, dispatchable_stations

from . import completion, rollup
from .models import (
    Callback,
    Complaint,
    Customer,
    DailyReport,
    Device,
    SlaBreach,
    StationDayStats,
    Ticket,
    TicketRejection,
)

S = Ticket.Status


def _recent_tickets(limit: int = 5):
    return Prefetch(
        "tickets",
        queryset=Ticket.objects.select_related("station", "device").order_by("-received_at")[:limit],
        to_attr="recent_tickets",
    )


def _ticket_brief(t: Ticket) -> dict:
    return {
        "id": t.pk,
        "number": t.number,
        "status": t.status,
        "status_label": t.get_status_display(),
        "serial": t.device.serial,
        "received_at": timezone.localtime(t.received_at).strftime("%Y-%m-%d %H:%M"),
        "station": t.station.name if t.station_id else "",
        "is_open": t.is_open,
    }


def _prefix(field: str, q: str) -> Q:
    """``field`` starts with ``q`` as a range on the plain b-tree index (ordered, no full scan)."""
    upper = q[:-1] + chr(ord(q[-1]) + 1)
    return Q(**{f"{field}__gte": q, f"{field}__lt": upper, f"{field}__startswith": q})


def customer_phone_match(prefix: str, path: str = "") -> Q:
    """Customers whose first or second phone starts with the stored (E.164) ``prefix``: index ranges."""
    return _prefix(f"{path}phone", prefix) | _prefix(f"{path}phone2", prefix)


def customers_by_phone_prefix(qs, typed: str, *, limit: int | None = None) -> list[Customer]:
    """The customers of ``qs`` whose first or second phone starts with the number the agent ``typed`` (any format:
    ``138123``, ``0371-1234``, ``+86 138``), first numbers first; none when it cannot start a number.

    The typed prefix becomes the stored E.164 prefix (``phone_prefix``), searched as a range on each phone column's
    index — the second numbers separately, so that each query stays an index range scan."""
    prefix = phone_prefix(typed)
    if prefix is None:
        return []
    customers = list(qs.filter(_prefix("phone", prefix)).order_by("phone", "pk")[:limit])
    if limit is None or len(customers) < limit:
        seen = {c.pk for c in customers}
        extra = [c for c in qs.filter(_prefix("phone2", prefix)).order_by("phone2", "pk")[:limit] if c.pk not in seen]
        customers += extra if limit is None else extra[: limit - len(customers)]
    return customers


def hotline_lookup(*, q: str, limit: int = 8) -> dict:
    """Customers by phone prefix and devices by serial prefix, with devices and recent tickets (fixed queries).
    ``phone`` is the typed number in E.164 when it is a whole one (the page fills in the customer it finds)."""
    q = (q or "").strip().upper()
    if len(q) < 3:
        return {"customers": [], "devices": [], "phone": ""}
    customer_prefetch = (
        Prefetch("devices", queryset=Device.objects.select_related("model").order_by("serial")),
        _recent_tickets(),
    )
    customers = customers_by_phone_prefix(Customer.objects.select_related("region__parent__parent"), q, limit=limit)
    prefetch_related_objects(customers, *customer_prefetch)
    devices = (
        Device.objects.filter(_prefix("serial", q))
        .select_related("model", "customer", "customer__region")
        .prefetch_related(_recent_tickets())
        .order_by("serial")[:limit]
    )
    return {
        "customers": [
            {
                "id": c.pk,
                "name": c.name,
                "phone": c.phone,
                "phone_display": phone_display(c.phone),
                "address": c.address,
                "region_id": c.region_id,
                "region": c.region.full_name if c.region_id else "",
                "carrier_account": c.carrier_account,
                "devices": [
                    {"id": d.pk, "serial": d.serial, "model_id": d.model_id, "model": d.model.code}
                    for d in c.devices.all()
                ],
                "tickets": [_ticket_brief(t) for t in c.recent_tickets],
            }
            for c in customers
        ],
        "devices": [
            {
                "id": d.pk,
                "serial": d.serial,
                "model_id": d.model_id,
                "model": d.model.code,
                "purchase_date": d.purchase_date.isoformat() if d.purchase_date else "",
                "has_invoice": d.has_invoice,
                "customer": {
                    "id": d.customer_id,
                    "name": d.customer.name,
                    "phone": d.customer.phone,
                    "phone_display": phone_display(d.customer.phone),
                    "address": d.customer.address,
                    "region_id": d.customer.region_id,
                },
                "tickets": [_ticket_brief(t) for t in d.recent_tickets],
            }
            for d in devices
        ],
        "phone": phone_or_none(q) or "",
    }


def serial_warnings(*, serial: str, now: datetime.datetime | None = None) -> dict:
    """Open ticket of the same serial (warn the agent) and the repeat-repair source, if any."""
    from .services import repeat_source_for

    device = Device.objects.filter(serial=(serial or "").strip().upper()).first()
    if device is None:
        return {"open_ticket": None, "open_ticket_id": None, "repeat_of": None}
    open_ticket = Ticket.objects.filter(device=device, status__in=Ticket.OPEN_STATES).order_by("-pk").first()
    repeat = repeat_source_for(device_id=device.pk, now=now)
    return {
        "open_ticket": open_ticket.number if open_ticket else None,
        "open_ticket_id": open_ticket.pk if open_ticket else None,
        "repeat_of": repeat.number if repeat else None,
    }


def _open_loads(station_ids) -> dict[int, int]:
    rows = (
        Ticket.objects.filter(station_id__in=station_ids, status__in=Ticket.OPEN_STATES)
        .values("station_id")
        .annotate(n=Count("pk"))
    )
    return {r["station_id"]: r["n"] for r in rows}


def dispatch_suggestions(*, ticket: Ticket, limit: int = 10) -> list[dict]:
    """SPEC 2.4: stations covering the customer's district, then its city (via region ancestors); active,
    with repair scope; by tier then open load; skipping stations that rejected the ticket. Each with reasons."""
    region = ticket.customer.region
    if region is None:
        return []
    ancestors = region.ancestor_ids()  # district, city, province
    city_id = region.parent_id if region.level == "district" else region.pk
    rejected = set(TicketRejection.objects.filter(ticket=ticket).values_list("station_id", flat=True))
    candidates = (
        dispatchable_stations()
        .filter(Q(regions__in=ancestors) | Q(regions__parent_id=city_id))
        .exclude(pk__in=rejected)
        .prefetch_related("regions")
        .distinct()
    )
    loads = _open_loads([s.pk for s in candidates])
    suggestions = []
    for station in candidates:
        region_ids = {r.pk: r for r in station.regions.all()}
        if region.pk in region_ids:
            match, why = 0, _("authorised for the district %(region)s") % {"region": region.name}
        elif city_id in region_ids:
            match, why = 1, _("authorised for the whole city %(region)s") % {"region": region_ids[city_id].name}
        elif any(rid in region_ids for rid in ancestors):
            match, why = 2, _("authorised for the province")
        else:
            match, why = 3, _("serves another district of the same city")
        load = loads.get(station.pk, 0)
        suggestions.append(
            {
                "station": station,
                "match": match,
                "open_load": load,
                "reasons": [why, station.get_tier_display(), _("%(n)s open tickets") % {"n": load}],
            }
        )
    suggestions.sort(key=lambda s: (s["match"], -(s["station"].tier_rank or 0), s["open_load"], s["station"].code))
    return suggestions[:limit]


def _urgency():
    return Case(
        When(status=S.DISPATCHED, then=F("accept_due_at")),
        When(status=S.ACCEPTED, then=F("onsite_due_at")),
        When(status__in=[S.IN_REPAIR, S.ESCALATED], then=F("complete_due_at")),
        default=Value(None),
        output_field=DateTimeField(),
    )


# Ticket numbers (T + digits), serials and phone numbers are codes: searched by prefix, one index range each
# (a phone as its stored E.164 prefix, whatever the format typed: ``repairnet.phones.phone_prefix``).
_CODE_RE = re.compile(r"[0-9A-Za-z-]+")
# pg_trgm extracts no trigram from a fragment shorter than three characters: such text is a name prefix.
TEXT_CONTAINS_MIN = 3
# Up to this many matching devices or customers, their tickets are fetched by id (an index look-up each); with
# more, their tickets are common enough that walking the newest tickets, checking each, soon fills a page.
SEARCH_IDS_MAX = 1000
# A ticket number is T + the day it was received + a 5-digit sequence: a prefix this long is at most one day's
# tickets. Numbers start with a letter, so text starting with a digit matches none.
NUMBER_FEW_MIN = 9


def _device_match(code: str, path: str = "") -> Q:
    return _prefix(f"{path}serial", code)


def _customer_match(q: str, path: str = "") -> Q:
    """Customers whose phone starts with ``q`` (the start of a number, in any format) or whose name or address
    holds it (other text)."""
    match = Q()
    phone = phone_prefix(q)
    if phone is not None:
        match |= customer_phone_match(phone, path)
    elif not _CODE_RE.fullmatch(q) or q.isalpha():
        if len(q) >= TEXT_CONTAINS_MIN:
            match |= Q(**{f"{path}name__icontains": q}) | Q(**{f"{path}address__icontains": q})
        else:  # a trigram index answers a short prefix too: its first trigrams are the padded start of the word
            match |= Q(**{f"{path}name__istartswith": q})
    return match


def _tickets_of(model, match, q: str, *, via: str) -> tuple[Q | None, bool]:
    """Tickets whose ``via`` (device or customer) matches: by the ids of the few that do (one query here), or,
    when many do, the match on the joined row itself; None when none does. Second: whether it was the few."""
    ids = list(model.objects.filter(match(q)).order_by().values_list("pk", flat=True)[: SEARCH_IDS_MAX + 1])
    if not ids:
        return None, True
    if len(ids) <= SEARCH_IDS_MAX:
        return Q(**{f"{via}_id__in": ids}), True
    return match(q, f"{via}__"), False


def _ticket_search(q: str) -> tuple[Q, bool]:
    """Tickets matching ``q``: ticket number, serial or phone prefix; customer name or address fragment; and
    whether the matches are few enough to be collected and sorted (see ``tickets_visible``).

    Each branch is an index look-up: a range on the ticket number; the devices in a serial range; the customers
    in a phone range or whose name or address contains the text (trigram-indexed on PostgreSQL). Devices and
    customers are resolved first (a small query each), so that the tickets' condition is an OR of indexed
    columns (number, device_id, customer_id) that the database combines — not an OR over joined tables, which
    only a scan of every ticket can answer. A branch matching very many is common enough that the database may
    instead walk the newest tickets and check each (a page fills after a few rows).
    """
    branches, few = [], True
    if _CODE_RE.fullmatch(q):
        code = q.upper()
        devices, few_devices = _tickets_of(Device, _device_match, code, via="device")
        branches += [_prefix("number", code), devices]
        few = few_devices and (len(code) >= NUMBER_FEW_MIN or not code[0].isalpha())
    if _customer_match(q):
        customers, few_customers = _tickets_of(Customer, _customer_match, q, via="customer")
        branches.append(customers)
        few = few and few_customers
    return reduce(operator.or_, [b for b in branches if b is not None], Q(pk__in=[])), few


def tickets_visible(*, user):
    """The tickets the user may see: tickets only, no joins for display, so that a page's rows are chosen
    (ordered and limited) before anything is joined. Pages and the API filter them by ``filters.TicketFilter``."""
    return roles.scope_queryset(user, Ticket.objects.all())


def ticket_search(qs, q: str):
    """The tickets of ``qs`` matching ``q`` (see ``_ticket_search``), with their list position ``list_at``."""
    q = " ".join(q.split())
    if not q:
        return qs
    match, few = _ticket_search(q)
    qs = qs.filter(match)
    # The position in the newest-first list. When a search matches few tickets they are collected by their
    # indexes and sorted: an expression the received_at index cannot answer keeps the database from walking
    # the newest tickets instead, which reads a large part of the table when the few are old (120–200 ms at a
    # million tickets for a 9-character serial or phone prefix).
    return qs.annotate(list_at=Coalesce("received_at", "received_at")) if few else qs


def with_list_columns(qs):
    """``qs`` with what list pages and the API show (related rows, next deadline, breach flag), newest first."""
    return (
        qs.select_related("customer", "device", "device__model", "station", "technician", "callback")
        .annotate(next_due=_urgency(), breach_count=Exists(SlaBreach.objects.filter(ticket=OuterRef("pk"))))
        .order_by("-received_at", "-pk")
    )


def ticket_list_for(*, user):
    """Tickets the user may see, newest first, with what list pages show (constant queries)."""
    return with_list_columns(tickets_visible(user=user))


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _position(ticket: Ticket) -> str:
    """A ticket's place in the newest-first list, as an opaque cursor: received_at (epoch µs) and id."""
    return f"{(ticket.received_at - _EPOCH) // datetime.timedelta(microseconds=1)}.{ticket.pk}"


def _parse_position(cursor: str) -> tuple[datetime.datetime, int] | None:
    try:
        micros, pk = (int(part) for part in cursor.split("."))
        return _EPOCH + datetime.timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        return None


def keyset_page(qs, *, older: str = "", newer: str = "", size: int = 30) -> dict:
    """One page of the tickets of ``qs`` (``tickets_visible``, filtered), by keyset (received_at, id): ``older`` /
    ``newer`` are the cursors of the neighbouring pages' edge rows (an unreadable cursor reads as none). One
    query whatever the depth and the size of the table; nothing is counted — one row more than the page tells
    whether there is a further page.

    Returns ``{"tickets": [...], "older": cursor | None, "newer": cursor | None, "first": bool}`` (``first``: this
    is the newest page, or a walk back to it).
    """
    qs = qs.order_by()
    if "list_at" not in qs.query.annotations:
        qs = qs.annotate(list_at=F("received_at"))
    after = _parse_position(newer) if newer else None
    before = _parse_position(older) if older and after is None else None
    if after:
        at, pk = after
        qs = qs.filter(Q(list_at__gt=at) | Q(list_at=at, pk__gt=pk), list_at__gte=at)
        rows = _rows_of(qs.order_by("list_at", "pk")[: size + 1])
        more_newer, rows = len(rows) > size, rows[-size:]
        return {
            "tickets": rows,
            "older": _position(rows[-1]) if rows else None,
            "newer": _position(rows[0]) if rows and more_newer else None,
            "first": not more_newer,
        }
    if before:
        at, pk = before
        qs = qs.filter(Q(list_at__lt=at) | Q(list_at=at, pk__lt=pk), list_at__lte=at)
    rows = _rows_of(qs.order_by("-list_at", "-pk")[: size + 1])
    more_older, rows = len(rows) > size, rows[:size]
    return {
        "tickets": rows,
        "older": _position(rows[-1]) if more_older else None,
        "newer": _position(rows[0]) if rows and before else None,
        "first": before is None,
    }


def _rows_of(chosen) -> list[Ticket]:
    """The tickets of ``chosen`` (an ordered, sliced queryset) with their list columns, newest first, in one
    query: the rows are picked on the tickets table alone, then joined. Joining first made a search matching
    10,000 tickets join all of them before sorting (59 ms instead of 6 ms at a million tickets)."""
    return list(with_list_columns(Ticket.objects.filter(pk__in=chosen.values("pk"))))


def station_open_tickets(*, station, limit: int = 10) -> list[Ticket]:
    """A station's open tickets, newest first (for its page in stations)."""
    return list(Ticket.objects.filter(station=station, status__in=Ticket.OPEN_STATES).order_by("-pk")[:limit])


def station_queue(*, station_id: int, technician=None):
    """The station's open tickets, most urgent deadline first; paused and undated last."""
    qs = (
        Ticket.objects.filter(station_id=station_id, status__in=Ticket.OPEN_STATES)
        .select_related("customer", "device", "device__model", "technician")
        .annotate(next_due=_urgency())
    )
    if technician is not None:
        qs = qs.filter(Q(technician=technician) | Q(technician__isnull=True))
    return qs.order_by(F("next_due").asc(nulls_last=True), "received_at")


def station_queue_state(*, station_id: int, technician=None) -> dict:
    """What the queue page polls (one aggregate query, whatever the queue's size): its size, how many wait to be
    accepted, the newest dispatch, and a version that changes whenever any ticket of the queue changes."""
    qs = Ticket.objects.filter(station_id=station_id, status__in=Ticket.OPEN_STATES)
    if technician is not None:
        qs = qs.filter(Q(technician=technician) | Q(technician__isnull=True))
    row = qs.aggregate(
        count=Count("pk"),
        dispatched=Count("pk", filter=Q(status=S.DISPATCHED)),
        changed=Max("updated_at"),
        newest_dispatch=Max("dispatched_at"),
    )
    return _live_state(row)


def callback_queue_state() -> dict:
    """What the callback queue polls (one aggregate query): open callbacks, how many are past due, a version."""
    now = timezone.now()
    row = Callback.objects.filter(status=Callback.Status.OPEN).aggregate(
        count=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        changed=Max("created_at"),
        newest=Max("pk"),
        attempts=Sum("attempts"),
    )
    return _live_state(row)


def _live_state(row: dict) -> dict:
    state = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
    state["version"] = "|".join(str(state[k]) for k in sorted(state))
    return state


def ticket_get_visible_to(*, user, pk: int) -> Ticket:
    qs = roles.scope_queryset(user, Ticket.objects.all()).select_related(
        "customer", "customer__region", "device", "device__model", "station", "technician", "repeat_of"
    )
    return qs.get(pk=pk)


# Need to know (SPEC 8): once a ticket is closed or cancelled its customer's phone is shown whole only to the
# hotline and HQ (rule "customers.phone_whole"), who call customers back; every other role that may see the
# ticket (station staff, finance, inspectors) gets it masked. While the ticket is open, whoever may see the
# ticket sees the number (the station calls the customer to arrange the visit). Documents that leave HQ
# (the repair report PDF) always carry it masked. Every page, API answer and export asks these two functions.
PHONE_MASKED_STATES = frozenset({S.CLOSED, S.CANCELLED})


def phone_shown(*, user, phone: str, ticket_open: bool, document: bool = False) -> str:
    """``phone`` as ``user`` may see it: whole, or masked (138****5678) by the need-to-know rule above.

    ``ticket_open`` says whether the number is shown as part of an open ticket; a customer look-up outside any
    ticket passes ``False`` (only the hotline and HQ see whole numbers there). ``document``: leaves HQ, always masked.
    """
    phone = phone or ""
    if not document and (ticket_open or (user is not None and roles.can(user, "customers.phone_whole"))):
        return phone
    return mask_phone(phone)


def customer_phone_for(*, user, ticket: Ticket, document: bool = False) -> str:
    """The ticket's customer phone as ``user`` may see it (see ``phone_shown``)."""
    return phone_shown(
        user=user,
        phone=ticket.customer.phone,
        ticket_open=ticket.status not in PHONE_MASKED_STATES,
        document=document,
    )


def completion_defaults_for(*, ticket: Ticket) -> dict:
    """What the completion page offers in one tap: canned phrases, and parts from the station's stock.

    ``suggested`` are the parts in stock that fit the device model and usually mend the ticket's fault
    category; ``fitting`` the other parts in stock for the model; ``other`` the parts that do not fit it
    (listed last, for the technician's judgement). ``no_part_reason`` says why nothing is suggested.
    """
    model = ticket.device.model
    rows = stock_parts_for_model(station=ticket.station, model_code=model.code) if ticket.station_id else []
    suggested, fitting, other = [], [], []
    for row in rows:
        if not row["fits"]:
            other.append(row)
        elif completion.part_matches_fault(item=row["item"], fault_category=ticket.fault_category):
            suggested.append(row)
        else:
            fitting.append(row)
    category = ticket.get_fault_category_display()
    reason = ""
    if not rows:
        reason = _("Your station holds no parts in stock, so none can be offered; the coordinator orders them.")
    elif not (suggested or fitting):
        reason = _("None of the %(count)s parts in your station's stock fits the %(model)s.") % {
            "count": len(rows),
            "model": model.code,
        }
    elif not suggested:
        reason = _(
            "No part in stock is the usual fix for “%(category)s”; the parts fitting the %(model)s are listed."
        ) % {
            "category": category,
            "model": model.code,
        }
    fault_found, work_done = completion.phrases_for(ticket.fault_category)
    nff_found, nff_done = completion.NO_FAULT_FOUND_TEXT
    return {
        "suggested": suggested,
        "fitting": fitting,
        "other": other,
        "no_part_reason": reason,
        "fault_found_phrases": fault_found,
        "work_done_phrases": work_done,
        "no_fault_found_text": {"fault_found": str(nff_found), "work_done": str(nff_done)},
    }


def assignable_technicians(*, ticket: Ticket, on: datetime.date | None = None):
    """The technicians the coordinator or HQ may give ``ticket`` to: active, of its station, certified on ``on``
    (stations' one rule, ``certified_on``). The services check the same with ``technician_is_certified``."""
    day = on or timezone.localdate()
    return (
        User.objects.filter(station_id=ticket.station_id, groups__name=roles.TECHNICIAN, is_active=True)
        .filter(certified_on(OuterRef("pk"), day))
        .order_by("username", "pk")
        .distinct()
    )


def callback_list():
    return Callback.objects.select_related("ticket", "ticket__customer", "ticket__station", "ticket__device").order_by(
        "due_at", "pk"
    )


def complaint_list_for(*, user):
    qs = roles.scope_queryset(user, Complaint.objects.all()).select_related("ticket", "station", "technician")
    return qs.order_by("-created_at", "-pk")


def daily_report_list_for(*, user):
    qs = roles.scope_queryset(user, DailyReport.objects.all()).select_related("station", "submitted_by")
    return qs.order_by("-day", "station__code")


def daily_report_summary(*, day: datetime.date) -> dict:
    rows = DailyReport.objects.filter(day=day)
    agg = rows.aggregate(
        stations=Count("pk"),
        submitted=Count("pk", filter=Q(status=DailyReport.Status.SUBMITTED)),
        late=Count("pk", filter=Q(is_late=True)),
    )
    for field in ("received", "accepted", "completed", "open_total", "sla_breaches", "parts_used", "spares_on_loan"):
        agg[field] = sum(rows.values_list(field, flat=True))
    return agg


def _ratio(num, den) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(Decimal("0.0001"))


def dashboard_figures(*, station_ids=None, start: datetime.date, end: datetime.date) -> dict:
    """Network (or given stations) figures over [start, end]: open by state and age, SLA compliance,
    callback rate within 24 h, satisfaction, first-time-fix — each per station too, in three queries whatever
    the window or the table size.

    Open tickets are counted live (few, on the status index). The period's figures are sums over the rollup's
    station-days (``StationDayStats``) less the callbacks not yet due (tickets completed in the last day, on the
    callback_due_at index); they equal ``assessment_inputs(detailed=True)``, which stays the live computation.
    """
    tickets = Ticket.objects.all()
    if station_ids is not None:
        tickets = tickets.filter(station_id__in=list(station_ids))
    now = timezone.now()
    # One pass over open tickets gives both the per-state counts and the age buckets.
    day1, day3, day7 = (now - datetime.timedelta(days=d) for d in (1, 3, 7))
    open_rows = list(
        tickets.filter(status__in=Ticket.OPEN_STATES)
        .values("status")
        .annotate(
            n=Count("pk"),
            lt1=Count("pk", filter=Q(received_at__gte=day1)),
            d1_3=Count("pk", filter=Q(received_at__lt=day1, received_at__gte=day3)),
            d3_7=Count("pk", filter=Q(received_at__lt=day3, received_at__gte=day7)),
            gt7=Count("pk", filter=Q(received_at__lt=day7)),
        )
    )
    by_state = {row["status"]: row["n"] for row in open_rows}
    ages = {key: sum(row[key] for row in open_rows) for key in ("lt1", "d1_3", "d3_7", "gt7")}
    per_station = _period_figures(station_ids=station_ids, start=start, end=end, now=now)
    # Network totals are the sums of the per-station counts: no second scan of the period's tickets.
    counted = [row for row in per_station.values() if "completed" in row]
    totals = {key: sum(row[key] for row in counted) for key in ("completed", "breached", "repeated", "called", "due")}
    rated = sum(row["rated"] for row in counted)
    totals["satisfaction"] = sum(row["satisfaction_sum"] for row in counted) / rated if rated else None
    return {
        "by_state": [(s, label, by_state.get(s, 0)) for s, label in S.choices if s in Ticket.OPEN_STATES],
        "open_total": sum(by_state.values()),
        "ages": ages,
        "completed": totals["completed"],
        "sla_compliance": _ratio(totals["completed"] - totals["breached"], totals["completed"]),
        "first_time_fix": _ratio(totals["completed"] - totals["repeated"], totals["completed"]),
        "callback_rate": _ratio(totals["called"], totals["due"]),
        "satisfaction": Decimal(str(totals["satisfaction"])).quantize(Decimal("0.01"))
        if totals["satisfaction"] is not None
        else None,
        "per_station": per_station,
    }


def _period_figures(*, station_ids, start: datetime.date, end: datetime.date, now: datetime.datetime) -> dict:
    """``assessment_inputs(detailed=True)`` from the rollup: one GROUP BY over the window's station-days, and
    the window's tickets whose callback is not due yet (a callback is due at a fixed time after completion, so
    the rollup counts every due time and the few still in the future are taken off here)."""
    stats = StationDayStats.objects.filter(day__gte=start, day__lte=end)
    lo, hi = rollup.day_bounds(start, end)
    not_due = Ticket.objects.filter(
        callback_due_at__gt=now, completed_at__gte=lo, completed_at__lt=hi, station__isnull=False
    )
    if station_ids is not None:
        stats = stats.filter(station_id__in=list(station_ids))
        not_due = not_due.filter(station_id__in=list(station_ids))
    sums = stats.values("station_id").annotate(**{name: Sum(name) for name in rollup.COUNTERS}).order_by()
    pending = dict(not_due.values("station_id").annotate(n=Count("pk")).order_by().values_list("station_id", "n"))
    neutral = {"callback_avg_satisfaction": None, "sla_compliance": None, "repeat_repair_rate": None}
    result: dict[int, dict] = {sid: {**neutral, "upheld_complaints": 0} for sid in station_ids or ()}
    for row in sums:
        sid, completed = row["station_id"], row["completed"]
        if not completed:
            if row["upheld_complaints"] or sid in result:
                result[sid] = {**neutral, "upheld_complaints": row["upheld_complaints"]}
            continue
        rated, due = row["rated"], row["callback_due"] - pending.get(sid, 0)
        sat = row["satisfaction_sum"] / rated if rated else None
        result[sid] = {
            "callback_avg_satisfaction": Decimal(str(sat)).quantize(Decimal("0.01")) if sat is not None else None,
            "sla_compliance": _ratio(completed - row["breached"], completed),
            "repeat_repair_rate": _ratio(row["repeated"], completed),
            "upheld_complaints": row["upheld_complaints"],
            "completed": completed,
            "breached": row["breached"],
            "repeated": row["repeated"],
            "called": row["called"],
            "due": due,
            "rated": rated,
            "satisfaction_sum": row["satisfaction_sum"],
            "callback_rate": _ratio(row["called"], due),
        }
    return result


def assessment_inputs(*, station_ids, start: datetime.date, end: datetime.date, detailed: bool = False) -> dict:
    """Contract for the quarterly assessment: per station over [start, end] (dates inclusive)::

        {station_id: {callback_avg_satisfaction, sla_compliance (0–1), repeat_repair_rate (0–1), upheld_complaints}}

    ``None`` where there is nothing to measure (the assessment then uses a neutral value).
    """
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    done = Ticket.objects.filter(completed_at__gte=lo, completed_at__lt=hi, station__isnull=False)
    if station_ids is not None:
        done = done.filter(station_id__in=list(station_ids))
    now = timezone.now()
    rows = done.values("station_id").annotate(
        completed=Count("pk"),
        breached=Count("pk", filter=Q(Exists(SlaBreach.objects.filter(ticket=OuterRef("pk"))))),
        repeated=Count("pk", filter=Q(Exists(Ticket.objects.filter(repeat_of=OuterRef("pk"))))),
        satisfaction=Avg("callback__satisfaction"),
        satisfaction_sum=Sum("callback__satisfaction"),
        rated=Count("callback__satisfaction"),
        called=Count("pk", filter=Q(callback__completed_at__lte=F("completed_at") + datetime.timedelta(hours=24))),
        due=Count("pk", filter=Q(callback_due_at__lte=now)),
    )
    complaints = Complaint.objects.filter(
        verdict=Complaint.Verdict.UPHELD, resolved_at__gte=lo, resolved_at__lt=hi, station__isnull=False
    )
    if station_ids is not None:
        complaints = complaints.filter(station_id__in=list(station_ids))
    upheld = dict(complaints.values("station_id").annotate(n=Count("pk")).values_list("station_id", "n"))
    ids = set(station_ids) if station_ids is not None else set()
    result: dict[int, dict] = {
        sid: {
            "callback_avg_satisfaction": None,
            "sla_compliance": None,
            "repeat_repair_rate": None,
            "upheld_complaints": upheld.get(sid, 0),
        }
        for sid in ids | set(upheld)
    }
    for row in rows:
        sat = row["satisfaction"]
        entry = result.setdefault(row["station_id"], {"upheld_complaints": upheld.get(row["station_id"], 0)})
        entry.update(
            {
                "callback_avg_satisfaction": Decimal(str(sat)).quantize(Decimal("0.01")) if sat is not None else None,
                "sla_compliance": _ratio(row["completed"] - row["breached"], row["completed"]),
                "repeat_repair_rate": _ratio(row["repeated"], row["completed"]),
            }
        )
        if detailed:
            counts = ("completed", "breached", "repeated", "called", "due", "rated")
            entry.update({key: row[key] or 0 for key in counts})
            entry["satisfaction_sum"] = row["satisfaction_sum"] or 0
            entry["callback_rate"] = _ratio(row["called"], row["due"])
    return result


# --- customer self-service (客户自助查询) -----------------------------------------------------------

# the ticket's steps as the customer's timeline shows them, in order
SELF_SERVICE_STEPS = (
    ("received_at", _lazy("Repair request received")),
    ("dispatched_at", _lazy("Sent to the repair station")),
    ("accepted_at", _lazy("Accepted by the station")),
    ("started_at", _lazy("Technician arrived / repair started")),
    ("completed_at", _lazy("Repair completed")),
    ("closed_at", _lazy("Closed")),
    ("cancelled_at", _lazy("Cancelled")),
)


def self_service_status_for(*, ticket_id: int) -> dict:
    """What the customer sees of a verified ticket, and nothing more: the steps, the appointment, the station's
    name, address and service phone, the technician's surname, warranty and charges, the callback answer.
    Never the customer's phone or address, nor any other person's data (one query, the callback included)."""
    ticket = (
        Ticket.objects.select_related("station", "technician", "device__model", "callback")
        .only(
            "number",
            "status",
            "in_warranty",
            "warranty_reason",
            "charge_amount",
            "appointment_at",
            "cancel_reason",
            *(field for field, _label in SELF_SERVICE_STEPS),
            "station__name",
            "station__address",
            "station__phone",
            "technician__last_name",
            "device__model__name",
            "callback__status",
            "callback__outcome",
            "callback__customer_answered_at",
            "callback__customer_dispute",
        )  # fmt: skip
        .get(pk=ticket_id)
    )
    callback = getattr(ticket, "callback", None)  # None before completion (the reverse one-to-one is missing)
    station = ticket.station
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": ticket.get_status_display(),
        "device_model": ticket.device.model.name,
        "steps": [
            {"key": field, "label": label, "at": getattr(ticket, field)}
            for field, label in SELF_SERVICE_STEPS
            if getattr(ticket, field)
        ],
        "appointment_at": ticket.appointment_at if ticket.is_open else None,
        "cancel_reason": ticket.cancel_reason if ticket.status == Ticket.Status.CANCELLED else "",
        "station": (
            {"name": station.name, "address": station.address, "phone": station.phone} if station is not None else None
        ),
        "technician_surname": ticket.technician.last_name if ticket.technician_id else "",
        "in_warranty": ticket.in_warranty,
        "warranty_reason": ticket.warranty_reason,
        "charge_amount": ticket.charge_amount,
        "report_available": ticket.completed_at is not None
        and ticket.status in (Ticket.Status.COMPLETED, Ticket.Status.CLOSED),
        # a completed ticket's callback is open (or opened on the answer, see callback_answer_by_customer)
        "can_answer": ticket.status == Ticket.Status.COMPLETED
        and (callback is None or (callback.status == Callback.Status.OPEN and callback.customer_answered_at is None)),
        "answer": _self_service_answer(callback),
    }


def _self_service_answer(callback) -> str:
    """ "disputed" (the customer's dispute, until the agent's call settles it), "confirmed", or "" — what the
    page says instead of the confirm / dispute buttons."""
    if callback is None:
        return ""
    if callback.customer_dispute:
        return "disputed"
    return "confirmed" if callback.outcome == Callback.Outcome.CONFIRMED else ""


def self_service_report_ticket(*, ticket_id: int) -> Ticket | None:
    """The verified ticket for its repair report PDF, or None before it is completed (or when it was cancelled)."""
    return (
        Ticket.objects.select_related("customer", "device__model", "station", "technician")
        .filter(pk=ticket_id, completed_at__isnull=False, status__in=(Ticket.Status.COMPLETED, Ticket.Status.CLOSED))
        .first()
    )
