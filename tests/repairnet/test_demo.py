"""The whole demo (`manage.py seed_demo`, what `make run` seeds): two fresh runs give the same data, and what a
newcomer opens first has something in it (the README's technician's queue, every station's stock)."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction

from repairnet import roles
from tests import clock

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OPEN_TECH_STATES = {"accepted", "in_repair", "awaiting_parts", "escalated"}


def _snapshot() -> dict:
    """The demo's data by natural keys (primary keys differ between runs on PostgreSQL: sequences do not roll back)."""
    from inspections.models import Inspection, Rectification
    from repairnet.models import User
    from settlement.models import Statement
    from spares.models import Movement, StockBalance
    from stations.models import Application, Assessment, Certificate, Sanction, Station
    from tickets.models import Callback, Complaint, Ticket

    def rows(qs, *fields):
        return sorted(tuple(str(v) for v in row) for row in qs.values_list(*fields))

    return {
        "stations": rows(Station.objects, "code", "name", "tier", "status"),
        "users": rows(User.objects, "username", "first_name", "last_name", "station__code", "password"),
        "groups": rows(User.objects, "username", "groups__name"),
        "managed_regions": rows(
            User.objects.filter(managed_regions__isnull=False), "username", "managed_regions__code"
        ),
        "applications": rows(Application.objects, "company_name", "status"),
        "certificates": rows(Certificate.objects, "number", "user__username", "expires_on"),
        "sanctions": rows(Sanction.objects, "station__code", "rule__code", "status", "amount", "note"),
        "assessments": rows(Assessment.objects, "station__code", "year", "quarter", "total", "suggestion", "status"),
        "tickets": rows(
            Ticket.objects,
            *("number", "status", "station__code", "technician__username", "customer__name", "customer__phone"),
            *("device__serial", "received_at", "fault_category", "in_warranty", "charge_amount"),
        ),
        "callbacks": rows(Callback.objects, "ticket__number", "status", "outcome", "satisfaction"),
        "complaints": rows(Complaint.objects, "ticket__number", "category", "source", "status"),
        "movements": rows(
            Movement.objects,
            *("type", "item__code", "quantity", "serial_unit__serial", "from_location__kind"),
            *("to_location__kind", "station__code", "created_at", "ticket_number"),
        ),
        "stock": rows(StockBalance.objects, "location__kind", "location__station__code", "item__code", "on_hand"),
        "statements": rows(Statement.objects, "station__code", "month", "status", "net"),
        "inspections": rows(Inspection.objects, "station__code", "scheduled_for", "status", "total", "grade"),
        "rectifications": rows(Rectification.objects, "inspection__station__code", "status", "is_overdue"),
    }


def _seed_and_snapshot(settings, media, check=None) -> dict:
    """One fresh seed_demo, rolled back afterwards (the next one starts from the migrated database again)."""
    settings.MEDIA_ROOT = media
    out = io.StringIO()
    with transaction.atomic():
        call_command("seed_demo", stdout=out)
        snapshot = _snapshot()
        if check is not None:
            check(out.getvalue())
        transaction.set_rollback(True)
    return snapshot


def _newcomer_paths(output: str) -> None:
    from repairnet.models import User
    from spares.models import Location, StockBalance
    from stations.models import Station
    from tickets.models import Ticket
    from tickets.selectors import station_queue

    # progress as it goes: each area announced and timed
    assert "[1/7] seeding repairnet" in output and "[7/7] fraud done in" in output
    # the README's first technician has work in his queue, and each showcase technician work in every state
    tech1 = User.objects.get(username="demo-zz001-tech1")
    assert station_queue(station_id=tech1.station_id, technician=tech1).filter(technician=tech1).exists()
    for username in ("demo-zz001-tech1", "demo-zz001-tech2", "demo-cd001-tech1"):
        states = set(Ticket.objects.filter(technician__username=username).values_list("status", flat=True))
        assert states >= OPEN_TECH_STATES, username
    for code in ("ZZ001", "CD001"):
        assert Ticket.objects.filter(station__code=code, status="dispatched", technician__isnull=True).exists()
    # every active station holds parts or accessories in its own stock
    holding = set(
        StockBalance.objects.filter(location__kind=Location.Kind.STATION, on_hand__gt=0).values_list(
            "location__station__code", flat=True
        )
    )
    active = set(Station.objects.filter(status="active").values_list("code", flat=True))
    assert active and active <= holding, sorted(active - holding)
    assert StockBalance.objects.filter(
        location__kind=Location.Kind.STATION, location__station__code="HA0102", item__kind="part", on_hand__gt=0
    ).exists()
    # the regional manager of 四川省 is listed with the region, and oversees CD001 (成都) but not ZZ001 (郑州)
    assert re.search(r"demo-region-sc +区域经理 @ 四川省|demo-region-sc +Regional manager @ 四川省", output), output
    manager = User.objects.get(username="demo-region-sc")
    seen = set(roles.scope_queryset(manager, Station.objects.all(), "pk").values_list("code", flat=True))
    assert "CD001" in seen and "ZZ001" not in seen


def test_two_fresh_seed_demo_runs_give_the_same_data_and_the_newcomer_paths_have_data(settings, tmp_path):
    with clock.travel(clock.now(), tick=False):
        first = _seed_and_snapshot(settings, tmp_path / "first", check=_newcomer_paths)
        second = _seed_and_snapshot(settings, tmp_path / "second")
    assert first["tickets"] and first["movements"] and first["inspections"]
    for key in first:
        assert first[key] == second[key], key
