"""The completion page's defaults (issue 16) and the slips on the ticket pages: the history's label for the
parts record, no empty actions box, and overdue time worded as such."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from repairnet import roles
from repairnet.services import audit_record
from spares import services as spares_services
from spares.models import Item, ItemPrice
from tests import clock
from tests.factories import make_user
from tickets import selectors, services
from tickets.models import Ticket
from tickets.templatetags.tickets_tags import duration

from .factories import DeviceFactory, TicketFactory, certified_technician, completed_ticket

pytestmark = pytest.mark.django_db


def zh(text: str, **values) -> str:
    """The Chinese the page shows for a msgid (the English until the catalogue has it)."""
    with translation.override("zh-hans"):
        return translation.gettext(text) % values if values else translation.gettext(text)


def _login(user, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def _stock(station, *items: tuple[str, str, str, str]) -> dict[str, Item]:
    """Ship ``(code, name, kind, compatible models)`` items to the station, 3 of each, retail ¥60."""
    hq = make_user(roles.HQ)
    spares_services.deposit_record(station=station, kind="paid", amount=Decimal("10000.00"), actor=hq)
    made = {}
    for code, name, kind, models in items:
        item = Item.objects.create(code=code, name=name, kind=kind, compatible_models=models)
        ItemPrice.objects.create(
            item=item, effective_from=datetime.date(2020, 1, 1), unit_cost=Decimal("20"), retail_price=Decimal("60")
        )
        spares_services.hq_stock_receive(item=item, quantity=5, actor=hq)
        made[code] = item
    shipment = spares_services.shipment_create(
        station=station, lines=[{"item_id": i.pk, "quantity": 3} for i in made.values()], actor=hq
    )
    spares_services.shipment_receive(shipment=shipment, actor=make_user(roles.COORDINATOR, station))
    return made


def _in_repair(station, tech, **fields) -> Ticket:
    ticket = TicketFactory(**fields)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=make_user(roles.HOTLINE))
    services.ticket_accept(ticket_id=ticket.pk, actor=tech)
    services.ticket_arrive(ticket_id=ticket.pk, actor=tech)
    return Ticket.objects.get(pk=ticket.pk)


TUNER = ("P-TUNER", "高频头", Item.Kind.PART, "HD-100, HD-200")
PSU = ("P-PSU", "电源板", Item.Kind.PART, "HD-100")
PSU2 = ("P-PSU2", "电源板（4K机型）", Item.Kind.PART, "HD-200")


# --- suggestions ---------------------------------------------------------------------------------------


def test_parts_are_suggested_by_fault_category_and_device_model(station):
    tech = certified_technician(station)
    items = _stock(station, TUNER, PSU, PSU2)
    ticket = _in_repair(station, tech, fault_category=Ticket.FaultCategory.NO_POWER)  # an HD-100
    defaults = selectors.completion_defaults_for(ticket=ticket)
    assert [r["item"] for r in defaults["suggested"]] == [items["P-PSU"]]
    assert [r["item"] for r in defaults["fitting"]] == [items["P-TUNER"]]
    assert [r["item"] for r in defaults["other"]] == [items["P-PSU2"]]  # the 4K board does not fit an HD-100
    assert defaults["no_part_reason"] == ""
    assert defaults["suggested"][0]["retail_price"] == Decimal("60.00")


@pytest.mark.parametrize(
    ("stocked", "category", "expected"),
    [
        ((), Ticket.FaultCategory.NO_POWER, "Your station holds no parts in stock"),
        ((PSU2,), Ticket.FaultCategory.NO_POWER, "None of the 1 parts in your station's stock fits the HD-100."),
        ((TUNER,), Ticket.FaultCategory.NO_POWER, "No part in stock is the usual fix for “No power”"),
    ],
    ids=["no-stock", "none-fits", "none-for-the-fault"],
)
def test_the_page_says_why_no_part_is_suggested(station, stocked, category, expected):
    tech = certified_technician(station)
    _stock(station, *stocked) if stocked else None
    ticket = _in_repair(station, tech, fault_category=category)
    assert selectors.completion_defaults_for(ticket=ticket)["suggested"] == []
    page = _login(tech, "en").get(f"/tickets/{ticket.pk}/complete/").content.decode()
    assert 'id="no-part-reason"' in page and expected in page.replace("&#x27;", "'")


def test_complete_page_offers_one_tap_defaults(station):
    tech = certified_technician(station)
    items = _stock(station, TUNER)
    ticket = _in_repair(station, tech, fault_category=Ticket.FaultCategory.NO_SIGNAL)
    page = _login(tech).get(f"/tickets/{ticket.pk}/complete/").content.decode()
    assert f'class="btn btn-sm btn-outline-primary part-chip" data-item="{items["P-TUNER"].pk}"' in page
    assert zh("Tuner faulty, no signal received") in page  # a canned fault-found phrase
    assert zh("Replaced the tuner, signal restored") in page  # a canned work-done phrase
    assert 'name="part_quantity" value="1"' in page  # quantity starts at 1
    assert page.count('capture="environment"') == 2 and page.count('accept="image/*"') == 2  # camera in one tap
    assert 'href="tel:' in page  # call the customer from the form
    assert 'data-price="60.00"' in page and f'data-work-done="{zh("Replaced the %(part)s", part="高频头")}"' in page
    assert 'id="charge"' not in page  # in warranty nothing is charged


def test_out_of_warranty_page_asks_consent_and_the_service_refuses_without_it(station):
    tech = certified_technician(station)
    items = _stock(station, TUNER)
    ticket = _in_repair(
        station, tech, in_warranty=False, device=DeviceFactory(purchase_date=clock.today().replace(year=2000))
    )
    client = _login(tech, "en")
    page = client.get(f"/tickets/{ticket.pk}/complete/").content.decode()
    assert 'id="charge-consent"' in page and 'name="charge_consent"' in page
    report = {"fault_found": "高频头损坏", "work_done": "更换高频头", "signoff_name": "周九"}
    part = {"part_item": str(items["P-TUNER"].pk), "part_quantity": "1"}
    free = client.post(f"/tickets/{ticket.pk}/complete/", {**report, **part})
    assert (
        free.status_code == 200 and "charge_amount" in free.context["form"].errors
    )  # a part out of warranty is charged
    unasked = client.post(f"/tickets/{ticket.pk}/complete/", {**report, **part, "charge_amount": "60"})
    assert unasked.context["form"].errors["charge_consent"] == [
        "Record the customer's consent to the charge before completing."
    ]
    done = client.post(
        f"/tickets/{ticket.pk}/complete/", {**report, **part, "charge_amount": "60", "charge_consent": "on"}
    )
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert (
        ticket.status == Ticket.Status.COMPLETED and ticket.charge_consent and ticket.charge_amount == Decimal("60.00")
    )


# --- the slips ----------------------------------------------------------------------------------------


def test_history_shows_a_label_for_the_parts_record_not_parts_used(station):
    tech = certified_technician(station)
    ticket = completed_ticket(station=station, technician=tech)
    audit_record(obj=ticket, verb="parts_used", actor=tech, data={"parts": [{"item": "P-TUNER", "quantity": 1}]})
    page = _login(tech).get(f"/tickets/{ticket.pk}/").content.decode()
    history = page[page.index('href="/history/') :]
    assert "parts_used" not in history and zh("Parts fitted") in history


def test_no_empty_actions_box_when_there_is_nothing_to_do(station):
    tech = certified_technician(station)
    done = completed_ticket(station=station, technician=tech, callback_outcome="confirmed")  # closed
    page = _login(tech).get(f"/tickets/{done.pk}/").content.decode()
    assert 'id="ticket-actions"' not in page
    working = _in_repair(station, tech)
    page = _login(tech).get(f"/tickets/{working.pk}/").content.decode()
    assert 'id="ticket-actions"' in page and 'id="complete-link"' in page


def test_overdue_time_is_worded_as_overdue_not_negative():
    late = -datetime.timedelta(hours=10, minutes=34)
    with translation.override("en"):
        assert duration(late) == "overdue by 10 h 34 min"
        assert duration(-late) == "10 h 34 min"
        assert duration(-datetime.timedelta(days=3, hours=2)) == "overdue by 3 d 2 h"
    with translation.override("zh-hans"):
        text = duration(late)
        assert text == zh("overdue by %(time)s", time=zh("%(sign)s%(h)s h %(m)02d min", sign="", h=10, m=34))
        assert "-" not in text


def test_queue_shows_overdue_time_and_a_tel_link(station):
    tech = certified_technician(station)
    ticket = _in_repair(station, tech)
    with clock.travel(ticket.complete_due_at + datetime.timedelta(hours=10, minutes=34, seconds=20), tick=False):
        page = _login(tech).get("/tickets/queue/").content.decode()
    shown = re.search(r'<span class="text-danger fw-bold small">([^<]*)</span>', page).group(1)
    assert shown.startswith(zh("overdue by %(time)s", time="")) and "-" not in shown
    assert 'class="queue-phone"><a href="tel:' in page


def test_full_history_page_labels_the_verbs(station):
    tech = certified_technician(station)
    ticket = completed_ticket(station=station, technician=tech)
    audit_record(obj=ticket, verb="parts_used", actor=tech, data={"parts": [{"item": "P-TUNER", "quantity": 1}]})
    audit_record(obj=ticket, verb="some_unregistered_verb", actor=tech)
    page = _login(tech).get(f"/history/tickets/ticket/{ticket.pk}/").content.decode()
    assert "<td>parts_used</td>" not in page and f"<td>{zh('Parts fitted')}</td>" in page
    assert "<td>some_unregistered_verb</td>" in page  # shown as written rather than hidden
