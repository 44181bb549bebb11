import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from repairnet import roles
from tests import clock
from tests.factories import StationFactory, make_user, region
from tickets import services, sla
from tickets.models import Callback, Complaint, DailyReport, Holiday, SlaBreach, SlaPolicy, Ticket, TicketRejection

from .factories import DeviceFactory, DeviceModelFactory, certified_technician, completed_ticket

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()
PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


def log_call(agent, **kw):
    defaults = {
        "phone": "13912345678",
        "customer_name": "李四",
        "serial": "HD2501000001",
        "device_model": DeviceModelFactory(),
        "purchase_date": clock.today() - datetime.timedelta(days=100),
        "has_invoice": True,
        "fault_category": Ticket.FaultCategory.NO_SIGNAL,
        "region": region("410102"),
    }
    defaults.update(kw)
    return services.ticket_create(actor=agent, **defaults)


def run_to_in_repair(ticket, agent, station, tech):
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    services.ticket_accept(ticket_id=ticket.pk, actor=tech)
    return services.ticket_arrive(ticket_id=ticket.pk, actor=tech)


def complete(ticket, tech, **kw):
    args = {"fault_found": "电源板坏", "work_done": "更换电源板", "signoff_name": "李四"}
    args.update(kw)
    return services.ticket_complete(ticket_id=ticket.pk, actor=tech, **args)


# --- numbers and warranty -----------------------------------------------------------------------


def test_ticket_number_is_T_date_and_daily_sequence():
    day = datetime.date(2026, 3, 5)
    assert services.ticket_number_next(day=day) == "T2026030500001"
    assert services.ticket_number_next(day=day) == "T2026030500002"
    assert services.ticket_number_next(day=day + datetime.timedelta(days=1)) == "T2026030600001"


def test_warranty_with_invoice_inside_period():
    device = DeviceFactory(purchase_date=datetime.date(2026, 1, 10), has_invoice=True)
    ok, reason = services.warranty_decide(device=device, on=datetime.date(2027, 1, 10))
    assert ok and "2027-01-10" in reason and "invoice" in reason


def test_warranty_with_invoice_expired():
    device = DeviceFactory(purchase_date=datetime.date(2025, 1, 10), has_invoice=True)
    ok, reason = services.warranty_decide(device=device, on=datetime.date(2026, 1, 11))
    assert not ok and "2026-01-10" in reason


def test_warranty_without_invoice_uses_serial_manufacture_date_plus_three_months():
    device = DeviceFactory(serial="HD2503000007", purchase_date=None, has_invoice=False)
    # made 2025-03 → stands in as purchased 2025-06-01 → warranty to 2026-06-01
    assert services.warranty_decide(device=device, on=datetime.date(2026, 6, 1))[0] is True
    ok, reason = services.warranty_decide(device=device, on=datetime.date(2026, 6, 2))
    assert not ok and "2025-03" in reason


def test_warranty_months_are_editable_per_model():
    model = DeviceModelFactory(code="HD-200", warranty_months=24)
    device = DeviceFactory(model=model, purchase_date=datetime.date(2025, 1, 10), has_invoice=True)
    assert services.warranty_decide(device=device, on=datetime.date(2026, 6, 1))[0] is True


def test_serial_format_validated_per_model(agent):
    with pytest.raises(ValidationError) as err:
        log_call(agent, serial="XX123")
    assert "serial" in err.value.message_dict


def test_create_refused_for_technician(station):
    with pytest.raises(PermissionDenied):
        log_call(make_user(roles.TECHNICIAN, station))


def test_create_reuses_customer_and_device(agent):
    first = log_call(agent)
    Ticket.objects.filter(pk=first.pk).update(status=Ticket.Status.CLOSED)  # an open one needs a reason (below)
    second = log_call(agent, serial="hd2501000001")
    assert second.customer_id == first.customer_id and second.device_id == first.device_id
    with pytest.raises(ValidationError, match="still open"):
        log_call(agent, serial="hd2501000001")
    third = log_call(agent, serial="hd2501000001", duplicate_reason="同号第二台")
    assert third.device_id == first.device_id


# --- lifecycle ----------------------------------------------------------------------------------


