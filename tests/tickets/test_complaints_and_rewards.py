"""SPEC 1.5 / 2.7: complaints against a ticket, a station or a technician; the deadline job that escalates them
and raises `complaint_hidden`; the monthly satisfaction and quarterly excellence bonuses. Each job runs twice
and books once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from repairnet import roles
from repairnet.models import JobRun
from stations.models import Sanction, Station
from tests import clock
from tests.factories import StationFactory, make_user
from tickets import services, tasks
from tickets.models import Callback, Complaint, SlaBreach

from .factories import TicketFactory, completed_ticket


def _login(user):
    client = Client()
    client.force_login(user)
    return client


def _sanctions(rule_code):
    return list(Sanction.objects.filter(rule__code=rule_code).order_by("station__code", "pk"))


# --- complaints --------------------------------------------------------------------------------------------


def test_a_complaint_against_a_technician_or_a_station_without_a_ticket(db):
    station, other = StationFactory(), StationFactory()
    technician = make_user(roles.TECHNICIAN, station)
    agent = make_user(roles.HOTLINE)
    response = _login(agent).post(
        "/api/v1/complaints/",
        {"technician": technician.pk, "category": "attitude", "description": "上门态度恶劣"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["ticket"], body["station"], body["technician"]) == (None, station.pk, technician.pk)

    page = _login(agent).post(
        "/tickets/complaints/new/", {"station": other.pk, "category": "charges", "description": "乱收费"}
    )
    assert page.status_code == 302
    complaint = Complaint.objects.get(description="乱收费")
    assert (complaint.station, complaint.technician, complaint.ticket) == (other, None, None)

    with pytest.raises(ValidationError) as exc:
        services.complaint_create(
            actor=agent, station=other, technician=technician, category="attitude", description="张冠李戴"
        )
    assert exc.value.message_dict == {"technician": ["该维修工程师不属于此服务站。"]}
    refused = _login(agent).post("/tickets/complaints/new/", {"category": "other", "description": "没说对谁"})
    assert refused.status_code == 200 and "投诉须针对一张工单、一个服务站或一名维修工程师" in refused.content.decode()
    assert Complaint.objects.count() == 2


def test_the_station_acknowledges_its_own_complaints_only(db):
    station, other = StationFactory(), StationFactory()
    agent = make_user(roles.HOTLINE)
    mine = services.complaint_create(actor=agent, station=station, category="late", description="迟到")
    theirs = services.complaint_create(actor=agent, station=other, category="late", description="迟到")
    coordinator = make_user(roles.COORDINATOR, station)
    page = _login(coordinator).get(f"/tickets/complaints/{mine.pk}/")
    assert 'value="acknowledge"' in page.content.decode() and "investigation" not in page.content.decode()
    _login(coordinator).post(f"/tickets/complaints/{mine.pk}/", {"verb": "acknowledge", "note": "已联系客户"})
    mine.refresh_from_db()
    assert mine.status == Complaint.Status.ACKNOWLEDGED and mine.acknowledged_at is not None
    with pytest.raises(PermissionDenied):
        services.complaint_acknowledge(complaint_id=theirs.pk, actor=coordinator)
    api = _login(coordinator).post(f"/api/v1/complaints/{theirs.pk}/acknowledge/", {"note": "x"})
    assert api.status_code == 404
    with pytest.raises(PermissionDenied):  # the verdict stays HQ's
        services.complaint_resolve(complaint_id=mine.pk, actor=coordinator, verdict="upheld", investigation="x")
    theirs.refresh_from_db()
    assert theirs.status == Complaint.Status.OPEN


def test_the_deadline_job_escalates_once_and_raises_one_penalty(db):
    station = StationFactory()
    agent = make_user(roles.HOTLINE)
    start = clock.now()
    late = services.complaint_create(actor=agent, station=station, category="late", description="迟到", now=start)
    on_time = services.complaint_create(actor=agent, station=station, category="late", description="准时", now=start)
    services.complaint_acknowledge(complaint_id=on_time.pk, actor=make_user(roles.COORDINATOR, station), now=start)
    no_station = services.complaint_create(
        actor=agent, ticket_id=TicketFactory().pk, category="other", description="未派单", now=start
    )

    assert services.complaint_deadlines_check(now=start + datetime.timedelta(hours=23)) == {
        "flagged": 0,
        "penalties": 0,
    }
    after_ack = start + datetime.timedelta(hours=25)
    assert services.complaint_deadlines_check(now=after_ack) == {"flagged": 2, "penalties": 1}
    assert services.complaint_deadlines_check(now=after_ack) == {"flagged": 0, "penalties": 0}
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.ack_overdue_at == after_ack and late.resolve_overdue_at is None
    assert on_time.ack_overdue_at is None
    (penalty,) = _sanctions("complaint_hidden")
    assert (penalty.station, penalty.amount, penalty.source_ref) == (
        station,
        Decimal("-100.00"),
        f"complaint_late:{late.pk}",
    )

    after_resolve = start + datetime.timedelta(hours=73)
    # the resolution deadline passes for all three; the late one was already penalised, the other now is
    assert services.complaint_deadlines_check(now=after_resolve) == {"flagged": 3, "penalties": 1}
    assert services.complaint_deadlines_check(now=after_resolve) == {"flagged": 0, "penalties": 0}
    assert {s.source_ref for s in _sanctions("complaint_hidden")} == {
        f"complaint_late:{late.pk}",
        f"complaint_late:{on_time.pk}",
    }
    no_station.refresh_from_db()
    assert no_station.resolve_overdue_at == after_resolve

    hq = _login(make_user(roles.HQ))
    listed = hq.get("/tickets/complaints/?overdue=true")
    assert {c.pk for c in listed.context["page_obj"]} == {late.pk, on_time.pk, no_station.pk}
    assert "已逾期，已上报总部" in hq.get(f"/tickets/complaints/{late.pk}/").content.decode()
    with pytest.raises(PermissionDenied):
        services.complaint_deadlines_check(actor=make_user(roles.HOTLINE))


def test_the_deadline_task_shows_on_the_jobs_page(db):
    station = StationFactory()
    services.complaint_create(
        actor=make_user(roles.HOTLINE),
        station=station,
        category="late",
        description="迟到",
        now=clock.now() - datetime.timedelta(days=4),
    )
    assert tasks.complaint_deadlines_task.apply().get() == {"flagged": 1, "penalties": 1}
    assert tasks.complaint_deadlines_task.apply().get() == {"flagged": 0, "penalties": 0}
    runs = JobRun.objects.filter(name="complaint_deadlines").order_by("pk")
    assert [r.counts for r in runs] == [{"flagged": 1, "penalties": 1}, {"flagged": 0, "penalties": 0}]
    page = _login(make_user(roles.HQ)).get("/jobs/").content.decode()
    assert "投诉时限检查" in page


# --- automatic rewards -------------------------------------------------------------------------------------


def _rated(station, when, scores):
    for score in scores:
        ticket = completed_ticket(station=station, completed_at=when, callback_outcome=Callback.Outcome.CONFIRMED)
        Callback.objects.filter(ticket=ticket).update(satisfaction=score)


def test_the_monthly_satisfaction_bonus(db):
    month = clock.previous_month()
    when = datetime.datetime.combine(month.replace(day=15), datetime.time(10), tzinfo=clock.now().tzinfo)
    exact, short, low, revoked = (StationFactory() for _ in range(4))
    _rated(exact, when, [5] * 24 + [4] * 6)  # 30 callbacks averaging exactly 4.8
    _rated(short, when, [5] * 29)  # too few
    _rated(low, when, [5] * 23 + [4] * 7)  # 4.77
    _rated(revoked, when, [5] * 30)
    Station.objects.filter(pk=revoked.pk).update(status=Station.Status.REVOKED)
    _rated(low, when - datetime.timedelta(days=40), [5] * 30)  # another month

    label = f"{month.year}-{month.month:02d}"
    assert tasks.rewards_month_task.apply(kwargs={"month": label}).get() == {"rewards": 1}
    assert tasks.rewards_month_task.apply(kwargs={"month": label}).get() == {"rewards": 0}
    (bonus,) = _sanctions("satisfaction_bonus")
    assert (bonus.station, bonus.amount, bonus.status) == (exact, Decimal("200.00"), Sanction.Status.RAISED)
    assert bonus.source_ref == f"satisfaction_bonus:{label}:{exact.pk}"
    assert "30" in bonus.note and "4.80" in bonus.note
    assert JobRun.objects.filter(name="rewards_month", ok=True).count() == 2
    with pytest.raises(PermissionDenied):
        services.rewards_month(year=month.year, month=month.month, actor=make_user(roles.FINANCE))


def test_the_quarterly_excellence_bonus(db):
    last = clock.previous_month()
    quarter = (last.month - 1) // 3 + 1
    when = datetime.datetime.combine(last.replace(day=10), datetime.time(10), tzinfo=clock.now().tzinfo)
    clean, breached, complained = (StationFactory() for _ in range(3))
    for station in (clean, breached, complained):
        for _ in range(50):
            completed_ticket(station=station, completed_at=when)
    # one breach in 50 is 98 %: still excellent; two are 96 %
    tickets_of = {s: list(s.tickets.order_by("pk")) for s in (clean, breached)}
    SlaBreach.objects.create(ticket=tickets_of[clean][0], leg="complete", due_at=when)
    for ticket in tickets_of[breached][:2]:
        SlaBreach.objects.create(ticket=ticket, leg="complete", due_at=when)
    complaint = services.complaint_create(
        actor=make_user(roles.HOTLINE), station=complained, category="quality", description="修不好", now=when
    )
    services.complaint_resolve(
        complaint_id=complaint.pk, actor=make_user(roles.HQ), verdict="upheld", investigation="属实", now=when
    )

    label = f"{last.year}-Q{quarter}"
    assert tasks.rewards_quarter_task.apply(kwargs={"quarter": label}).get() == {"rewards": 1}
    assert tasks.rewards_quarter_task.apply(kwargs={"quarter": label}).get() == {"rewards": 0}
    (bonus,) = _sanctions("quarter_excellence")
    assert (bonus.station, bonus.amount) == (clean, Decimal("500.00"))
    assert bonus.source_ref == f"quarter_excellence:{last.year}Q{quarter}:{clean.pk}"
    assert "98.0" in bonus.note


# --- fabricated or duplicate tickets -----------------------------------------------------------------------


def test_hq_reports_a_fabricated_ticket_once(db):
    ticket = completed_ticket()
    hq = make_user(roles.HQ)
    page = _login(hq).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="fabricated-form"' in page
    assert 'id="fabricated-form"' not in _login(make_user(roles.HOTLINE)).get(f"/tickets/{ticket.pk}/").content.decode()

    refused = _login(hq).post(f"/api/v1/tickets/{ticket.pk}/report-fabricated/", {"reason": ""})
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    for _ in range(2):  # a double submit books once
        response = _login(hq).post(f"/api/v1/tickets/{ticket.pk}/report-fabricated/", {"reason": "客户称从未报修"})
        assert response.status_code == 200, response.content
    (record,) = _sanctions("fabricated_ticket")
    assert (record.station, record.amount, record.source_ref) == (
        ticket.station,
        Decimal("-200.00"),
        f"ticket:{ticket.pk}",
    )
    assert record.evidence_ref == ticket.number

    coordinator = make_user(roles.COORDINATOR, ticket.station)
    assert (
        _login(coordinator).post(f"/api/v1/tickets/{ticket.pk}/report-fabricated/", {"reason": "x"}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        services.ticket_report_fabricated(ticket_id=ticket.pk, actor=coordinator, reason="x")
    open_ticket = TicketFactory()
    assert _login(hq).post(f"/api/v1/tickets/{open_ticket.pk}/report-fabricated/", {"reason": "x"}).status_code == 400
    assert len(_sanctions("fabricated_ticket")) == 1
