"""Every URL, every role, anonymous too — walked from the URL resolver, so new endpoints are covered.

Checks: anonymous users are sent to the login page (pages) or refused (API) except on the public
allow-list; no role ever gets a server error; where a view declares its rule (``role_required`` pages,
``permission_actions`` API views) a role without it gets 403; station staff get 403 or 404 on another
station's objects, and so does a regional manager of another province (四川) on the station's objects (河南);
a POST without a CSRF token is refused.

URLs that name an object are filled with real objects (``world``): one station's ticket, statement,
inspection, staff member, shipment… and network-wide ones (regions, the spares catalogue, fee rules…).
The station staff under test always belong to a station of their own, so every station-owned object is
another station's. A URL keyword the tables below cannot fill fails ``test_every_url_keyword_is_filled``:
a new URL gets an object rather than a made-up id.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fraud.models import FraudSignal, RuleCode
from inspections import services as inspections_services
from repairnet import outbox, roles
from repairnet.models import OutboxMessage
from repairnet.services import notification_raise
from settlement.models import FeeRule, Statement, WorkbookExport
from settlement.services import settlement_month_build, settlement_run_start
from spares import services as spares_services
from spares.models import DepositEntry, Movement, Obligation, Shipment, StockBalance
from stations import services as stations_services
from tests import clock
from tests.factories import make_user, region
from tests.inspections.conftest import fill, hq, inspector, schedule  # noqa: F401 - fixtures, used via getfixturevalue
from tests.settlement.conftest import at, certified
from tests.spares.conftest import accessory, hq_user, machine, part, stocked_station  # noqa: F401 - fixtures
from tests.stations.helpers import application_data, pdf_upload, png_upload
from tests.tickets.factories import completed_ticket
from tickets import services as tickets_services
from tickets.models import DailyReport

# URL names anyone may open without logging in.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "healthz",
    "api-token",
    "stations:apply",
    "stations:apply-done",
    "stations:application-status",
    "tickets:status",
    "tickets:status-ticket",
    "tickets:status-answer",
    "tickets:status-report",
    "tickets:status-end",
    "application-list",
}
# URL names that accept a POST without a CSRF token on purpose.
CSRF_EXEMPT = {"api-token", "healthz", "application-list"}
SKIP_PREFIXES = ("admin:",)

# Which object a URL's ``pk`` names: API views by their router basename, pages by URL name.
API_PK = {
    "region": "region",
    "application": "application",
    "station": "station",
    "staff": "staff",
    "certificate": "certificate",
    "assessment": "assessment",
    "sanction": "sanction",
    "revocation-review": "revocation_review",
    "customer": "customer",
    "device": "device",
    "ticket": "ticket",
    "callback": "callback",
    "complaint": "complaint",
    "daily-report": "daily_report",
    "spares-item": "item",
    "spares-stock": "stock",
    "spares-movement": "movement",
    "spares-shipment": "shipment",
    "spares-deposit": "deposit",
    "spares-obligation": "obligation",
    "spares-write-off": "write_off",
    "spares-replenishment": "replenishment",
    "spares-stocktake": "stocktake",
    "settlement-fee-rule": "fee_rule",
    "settlement-run": "run",
    "settlement-statement": "statement",
    "inspection-template": "template",
    "inspection": "inspection",
    "rectification": "rectification",
    "notification": "notification",
    "outbox": "outbox_message",
    "fraud-signal": "fraud_signal",
}
PAGE_PK = {
    "object-history": "station",
    "stations:station-exit-confirmation": "station",
    "stations:application-detail": "application",
    "stations:application-report": "application",
    "stations:application-document": "application",
    "stations:application-action": "application",
    "stations:certificate-action": "certificate",
    "stations:assessment-decide": "assessment",
    "stations:sanction-action": "sanction",
    "stations:revocation-review-detail": "revocation_review",
    "stations:station-detail": "station",
    "stations:station-state": "station",
    "stations:station-certificate": "station",
    "stations:staff": "station",
    "tickets:detail": "ticket",
    "tickets:action": "ticket",
    "tickets:complete": "ticket",
    "tickets:report": "ticket",
    "tickets:file": "ticket",
    "tickets:callback": "callback",
    "tickets:complaint": "complaint",
    "tickets:daily-report-submit": "daily_report",
    "spares:station-stock": "station",
    "spares:station-stock-export": "station",
    "spares:deposit-record": "station",
    "spares:sell": "station",
    "spares:write-off-request": "station",
    "spares:shipment-detail": "shipment",
    "spares:defective-receive": "obligation",
    "spares:write-off-decide": "write_off",
    "spares:replenishment-detail": "replenishment",
    "spares:stocktake-decide": "stocktake",
    "spares:movement-reverse": "movement",
    "settlement:run-status": "run",
    "settlement:workbook-export-status": "workbook_export",
    "settlement:workbook-export-download": "workbook_export",
    "settlement:statement": "statement",
    "settlement:statement-pdf": "statement",
    "settlement:statement-ticket": "statement",
    "settlement:statement-unpaid": "statement",
    "settlement:statement-action": "statement",
    "inspections:detail": "inspection",
    "inspections:fill": "inspection",
    "inspections:item-save": "inspection",
    "inspections:stock-save": "inspection",
    "inspections:submit": "inspection",
    "inspections:report-pdf": "inspection",
    "inspections:rectification-pdf": "inspection",
    "inspections:rectification-detail": "rectification",
    "inspections:rectification-answer": "rectification",
    "inspections:rectification-confirm": "rectification",
    "inspections:rectification-reject": "rectification",
    "inspections:evidence-photo": "rectification",
    "notification-read": "notification",
    "fraud:confirm": "fraud_signal",
    "fraud:dismiss": "fraud_signal",
}
# Other id keywords: the same object wherever they appear, except ``line_id`` (a checklist line or a stock line).
ID_KWARGS = {"user_id": "staff", "ticket_id": "ticket", "score_id": "item_score", "station_id": "station"}
LINE_ID = {
    "inspections:item-save": "item_score",
    "inspections:item-photo": "item_score",
    "inspections:stock-save": "stock_line",
    "inspection-stock-count-save": "stock_line",
}
# Keywords that are not ids, per URL name (``app_label``/``model_name`` come from the ``pk`` object).
VALUES = {
    ("stations:application-document", "which"): "business_licence",
    ("stations:application-action", "action"): "check-documents",
    ("stations:certificate-action", "action"): "renew",
    ("stations:sanction-action", "action"): "appeal",
    ("settlement:statement-action", "action"): "confirm",
    ("tickets:action", "verb"): "accept",
    ("tickets:file", "field"): "photo_before",
    ("password_reset_confirm", "uidb64"): "MQ",
    ("password_reset_confirm", "token"): "set-password",
}
MONTH_KWARGS = ("month", "yyyy_mm", "period")
SICHUAN = "510000"  # the province a regional manager under test manages
# Objects that belong to no station; everything else in ``world`` is the other station's.
NETWORK_WIDE = {
    "region",
    "application",
    "customer",
    "device",
    "item",
    "fee_rule",
    "run",
    "workbook_export",
    "template",
    "outbox_message",
}
# Objects of one person (another station's coordinator): everyone else is refused, whatever the role
# (tests/repairnet/test_notifications.py); here they are walked for server errors only.
PERSONAL = {"notification"}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else ""
            yield from _walk(p.url_patterns, prefix + ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name, p


def _basename(pattern: URLPattern) -> str | None:
    return (getattr(pattern.callback, "initkwargs", None) or {}).get("basename")


def _object_key(name: str, pattern: URLPattern, kwarg: str) -> str | None:
    """The ``world`` key for an id keyword of this URL, or None when the tables do not say."""
    if kwarg == "pk":
        basename = _basename(pattern)
        return API_PK.get(basename) if basename else PAGE_PK.get(name)
    if kwarg == "line_id":
        return LINE_ID.get(name)
    return ID_KWARGS.get(kwarg)


def _unfilled(name: str, pattern: URLPattern) -> list[str]:
    missing = []
    for kwarg in pattern.pattern.regex.groupindex:
        if kwarg in MONTH_KWARGS or kwarg == "year" or (name, kwarg) in VALUES:
            continue
        if kwarg in ("app_label", "model_name") and _object_key(name, pattern, "pk"):
            continue
        if _object_key(name, pattern, kwarg) is None:
            missing.append(kwarg)
    return missing


def _targets():
    """(name, pattern) of every named URL; DRF format-suffix duplicates left out."""
    out = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith(SKIP_PREFIXES) or "format" in pattern.pattern.regex.groupindex:
            continue
        out.append((name, pattern))
    return out


TARGETS = _targets()


def _owned_by_a_station(name: str, pattern: URLPattern) -> bool:
    keys = {_object_key(name, pattern, kwarg) for kwarg in pattern.pattern.regex.groupindex}
    return bool(keys - {None} - NETWORK_WIDE - PERSONAL)


def _url(world: dict, name: str, pattern: URLPattern) -> str:
    kwargs = {}
    for kwarg in pattern.pattern.regex.groupindex:
        if kwarg in MONTH_KWARGS:
            kwargs[kwarg] = f"{world['month']:%Y-%m}"
        elif kwarg == "year":
            kwargs[kwarg] = str(world["month"].year)
        elif (name, kwarg) in VALUES:
            kwargs[kwarg] = VALUES[name, kwarg]
        elif kwarg in ("app_label", "model_name"):
            meta = world[_object_key(name, pattern, "pk")]._meta
            kwargs[kwarg] = meta.app_label if kwarg == "app_label" else meta.model_name
        else:
            key = _object_key(name, pattern, kwarg)
            if key is None:
                pytest.fail(f"{name}: no object for URL keyword {kwarg!r} — add it to the tables above")
            kwargs[kwarg] = str(world[key].pk)
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def world(request):
    """Real objects of one station (stock, a closed ticket with its callback, complaint, daily report,
    parts obligation, write-off, replenishment and stocktake requests, sanctions, a revocation review, assessment,
    statement, submitted inspection with a rectification) and network-wide ones, keyed as the tables above name
    them."""
    station = request.getfixturevalue("stocked_station")  # ¥5,000 deposit, a shipment received
    hq_actor, tuner, remote = (request.getfixturevalue(f) for f in ("hq_user", "part", "accessory"))
    month = clock.previous_month()
    technician = certified(station)
    coordinator = make_user(roles.COORDINATOR, station)
    ticket = completed_ticket(
        station=station,
        technician=technician,
        completed_at=at(month, 5),
        callback_outcome="confirmed",
        photo_before=png_upload("before.png"),
    )
    spares_services.stock_use_for_ticket(ticket=ticket, parts=[{"item_id": tuner.pk, "quantity": 1}], actor=technician)
    write_off = spares_services.write_off_request(
        station=station, item_id=remote.pk, quantity=1, reason="外壳破损", actor=coordinator
    )
    replenishment = spares_services.replenishment_request(
        station=station, lines=[{"item_id": tuner.pk, "quantity": 2}], actor=coordinator
    )
    (stocktake,) = spares_services.stocktake_propose(
        station=station, counts=[{"item_id": tuner.pk, "counted_quantity": 1}], actor=hq_actor, source_ref="matrix"
    )
    complaint = tickets_services.complaint_create(
        actor=hq_actor, ticket_id=ticket.pk, category="attitude", description="态度差"
    )
    tickets_services.daily_reports_build(day=clock.today())
    sanction = stations_services.sanction_raise(station=station, rule_code="complaint_upheld", actor=hq_actor)
    fabricated = stations_services.sanction_raise(
        station=station, rule_code="fabricated_ticket", actor=hq_actor, source_ref="matrix:fabricated"
    )
    stations_services.sanction_decide(sanction=fabricated, actor=hq_actor, approve=True)
    (assessment,) = stations_services.assessment_run(
        year=month.year, quarter=(month.month - 1) // 3 + 1, actor=roles.SYSTEM
    )
    application = stations_services.application_submit(
        data=application_data(), business_licence=pdf_upload(), financial_report=png_upload()
    )
    settlement_month_build(month=month)
    run = settlement_run_start(month=month, actor=make_user(roles.FINANCE), queue=False)
    visitor = request.getfixturevalue("inspector")
    inspection = request.getfixturevalue("schedule")()
    fill(inspection, visitor, {"image.clean": 2})
    item_score = inspections_services.item_score_save(
        score_id=inspection.scores.get(item_code="image.clean").pk, actor=visitor, photo=png_upload("bench.png")
    )
    inspection = inspections_services.inspection_submit(inspection_id=inspection.pk, actor=visitor)
    rectification = inspections_services.rectification_answer(
        rectification_id=inspection.rectifications.get().pk,
        actor=coordinator,
        answer="已清理维修台",
        evidence=png_upload("evidence.png"),
    )
    notification_raise(
        kind="statement_issued", key="matrix", recipient_ids=[coordinator.pk], params={"month": "2026-11", "net": "30"}
    )
    notification = coordinator.notifications.get(key="matrix")
    outbox.enqueue(event="callback_due", key="matrix", phones=[ticket.customer.phone], context={"number": "T1"})
    world = {
        "month": month,
        "station": station,
        "staff": technician,
        "certificate": technician.certificates.get(),
        "assessment": assessment,
        "sanction": sanction,
        "revocation_review": fabricated.revocation_review,
        "application": application,
        "ticket": ticket,
        "customer": ticket.customer,
        "device": ticket.device,
        "callback": ticket.callback,
        "complaint": complaint,
        "daily_report": DailyReport.objects.get(station=station),
        "region": region(),
        "item": tuner,
        "stock": StockBalance.objects.filter(location__station=station).first(),
        "movement": Movement.objects.filter(station=station).first(),
        "shipment": Shipment.objects.get(station=station),
        "deposit": DepositEntry.objects.get(station=station),
        "obligation": Obligation.objects.get(station=station),
        "write_off": write_off,
        "replenishment": replenishment,
        "stocktake": stocktake,
        "fee_rule": FeeRule.objects.first(),
        "run": run,
        "workbook_export": WorkbookExport.objects.create(month=month),
        "statement": Statement.objects.get(station=station, month=month),
        "template": inspection.template,
        "inspection": inspection,
        "item_score": item_score,
        "stock_line": inspection.stock_lines.first(),
        "rectification": rectification,
        "notification": notification,
        "outbox_message": OutboxMessage.objects.filter(key="matrix").first(),
        "fraud_signal": FraudSignal.objects.create(
            rule=RuleCode.NO_ARRIVAL, key=f"ticket:{ticket.pk}", ticket=ticket, station=station
        ),
    }
    missing = [key for key, obj in world.items() if obj is None]
    assert not missing, f"world has no {missing}"
    unowned = NETWORK_WIDE | PERSONAL | {"month"}
    owners = {key: roles.station_id_of(obj) for key, obj in world.items() if key not in unowned}
    owners |= {"stock": world["stock"].location.station_id, "stock_line": world["stock_line"].inspection.station_id}
    assert {key for key, owner in owners.items() if owner != station.pk} == set(), owners
    return world


def _urls(world):
    seen, out = set(), []
    for name, pattern in TARGETS:
        url = _url(world, name, pattern)
        if url not in seen:
            seen.add(url)
            out.append((name, url, pattern))
    return out


def test_matrix_covers_the_product():
    names = {name for name, _p in TARGETS}
    assert {"home", "object-history", "region-list", "tickets:detail", "settlement:statement-ticket"} <= names
    assert len(TARGETS) >= 10


def test_every_url_keyword_is_filled():
    unfilled = [f"{name}: {_unfilled(name, pattern)}" for name, pattern in TARGETS if _unfilled(name, pattern)]
    assert not unfilled, "URL keywords without an object (add them to the tables):\n" + "\n".join(unfilled)
    assert any(_owned_by_a_station(name, p) for name, p in TARGETS)


@pytest.mark.django_db
def test_anonymous_is_refused_everywhere_but_public_pages(client, world):
    failures = []
    for name, url, _pattern in _urls(world):
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{url} → {response.status_code}")
        elif name in PUBLIC:
            continue
        elif url.startswith("/api/"):
            if response.status_code not in (401, 403):
                failures.append(f"{url} answered {response.status_code} to anonymous")
        elif response.status_code not in (302, 401, 403, 405):
            failures.append(f"{url} answered {response.status_code} to anonymous")
        elif response.status_code == 302 and not re.match(r"^/(accounts/login|admin/login)/", response.url):
            failures.append(f"{url} sent anonymous to {response.url}")
    assert not failures, "\n".join(failures)


def _declared_rule(pattern: URLPattern, method: str = "get") -> str | None:
    callback = pattern.callback
    rule = getattr(callback, "permission_action", None)
    if rule:
        return rule
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    table = getattr(cls, "permission_actions", None)
    if not table:
        return None
    actions = getattr(callback, "actions", None) or {}
    action = actions.get(method) or method
    return table.get(action) or table.get("*")


@pytest.mark.django_db
@pytest.mark.parametrize("role", roles.ALL_ROLES)
def test_every_role_gets_no_server_error_and_declared_rules_hold(role, world):
    user = make_user(role)  # station staff get a station of their own: every station-owned object is another's
    if role == roles.REGIONAL:  # 四川省: the world's station is in Henan (410102), so all its objects are outside
        user.managed_regions.set([region(SICHUAN)])
    confined = roles.is_station_staff(user) or roles.is_regional(user)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    failures = []
    for name, url, pattern in _urls(world):
        response = client.get(url, HTTP_ACCEPT="text/html,application/json")
        if response.status_code >= 500:
            failures.append(f"{url} → {response.status_code}")
            continue
        rule = _declared_rule(pattern)
        refused = rule and rule != "public" and rule in roles.RULES and not roles.can(user, rule)
        if refused and response.status_code not in (403, 405):
            failures.append(f"{url} ({rule}) → {response.status_code}, expected 403 for {role}")
        if confined and _owned_by_a_station(name, pattern):
            if response.status_code == 405:  # a form's target: the POST must be refused, not just the GET
                response = client.post(url, HTTP_ACCEPT="text/html,application/json")
            if response.status_code not in (403, 404):
                failures.append(f"{url} → {response.status_code}: {role} reached another station's object")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(world):
    user = make_user(roles.ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    accepted = []
    for name, url, _pattern in _urls(world):
        if name in CSRF_EXEMPT:
            continue
        response = client.post(url, {"x": "1"})
        if response.status_code != 403 and response.status_code != 405:
            accepted.append(f"{url} → {response.status_code}")
    assert not accepted, "POST without CSRF token not refused:\n" + "\n".join(accepted)