def test_full_lifecycle_to_closed(agent, station, tech):
    ticket = log_call(agent)
    assert ticket.status == "received" and ticket.in_warranty
    run_to_in_repair(ticket, agent, station, tech)
    services.ticket_schedule(ticket_id=ticket.pk, actor=tech, appointment_at=clock.now() + datetime.timedelta(hours=2))
    ticket = complete(ticket, tech, signature_data_url=PNG)
    assert ticket.status == "completed" and ticket.signoff_image.name.endswith(".png")
    assert ticket.callback_due_at == ticket.completed_at + datetime.timedelta(hours=24)
    services.callbacks_sweep()
    callback = Callback.objects.get(ticket=ticket)
    services.callback_attempt(callback_id=callback.pk, actor=agent, reached=True, repaired=True, satisfaction=5)
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.callback.outcome == "confirmed"


def test_reject_returns_ticket_and_suggestions_skip_station(agent, station, tech):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    services.ticket_reject(ticket_id=ticket.pk, actor=tech, reason="人手不足")
    ticket.refresh_from_db()
    assert ticket.status == "received" and ticket.station_id is None
    assert TicketRejection.objects.filter(ticket=ticket, station=station).exists()
    with pytest.raises(ValidationError, match="already rejected"):
        services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)


def test_reject_needs_reason_and_accept_window(agent, station, tech):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_reject(ticket_id=ticket.pk, actor=tech, reason=" ")
    late = Ticket.objects.get(pk=ticket.pk).accept_due_at + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="accept window"):
        services.ticket_reject(ticket_id=ticket.pk, actor=tech, reason="忙", now=late)


def test_accept_refused_for_uncertified_technician(agent, station):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    with pytest.raises(ValidationError, match="certificate"):
        services.ticket_accept(ticket_id=ticket.pk, actor=make_user(roles.TECHNICIAN, station))


def test_accept_refused_for_other_station(agent, station, other_station):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    with pytest.raises(PermissionDenied):
        services.ticket_accept(ticket_id=ticket.pk, actor=certified_technician(other_station))


def test_coordinator_accepts_for_a_certified_technician(agent, station, tech):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    coordinator = make_user(roles.COORDINATOR, station)
    ticket = services.ticket_accept(ticket_id=ticket.pk, actor=coordinator, technician=tech)
    assert ticket.technician == tech and ticket.status == "accepted"


def test_work_on_undispatched_ticket_refused_by_scope(agent, station, tech):
    ticket = log_call(agent)
    with pytest.raises(PermissionDenied):
        services.ticket_arrive(ticket_id=ticket.pk, actor=tech)


def test_arrive_before_accept_refused(agent, station, tech):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    with pytest.raises(ValidationError, match="Cannot change"):
        services.ticket_arrive(ticket_id=ticket.pk, actor=tech)


def test_double_dispatch_refused(agent, station, other_station):
    ticket = log_call(agent)
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent)
    with pytest.raises(ValidationError, match="already been dispatched"):
        services.ticket_dispatch(ticket_id=ticket.pk, station_id=other_station.pk, actor=make_user(roles.HOTLINE))


def test_dispatch_to_suspended_station_refused(agent):
    suspended = StationFactory(status="suspended")
    with pytest.raises(ValidationError, match="not active"):
        services.ticket_dispatch(ticket_id=log_call(agent).pk, station_id=suspended.pk, actor=agent)


def test_complete_refused_without_signoff(agent, station, tech):
    ticket = run_to_in_repair(log_call(agent), agent, station, tech)
    with pytest.raises(ValidationError) as err:
        complete(ticket, tech, signoff_name="")
    assert "signoff_name" in err.value.message_dict


def test_complete_refused_without_report(agent, station, tech):
    ticket = run_to_in_repair(log_call(agent), agent, station, tech)
    with pytest.raises(ValidationError) as err:
        complete(ticket, tech, fault_found="", work_done="")
    assert {"fault_found", "work_done"} <= set(err.value.message_dict)


