"""Pages offer a verb exactly when its model's VERBS table and the user's rule allow it."""

import pytest
from django.apps import apps
from django.urls import reverse

from repairnet import roles
from tickets.models import Ticket


def _models_with_verbs():
    return [m for m in apps.get_models() if hasattr(m, "VERBS")]


def test_every_verb_moves_along_the_transition_table_and_names_a_rule():
    assert {m._meta.label for m in _models_with_verbs()} >= {
        "tickets.Ticket",
        "tickets.Complaint",
        "settlement.Statement",
        "stations.Application",
    }
    for model in _models_with_verbs():
        for verb, (rule, moves) in model.VERBS.items():
            assert rule in roles.RULES, (model, verb)
            for source, target in moves.items():
                assert source == target or target in model.TRANSITIONS[source], (model, verb, source, target)


@pytest.mark.django_db
def test_ticket_verbs_follow_state_role_and_station(station, other_station, user_for):
    from tests.tickets.factories import TicketFactory

    ticket = TicketFactory(station=station, status=Ticket.Status.DISPATCHED)
    own_tech, other_tech = user_for(roles.TECHNICIAN, station), user_for(roles.TECHNICIAN, other_station)
    assert roles.available_transitions(ticket, own_tech) == {"accept", "reject"}
    assert roles.available_transitions(ticket, other_tech) == set()
    assert roles.available_transitions(ticket, user_for(roles.HOTLINE)) == {"cancel", "reprioritise"}
    ticket.status = Ticket.Status.IN_REPAIR
    assert roles.available_transitions(ticket, own_tech) == {"schedule", "spare", "complete", "await_parts", "escalate"}
    ticket.status = Ticket.Status.COMPLETED
    assert roles.available_transitions(ticket, own_tech) == set()


@pytest.mark.django_db
def test_ticket_page_offers_only_the_available_verbs(station, client_for):
    from tests.tickets.factories import TicketFactory, certified_technician

    ticket = TicketFactory(station=station, status=Ticket.Status.DISPATCHED)
    reject_url = reverse("tickets:action", args=[ticket.pk, "reject"])
    page = client_for(roles.TECHNICIAN, station).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="accept-btn"' in page and reject_url in page
    assert 'id="arrive-btn"' not in page and 'id="complete-link"' not in page
    assert 'id="accept-technician"' not in page  # a technician accepts for himself: no chooser
    # HQ may accept for one of the station's certified technicians (it assigns), but never rejects for the station
    certified_technician(station)
    hq_page = client_for(roles.HQ).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="accept-btn"' in hq_page and 'id="accept-technician"' in hq_page and reject_url not in hq_page


@pytest.mark.django_db
def test_statement_verbs_follow_the_flow(station, user_for):
    from settlement.models import Statement

    statement = Statement(station=station, status=Statement.Status.DRAFT)
    finance, coordinator = user_for(roles.FINANCE), user_for(roles.COORDINATOR, station)
    assert roles.available_transitions(statement, finance) == {"issue", "adjust"}
    statement.status = Statement.Status.ISSUED
    assert roles.available_transitions(statement, coordinator) == {"confirm", "dispute"}
    statement.status = Statement.Status.DISPUTED
    assert roles.available_transitions(statement, finance) == {"resolve", "approve"}
    statement.status = Statement.Status.PAID
    assert roles.available_transitions(statement, finance) == set()
