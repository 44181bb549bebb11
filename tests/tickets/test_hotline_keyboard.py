"""The hotline's keyboard-first pieces on the server side (issue 16): the ?phone= screen pop, the district
field's searchable labels, adding a call to the serial's open ticket, and the ticket page's dispatch keys."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from repairnet import roles
from repairnet.models import AuditEvent
from tests.factories import StationFactory, make_user, region
from tickets import selectors, services
from tickets.models import Ticket

from .factories import CustomerFactory, DeviceFactory, TicketFactory
from .test_api import log_call_payload

pytestmark = pytest.mark.django_db


def _page_payload(**kw):
    return {**log_call_payload(**kw), "priority": "normal", "service_mode": "onsite"}


def test_screen_pop_prefills_the_phone_within_the_query_budget(client_for, django_assert_max_num_queries):
    client = client_for(roles.HOTLINE)
    client.get("/tickets/hotline/")  # warm caches (session)
    with django_assert_max_num_queries(10):
        response = client.get("/tickets/hotline/?phone=13598765432")
    assert response.status_code == 200
    assert response.context["form"]["phone"].value() == "13598765432"
    body = response.content.decode()
    assert 'id="id_phone"' in body and 'value="13598765432"' in body
    assert "tickets/hotline.js" in body and "js/shortcuts.js" in body and 'id="shortcuts-overlay"' in body


def test_screen_pop_value_is_escaped_and_capped(client_for):
    response = client_for(roles.HOTLINE).get("/tickets/hotline/", {"phone": '"><script>x</script>' + "1" * 80})
    body = response.content.decode()
    assert response.status_code == 200 and "<script>x</script>" not in body
    assert len(response.context["form"]["phone"].value()) == 40


def test_district_field_is_searchable_by_its_chinese_full_name(client_for):
    """Tom Select searches the <select>'s option labels in the browser: the labels must carry the province, city
    and district in Chinese (typing 锦江 finds 四川省成都市锦江区), and come from the one district query."""
    body = client_for(roles.HOTLINE).get("/tickets/hotline/").content.decode()
    jinjiang = region("510104")
    assert f'<option value="{jinjiang.pk}">四川省成都市锦江区</option>' in body
    assert "vendor/tom-select/tom-select.base.min.js" in body and "tom-select.bootstrap5.min.css" in body


def test_lookup_names_the_open_ticket_with_its_id(client_for):
    ticket = TicketFactory(device__serial="HD2505000042")
    data = client_for(roles.HOTLINE).get("/tickets/lookup/?q=HD2505000042").json()
    assert data["warnings"]["open_ticket"] == ticket.number and data["warnings"]["open_ticket_id"] == ticket.pk


def test_add_this_call_to_the_open_ticket_instead_of_a_second_one(client_for):
    open_ticket = TicketFactory(device__serial="HD2502000123")
    client = client_for(roles.HOTLINE)
    response = client.post(
        reverse("tickets:hotline"),
        _page_payload(description="客户再次来电催修", add_to_ticket=str(open_ticket.pk)),
    )
    assert response.status_code == 302 and response.url == f"/tickets/{open_ticket.pk}/"
    assert Ticket.objects.count() == 1
    event = AuditEvent.objects.get(verb="call_added", object_id=str(open_ticket.pk))
    # the fault category's label (in the agent's language) and what the customer said
    assert event.note.endswith(" · 客户再次来电催修") and event.data["fault_category"] == "no_power"
    assert event.actor is not None
    page = client.get(response.url).content.decode()
    assert "客户再次来电" in page and "客户再次来电催修" in page


def test_refused_second_ticket_offers_adding_the_call_as_the_default(client_for):
    client = client_for(roles.HOTLINE)
    assert client.post(reverse("tickets:hotline"), _page_payload()).status_code == 302
    first = Ticket.objects.get()
    refused = client.post(reverse("tickets:hotline"), _page_payload())
    body = refused.content.decode()
    assert refused.status_code == 200 and refused.context["open_ticket"] == first
    # the add button is the form's first submit button: Enter (implicit submission) adds the call
    assert body.index(f'name="add_to_ticket" value="{first.pk}"') < body.index('id="log-call-submit"')
    assert 'name="duplicate_reason"' in body


def test_a_call_cannot_be_added_to_a_closed_ticket(client_for):
    closed = TicketFactory(status=Ticket.Status.CLOSED)
    response = client_for(roles.HOTLINE).post(
        reverse("tickets:hotline"), _page_payload(add_to_ticket=str(closed.pk)), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("tickets:hotline")
    assert f"工单 {closed.number} 已不在处理中，请新建工单。" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="call_added").exists()
    with pytest.raises(ValidationError):
        services.ticket_call_add(ticket_id=closed.pk, actor=make_user(roles.HOTLINE))


def test_add_call_needs_the_hotline_permission(station):
    ticket = TicketFactory()
    with pytest.raises(PermissionDenied):
        services.ticket_call_add(ticket_id=ticket.pk, actor=make_user(roles.TECHNICIAN, station))


def test_ticket_page_numbers_the_dispatch_suggestions(client_for):
    StationFactory(), StationFactory()
    customer = CustomerFactory(region=region("410102"))
    ticket = TicketFactory(device=DeviceFactory(customer=customer))
    assert len(selectors.dispatch_suggestions(ticket=ticket)) == 2
    body = client_for(roles.HOTLINE).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-dispatch-key="1"' in body and 'data-dispatch-key="2"' in body
    assert "tickets/dispatch.js" in body and 'id="shortcuts-overlay"' in body