def test_complete_refused_when_certificate_lapsed(agent, station, tech):
    ticket = run_to_in_repair(log_call(agent), agent, station, tech)
    tech.certificates.update(status="revoked", revoked_on=clock.today())
    with pytest.raises(ValidationError, match="certificate"):
        complete(ticket, tech)


def test_out_of_warranty_charge_needs_consent(agent, station, tech):
    ticket = log_call(agent, purchase_date=datetime.date(2020, 1, 1))
    assert not ticket.in_warranty
    run_to_in_repair(ticket, agent, station, tech)
    with pytest.raises(ValidationError) as err:
        complete(ticket, tech, charge_amount="80.00")
    assert "charge_consent" in err.value.message_dict
    ticket = complete(ticket, tech, charge_amount="80.00", charge_consent=True)
    assert ticket.charge_amount == Decimal("80.00") and ticket.charge_consent_at is not None


def test_out_of_warranty_part_needs_a_charge_and_consent(agent, station, tech, monkeypatch):
    import spares.services

    monkeypatch.setattr(spares.services, "stock_use_for_ticket", lambda **kw: [], raising=False)
    ticket = log_call(agent, purchase_date=datetime.date(2020, 1, 1))
    run_to_in_repair(ticket, agent, station, tech)
    part = [{"item_id": 7, "quantity": 1}]
    with pytest.raises(ValidationError) as err:
        complete(ticket, tech, parts=part)  # a part used, nothing charged, no consent asked
    assert "charge_amount" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        complete(ticket, tech, parts=part, charge_amount="45.00")
    assert "charge_consent" in err.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_REPAIR
    ticket = complete(ticket, tech, parts=part, charge_amount="45.00", charge_consent=True)
    assert ticket.charge_amount == Decimal("45.00") and ticket.charge_consent


def test_in_warranty_charge_refused(agent, station, tech):
    ticket = run_to_in_repair(log_call(agent), agent, station, tech)
    with pytest.raises(ValidationError):
        complete(ticket, tech, charge_amount="10", charge_consent=True)


def test_parts_go_through_spares_contract(agent, station, tech, monkeypatch):
    calls = []
    import spares.services

    monkeypatch.setattr(spares.services, "stock_use_for_ticket", lambda **kw: calls.append(kw) or [], raising=False)
    ticket = run_to_in_repair(log_call(agent), agent, station, tech)
    complete(ticket, tech, parts=[{"item_id": 7, "quantity": 2}])
    assert calls and calls[0]["parts"] == [{"item_id": 7, "quantity": 2, "serial": None}]
    assert calls[0]["ticket"].pk == ticket.pk


def test_await_parts_resume_escalate_and_cancel(agent, station, tech):
    ticket = run_to_in_repair(log_call(agent), agent, station, tech)
    services.ticket_await_parts(ticket_id=ticket.pk, actor=tech, note="等备件")
    services.ticket_resume(ticket_id=ticket.pk, actor=tech)
    with pytest.raises(ValidationError):
        services.ticket_escalate(ticket_id=ticket.pk, actor=tech, to="hq", note="")
    services.ticket_escalate(ticket_id=ticket.pk, actor=tech, to="hq", note="返厂")
    services.ticket_resume(ticket_id=ticket.pk, actor=tech)
    coordinator = make_user(roles.COORDINATOR, station)
    ticket = services.ticket_cancel(ticket_id=ticket.pk, actor=coordinator, reason="客户取消")
    assert ticket.status == "cancelled" and ticket.cancel_reason == "客户取消"
    with pytest.raises(ValidationError):
        services.ticket_cancel(ticket_id=ticket.pk, actor=agent, reason="again")


def test_resolve_by_phone_closes_without_station(agent):
    ticket = services.ticket_resolve_by_phone(ticket_id=log_call(agent).pk, actor=agent, note="指导重启后恢复")
    assert ticket.status == "closed" and ticket.station_id is None and ticket.service_mode == "phone"


def test_repeat_repair_detected_within_30_days(agent, station):
    done = completed_ticket(station=station, completed_at=clock.now() - datetime.timedelta(days=10))
    ticket = log_call(agent, serial=done.device.serial)
    assert ticket.is_repeat_repair and ticket.repeat_of == done and ticket.priority == "urgent"


