"""Each rule flags the ticket it is about and leaves a clean one alone; evaluation is idempotent."""

import datetime

import pytest

from fraud.models import FraudRule, FraudSignal, RuleCode
from fraud.selectors import evidence_text
from fraud.services import fraud_evaluate
from repairnet import roles
from spares.models import Obligation
from tests import clock
from tests.factories import StationFactory, make_user
from tickets.models import Callback, Complaint

from .conftest import device, evaluate, ticket

pytestmark = pytest.mark.django_db


def flagged(rule: str) -> set[int]:
    return set(FraudSignal.objects.filter(rule=rule).values_list("ticket_id", flat=True))


def test_clean_ticket_raises_nothing():
    ticket()
    assert evaluate() == {"created": 0, "unchanged": 0}
    assert not FraudSignal.objects.exists()


def test_serial_claimed_at_two_stations_flags_the_later_claim():
    dev = device()
    first = ticket(device=dev, completed_at=clock.now() - datetime.timedelta(days=10))
    second = ticket(device=dev, completed_at=clock.now() - datetime.timedelta(days=3))
    evaluate()
    assert flagged(RuleCode.SERIAL_TWO_STATIONS) == {second.pk}
    signal = FraudSignal.objects.get(rule=RuleCode.SERIAL_TWO_STATIONS)
    assert first.number in evidence_text(signal) and dev.serial in evidence_text(signal)


def test_serial_at_two_stations_outside_the_window_is_clean():
    FraudRule.objects.create(code=RuleCode.SERIAL_TWO_STATIONS, window_days=5, weight=30)
    dev = device()
    ticket(device=dev, completed_at=clock.now() - datetime.timedelta(days=40))
    ticket(device=dev, completed_at=clock.now() - datetime.timedelta(days=3))
    evaluate()
    assert flagged(RuleCode.SERIAL_TWO_STATIONS) == set()


def test_technician_in_two_districts_minutes_apart_is_flagged():
    station = StationFactory()
    tech = make_user(roles.TECHNICIAN, station)
    when = clock.now() - datetime.timedelta(days=2)
    a = ticket(station=station, technician=tech, device=device("410102"), completed_at=when)
    b = ticket(
        station=station, technician=tech, device=device("410103"), completed_at=when + datetime.timedelta(minutes=8)
    )
    far = ticket(
        station=station, technician=tech, device=device("410104"), completed_at=when + datetime.timedelta(hours=5)
    )
    evaluate()
    assert flagged(RuleCode.TECHNICIAN_HOP) == {a.pk, b.pk}
    assert far.pk not in flagged(RuleCode.TECHNICIAN_HOP)
    text = evidence_text(FraudSignal.objects.get(rule=RuleCode.TECHNICIAN_HOP, ticket=b))
    assert "二七区" in text and "中原区" in text and "8" in text


def test_completion_without_a_real_arrival_is_flagged():
    when = clock.now() - datetime.timedelta(days=2)
    rushed = ticket(completed_at=when, started_at=when - datetime.timedelta(minutes=1))
    carry_in = ticket(completed_at=when, started_at=when - datetime.timedelta(minutes=1), service_mode="carry_in")
    evaluate()
    assert flagged(RuleCode.NO_ARRIVAL) == {rushed.pk}
    assert carry_in.pk not in flagged(RuleCode.NO_ARRIVAL)


def test_repeat_repair_of_a_serial_is_flagged():
    dev = device()
    station = StationFactory()
    first = ticket(station=station, device=dev, completed_at=clock.now() - datetime.timedelta(days=20))
    again = ticket(station=station, device=dev, completed_at=clock.now() - datetime.timedelta(days=4))
    evaluate()
    assert flagged(RuleCode.REPEAT_REPAIR) == {again.pk}
    assert first.number in evidence_text(FraudSignal.objects.get(rule=RuleCode.REPEAT_REPAIR))


def test_customer_saying_nobody_came_is_flagged():
    not_repaired = ticket(callback_outcome=Callback.Outcome.NOT_REPAIRED)
    confirmed = ticket(callback_outcome=Callback.Outcome.CONFIRMED)
    missed = ticket()
    Complaint.objects.create(
        ticket=missed,
        station=missed.station,
        category=Complaint.Category.LATE,
        description="没人上门",
        ack_due_at=clock.now(),
        resolve_due_at=clock.now(),
        created_by=make_user(roles.HOTLINE),
    )
    evaluate()
    assert flagged(RuleCode.NOBODY_CAME) == {not_repaired.pk, missed.pk}
    assert confirmed.pk not in flagged(RuleCode.NOBODY_CAME)


def test_defective_never_returned_is_flagged():
    from spares.models import Item, Location, Movement

    late, returned = ticket(), ticket()
    item = Item.objects.create(code="P-PSU", name="电源板", kind=Item.Kind.PART)
    for t, status in ((late, Obligation.Status.OVERDUE), (returned, Obligation.Status.RECEIVED)):
        stock, _c = Location.objects.get_or_create(kind=Location.Kind.STATION, station=t.station)
        used, _c = Location.objects.get_or_create(kind=Location.Kind.CUSTOMER, station=t.station)
        use = Movement.objects.create(
            item=item,
            quantity=1,
            from_location=stock,
            to_location=used,
            station=t.station,
            type=Movement.Type.USE,
            created_at=clock.now(),
        )
        Obligation.objects.create(
            station=t.station,
            item=item,
            use_movement=use,
            ticket_id=t.pk,
            ticket_number=t.number,
            unit_cost=10,
            due_date=clock.today() - datetime.timedelta(days=30),
            status=status,
        )
    evaluate()
    assert flagged(RuleCode.DEFECTIVE_NOT_RETURNED) == {late.pk}


def test_evaluation_is_idempotent_and_a_dismissed_signal_stays_dismissed(hq):
    from fraud.services import fraud_signal_dismiss

    when = clock.now() - datetime.timedelta(days=2)
    ticket(completed_at=when, started_at=None)
    assert evaluate()["created"] == 1
    assert evaluate() == {"created": 0, "unchanged": 1}
    fraud_signal_dismiss(signal_id=FraudSignal.objects.get().pk, actor=hq, reason="核实已上门")
    assert evaluate()["created"] == 0
    assert FraudSignal.objects.get().status == FraudSignal.Status.DISMISSED


def test_disabled_rule_raises_nothing():
    FraudRule.objects.create(code=RuleCode.NO_ARRIVAL, enabled=False)
    ticket(started_at=None)
    evaluate()
    assert not FraudSignal.objects.filter(rule=RuleCode.NO_ARRIVAL).exists()


def test_evaluate_by_ticket_ids_and_station_staff_refused():
    from django.core.exceptions import PermissionDenied

    t = ticket(started_at=None)
    assert fraud_evaluate(actor=roles.SYSTEM, ticket_ids=[t.pk])["created"] == 1
    with pytest.raises(PermissionDenied):
        fraud_evaluate(actor=make_user(roles.COORDINATOR, t.station))


def test_nightly_task_records_its_run():
    from fraud.tasks import fraud_evaluate_task
    from repairnet.models import JobRun

    ticket(started_at=None)
    fraud_evaluate_task.apply().get()
    run = JobRun.objects.get(name="fraud_evaluate")
    assert run.ok and run.counts == {"created": 1, "unchanged": 0}