def test_no_repeat_repair_after_30_days(agent, station):
    done = completed_ticket(station=station, completed_at=clock.now() - datetime.timedelta(days=31))
    assert not log_call(agent, serial=done.device.serial).is_repeat_repair


# --- SLA ----------------------------------------------------------------------------------------


def test_sla_call_at_night_counts_from_next_opening(agent, station):
    ticket = log_call(agent, now=at(2026, 3, 4, 23, 0))
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent, now=at(2026, 3, 4, 23, 0))
    ticket.refresh_from_db()
    assert ticket.accept_due_at == at(2026, 3, 5, 10, 30)  # normal: 2 h from 08:30
    assert ticket.onsite_due_at == at(2026, 3, 7, 13, 30)  # 24 h of 9.5-h days: 9.5 + 9.5 + 5


def test_sla_skips_holidays(agent, station):
    Holiday.objects.create(date=datetime.date(2026, 3, 5), name="测试假日")
    ticket = log_call(agent, priority="urgent", serial="HD2501000002", now=at(2026, 3, 4, 17, 0))
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent, now=at(2026, 3, 4, 17, 50))
    ticket.refresh_from_db()
    assert ticket.accept_due_at == at(2026, 3, 6, 8, 50)  # 10 min on the 4th, 20 on the 6th
    assert ticket.onsite_due_at == at(2026, 3, 6, 11, 30)


def test_sla_reference_cache_follows_admin_changes(agent, station):
    """Policies and holidays are cached between tickets; a change in the admin takes effect on the next ticket."""
    first = log_call(agent, priority="urgent", serial="HD2501000003", now=at(2026, 3, 4, 17, 0))
    services.ticket_dispatch(ticket_id=first.pk, station_id=station.pk, actor=agent, now=at(2026, 3, 4, 17, 50))
    assert Ticket.objects.get(pk=first.pk).accept_due_at == at(2026, 3, 5, 8, 50)  # cached: no holiday yet
    holiday = Holiday.objects.create(date=datetime.date(2026, 3, 5), name="测试假日")
    policy = SlaPolicy.objects.filter(priority="urgent", leg="accept").order_by("-effective_from").first()
    policy.minutes = 60
    policy.save()
    second = log_call(agent, priority="urgent", serial="HD2501000004", now=at(2026, 3, 4, 17, 0))
    services.ticket_dispatch(ticket_id=second.pk, station_id=station.pk, actor=agent, now=at(2026, 3, 4, 17, 50))
    assert Ticket.objects.get(pk=second.pk).accept_due_at == at(2026, 3, 6, 9, 20)  # 10 min on the 4th, 50 on the 6th
    holiday.delete()
    third = log_call(agent, priority="urgent", serial="HD2501000005", now=at(2026, 3, 4, 17, 0))
    services.ticket_dispatch(ticket_id=third.pk, station_id=station.pk, actor=agent, now=at(2026, 3, 4, 17, 50))
    assert Ticket.objects.get(pk=third.pk).accept_due_at == at(2026, 3, 5, 9, 20)


def test_sla_respects_station_service_hours(agent):
    station = StationFactory(service_start=datetime.time(9, 0), service_end=datetime.time(17, 0))
    ticket = log_call(agent, now=at(2026, 3, 4, 16, 0))
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent, now=at(2026, 3, 4, 16, 30))
    assert Ticket.objects.get(pk=ticket.pk).accept_due_at == at(2026, 3, 5, 10, 30)


def test_awaiting_parts_pauses_completion_clock(agent, station, tech):
    ticket = log_call(agent, now=at(2026, 3, 2, 9, 0))
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent, now=at(2026, 3, 2, 9, 0))
    services.ticket_accept(ticket_id=ticket.pk, actor=tech, now=at(2026, 3, 2, 9, 10))
    services.ticket_arrive(ticket_id=ticket.pk, actor=tech, now=at(2026, 3, 2, 10, 0))
    due_before = Ticket.objects.get(pk=ticket.pk).complete_due_at
    services.ticket_await_parts(ticket_id=ticket.pk, actor=tech, now=at(2026, 3, 2, 11, 0))
    services.ticket_resume(ticket_id=ticket.pk, actor=tech, now=at(2026, 3, 3, 11, 0))  # 9.5 service hours paused
    ticket.refresh_from_db()
    assert ticket.paused_seconds == int(9.5 * 3600) and ticket.paused_at is None
    assert ticket.complete_due_at == sla.calendar_for(station).add(due_before, 9.5 * 60)


def test_leg_status_and_breach_recorded_once(agent, station, tech):
    ticket = log_call(agent, now=at(2026, 3, 2, 9, 0))
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=agent, now=at(2026, 3, 2, 9, 0))
    services.ticket_accept(ticket_id=ticket.pk, actor=tech, now=at(2026, 3, 2, 12, 0))  # due 11:00 → 1 h late
    ticket.refresh_from_db()
    legs = {row["leg"]: row for row in sla.leg_statuses(ticket, now=at(2026, 3, 2, 12, 0))}
    assert legs["accept"]["status"] == "breached" and legs["accept"]["late"] == datetime.timedelta(hours=1)
    assert legs["onsite"]["status"] == "due"
    now = at(2026, 3, 20, 12, 0)
    assert services.sla_breaches_record(now=now) == 3
    assert services.sla_breaches_record(now=now) == 0
    assert SlaBreach.objects.filter(ticket=ticket).count() == 3


def test_paused_ticket_has_no_completion_breach(agent, station, tech):
    ticket = run_to_in_repair(log_call(agent), agent, station, tech)
    services.ticket_await_parts(ticket_id=ticket.pk, actor=tech)
    services.sla_breaches_record(now=clock.now() + datetime.timedelta(days=30))
    assert not SlaBreach.objects.filter(ticket=ticket, leg="complete").exists()


# --- callbacks and complaints -------------------------------------------------------------------


def test_callback_sweep_creates_once_and_escalates_once():
    ticket = completed_ticket(open_callback=False)
    first = services.callbacks_sweep()
    second = services.callbacks_sweep()
    assert first["created"] == 1 and second["created"] == 0
    assert Callback.objects.filter(ticket=ticket).count() == 1
    later = clock.now() + datetime.timedelta(hours=25)
    assert services.callbacks_sweep(now=later)["escalated"] == 1
    assert services.callbacks_sweep(now=later)["escalated"] == 0


def test_callback_unreachable_after_three_attempts(agent):
    ticket = completed_ticket()
    services.callbacks_sweep()
    callback = ticket.callback
    for _ in range(3):
        callback = services.callback_attempt(callback_id=callback.pk, actor=agent, reached=False)
    ticket.refresh_from_db()
    assert callback.outcome == "unreachable" and ticket.status == "closed"
    with pytest.raises(ValidationError):
        services.callback_attempt(callback_id=callback.pk, actor=agent, reached=False)


def test_callback_not_repaired_opens_repeat_ticket(agent):
    ticket = completed_ticket()
    services.callbacks_sweep()
    services.callback_attempt(
        callback_id=ticket.callback.pk, actor=agent, reached=True, repaired=False, comments="仍无信号"
    )
    repeat = Ticket.objects.get(repeat_of=ticket)
    assert repeat.is_repeat_repair and repeat.priority == "urgent" and repeat.status == "received"
    assert Ticket.objects.get(pk=ticket.pk).callback.outcome == "not_repaired"


def test_callback_grievance_opens_complaint(agent):
    ticket = completed_ticket()
    services.callbacks_sweep()
    services.callback_attempt(
        callback_id=ticket.callback.pk, actor=agent, reached=True, repaired=True, satisfaction=2, grievance="多收费"
    )
    complaint = Complaint.objects.get(ticket=ticket)
    assert complaint.source == "callback" and complaint.station_id == ticket.station_id
    assert Ticket.objects.get(pk=ticket.pk).callback.outcome == "disputed"


def test_complaint_upheld_raises_sanction(agent):
    hq = make_user(roles.HQ)
    ticket = completed_ticket()
    complaint = services.complaint_create(actor=agent, ticket_id=ticket.pk, category="attitude", description="态度差")
    assert complaint.ack_due_at - complaint.created_at < datetime.timedelta(hours=24, minutes=1)
    services.complaint_acknowledge(complaint_id=complaint.pk, actor=hq)
    services.complaint_resolve(complaint_id=complaint.pk, actor=hq, verdict="upheld", investigation="属实")
    from stations.models import Sanction

    assert Sanction.objects.filter(station=ticket.station, source_ref=f"complaint:{complaint.pk}").count() == 1


# --- daily reports ------------------------------------------------------------------------------


def test_daily_reports_built_for_active_stations_and_late_submission(station):
    day = clock.today()
    completed_ticket(station=station, completed_at=clock.now())
    assert services.daily_reports_build(day=day) >= 1
    services.daily_reports_build(day=day)  # idempotent
    report = DailyReport.objects.get(station=station, day=day)
    assert report.completed == 1 and DailyReport.objects.filter(station=station).count() == 1
    coordinator = make_user(roles.COORDINATOR, station)
    report = services.daily_report_submit(
        report_id=report.pk, actor=coordinator, remarks="正常", now=report.deadline + datetime.timedelta(minutes=1)
    )
    assert report.is_late and report.status == "submitted"


def test_daily_report_close_marks_late():
    station = StationFactory()
    services.daily_reports_build(day=clock.today() - datetime.timedelta(days=2))
    result = services.daily_reports_close()
    assert result["late"] >= 1
    assert DailyReport.objects.get(station=station).is_late


def test_third_late_daily_report_in_a_month_raises_penalty_once(station):
    from stations.models import Sanction

    # three past days of the month are needed, so the test pins the 20th of this month
    today = clock.today()
    shanghai = timezone.get_default_timezone()
    with clock.travel(datetime.datetime(today.year, today.month, 20, 12, tzinfo=shanghai), tick=False):
        start = clock.today().replace(day=1)
        for day in [start + datetime.timedelta(days=i) for i in range(3)]:
            services.daily_reports_build(day=day)
        DailyReport.objects.filter(station=station).update(is_late=True)
        services.daily_report_late_penalties_raise()
        services.daily_report_late_penalties_raise()
    assert Sanction.objects.filter(station=station, rule__code="daily_report_late").count() == 1


def test_spare_machine_lend_goes_through_spares(agent, station, tech, monkeypatch):
    import spares.services

    calls = []
    monkeypatch.setattr(spares.services, "spare_lend", lambda **kw: calls.append(kw), raising=False)
    ticket = run_to_in_repair(log_call(agent), agent, station, tech)
    services.ticket_spare_machine(ticket_id=ticket.pk, actor=tech, action="lend", serial="bj0001")
    assert calls[0]["serial"] == "BJ0001" and calls[0]["ticket"].pk == ticket.pk


def test_assessment_inputs_contract(agent):
    from tickets.selectors import assessment_inputs

    station, quiet = StationFactory(), StationFactory()
    now = clock.now()
    first = completed_ticket(station=station, completed_at=now - datetime.timedelta(days=5))
    services.callbacks_sweep()
    services.callback_attempt(callback_id=first.callback.pk, actor=agent, reached=True, repaired=False, satisfaction=2)
    second = completed_ticket(station=station, completed_at=now - datetime.timedelta(days=4))
    services.callbacks_sweep()
    services.callback_attempt(callback_id=second.callback.pk, actor=agent, reached=True, repaired=True, satisfaction=4)
    SlaBreach.objects.create(ticket=second, leg="complete", due_at=second.completed_at)
    result = assessment_inputs(
        station_ids=[station.pk, quiet.pk], start=clock.today() - datetime.timedelta(days=30),
        end=clock.today(),
    )  # fmt: skip
    row = result[station.pk]
    assert row["callback_avg_satisfaction"] == Decimal("3.00")
    assert row["sla_compliance"] == Decimal("0.5000")
    assert row["repeat_repair_rate"] == Decimal("0.5000")  # the first was not repaired → repeat ticket
    assert row["upheld_complaints"] == 0
    assert result[quiet.pk] == {
        "callback_avg_satisfaction": None, "sla_compliance": None, "repeat_repair_rate": None, "upheld_complaints": 0,
    }  # fmt: skip
