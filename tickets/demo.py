"""Demo data for tickets (idempotent): model catalogue, holidays, customers in the demo stations' regions,
~300 tickets over the last 3 months in every state, callbacks, complaints, SLA breaches, daily reports, and the
dashboard rollup counted from them."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from repairnet import roles
from repairnet.models import Region, User
from repairnet.phones import phone_normalise
from spares import services as spares_services
from spares.models import Movement, SerialUnit
from stations.models import Station
from stations.selectors import dispatchable_stations

from . import rollup, services, sla
from .models import Callback, Complaint, Customer, DailyReport, Device, DeviceModel, SlaBreach, Ticket

MODELS = [
    ("HD-100", "高清机顶盒 HD-100", 12, r"^HD(?P<yy>\d{2})(?P<mm>\d{2})\d{6}$"),
    ("SD-200", "标清机顶盒 SD-200", 12, r"^SD(?P<yy>\d{2})(?P<mm>\d{2})\d{6}$"),
    ("IP-300", "智能网络机顶盒 IP-300", 24, r"^IP(?P<yy>\d{2})(?P<mm>\d{2})\d{6}$"),
]
TICKETS = 300  # in all: the random ones plus the showcase below
# The README's stations: each technician has open work in every technician state (the queue of
# demo-zz001-tech1 is never empty), and each station a dispatched ticket nobody has accepted yet.
# state → how many hours ago the call came in
SHOWCASE_STATIONS = ("ZZ001", "CD001")
SHOWCASE_STATES = {"accepted": 2, "in_repair": 6, "awaiting_parts": 20, "escalated": 28}
SHOWCASE_DISPATCHED_HOURS = 0.75
# Customers' mobiles: prefixes of real networks (China Mobile, Unicom, Telecom), so every number is valid.
MOBILE_PREFIXES = ("134", "138", "139", "150", "158", "186", "176", "189")
FAULT_TEXT = {
    "no_signal": "开机后提示无信号",
    "no_power": "插电后指示灯不亮",
    "no_picture": "有声音无图像，偶尔死机",
    "remote": "遥控器按键失灵",
    "card_reader": "提示请插入智能卡",
    "software": "升级后反复重启",
    "accessory": "电源适配器发烫",
    "other": "其他故障",
}
NO_FAULT_CATEGORIES = ("no_signal", "software")  # where a completed demo ticket may be "no fault found"
# Customers' names and addresses, drawn with the seeded rng (no Faker: `make run` installs only the runtime).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英建国志明海燕秀兰玉梅红霞俊杰子轩欣怡浩然雨萱"
STREETS = (
    *("人民路", "解放路", "建设路", "文化路", "中山路", "和平路"),
    *("胜利街", "光明路", "新华路", "学府路", "长江路", "花园路"),
)


def _person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _street_address(rng: random.Random) -> str:
    street, number, block = rng.choice(STREETS), rng.randint(1, 300), rng.randint(1, 20)
    return f"{street}{number}号{block}栋{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"


def seed(*, stdout) -> None:
    _seed_area(stdout=stdout)
    _seed_loan(stdout=stdout)
    _seed_disputed_callback(stdout=stdout)


def _seed_area(*, stdout) -> None:
    for code, name, months, regex in MODELS:
        DeviceModel.objects.get_or_create(
            code=code, defaults={"name": name, "warranty_months": months, "serial_regex": regex}
        )
    today = timezone.localdate()
    for year in (today.year - 1, today.year, today.year + 1):  # the demo's months reach back into last year
        services.holidays_load(year=year, actor=roles.SYSTEM)
    if Ticket.objects.exists():
        rollup.stats_rebuild_recent()  # counts nothing new when the rollup is in step
        stdout.write("tickets: demo tickets already present")
        return

    stations = list(dispatchable_stations().prefetch_related("regions"))
    agent = User.objects.filter(groups__name=roles.HOTLINE).order_by("pk").first()
    hq = User.objects.filter(groups__name=roles.HQ).order_by("pk").first()
    if not stations or agent is None:
        stdout.write("tickets: no demo stations or hotline agent; skipped")
        return
    with transaction.atomic():
        count = _seed_tickets(stations=stations, agent=agent, hq=hq)
    services.sla_breaches_record()
    # The sweep runs every few minutes in production, so a breach is recorded as its deadline passes; the demo
    # records three months at once, so each is dated when its deadline passed (past months carry their own).
    SlaBreach.objects.update(recorded_at=F("due_at"))
    rollup.stats_rebuild_recent()
    services.callbacks_sweep()
    today = timezone.localdate()
    for back in range(14, 0, -1):
        services.daily_reports_build(day=today - datetime.timedelta(days=back))
    rng = random.Random(7)
    for report in DailyReport.objects.filter(status=DailyReport.Status.DRAFT).exclude(
        day=today - datetime.timedelta(days=1)
    ):
        if rng.random() < 0.85:
            when = report.deadline - datetime.timedelta(hours=rng.randint(-3, 12))
            DailyReport.objects.filter(pk=report.pk).update(
                status=DailyReport.Status.SUBMITTED,
                remarks="今日工作正常",
                submitted_at=when,
                is_late=when > report.deadline,
            )
    services.daily_reports_close()
    rollup.stats_rebuild_recent()  # the demo tickets were written directly, not through the services
    stdout.write(f"tickets: {count} demo tickets")


def _seed_tickets(*, stations, agent, hq) -> int:
    rng = random.Random(2026)
    names = random.Random(2027)  # a stream of its own, so names do not shift the tickets' draws
    now = timezone.now()
    models = list(DeviceModel.objects.order_by("pk"))
    techs = {s.pk: list(User.objects.filter(station=s, groups__name=roles.TECHNICIAN).order_by("pk")) for s in stations}
    districts = {}
    for station in stations:
        city_ids = {r.parent_id if r.level == "district" else r.pk for r in station.regions.all()}
        districts[station.pk] = list(
            Region.objects.filter(parent_id__in=city_ids, level="district").order_by("pk")
        ) or list(station.regions.order_by("pk"))
    policies = {p: sla.policy_minutes(priority=p) for p in Ticket.Priority.values}
    calendars = {s.pk: sla.calendar_for(s) for s in stations}
    customers = []
    showcase = _showcase_plan(stations=stations, techs=techs)
    for i in range(TICKETS - len(showcase)):
        station = stations[i % len(stations)]
        if i % 30 == 0:
            minutes = rng.randint(2, 15)  # just logged, not yet dispatched
        elif i % 5 == 0:
            minutes = rng.randint(20, 30 * 60)  # today's and yesterday's work in progress
        else:
            minutes = rng.randint(10, 90 * 24 * 60)
        received = now - datetime.timedelta(minutes=minutes)
        model = rng.choice(models)
        made = received.date() - datetime.timedelta(days=rng.randint(60, 900))
        serial = f"{model.code[:2]}{made:%y%m}{rng.randint(0, 999999):06d}"
        repeat_source = None
        if customers and rng.random() < 0.06:
            device = rng.choice(customers)
            customer = device.customer
        else:
            customer = _customer_new(rng=rng, names=names, districts=districts[station.pk])
            has_invoice = rng.random() < 0.7
            device, _created = Device.objects.get_or_create(
                serial=serial,
                defaults={
                    "model": model,
                    "customer": customer,
                    "has_invoice": has_invoice,
                    "purchase_date": made + datetime.timedelta(days=rng.randint(10, 50)) if has_invoice else None,
                },
            )
            customers.append(device)
        repeat_source = services.repeat_source_for(device_id=device.pk, now=received)
        in_warranty, reason = services.warranty_decide(device=device, on=received.date())
        priority = "urgent" if repeat_source or rng.random() < 0.15 else "normal"
        fault = rng.choice(Ticket.FaultCategory.values)
        ticket = Ticket(
            number=services.ticket_number_next(day=timezone.localtime(received).date()),
            customer=customer,
            device=device,
            fault_category=fault,
            description=FAULT_TEXT[fault],
            priority=priority,
            service_mode=rng.choices(["onsite", "carry_in", "mail_in"], weights=[6, 3, 1])[0],
            in_warranty=in_warranty,
            warranty_reason=reason,
            is_repeat_repair=repeat_source is not None,
            repeat_of=repeat_source,
            received_at=received,
            created_by=agent,
        )
        _advance(ticket, station=station, techs=techs[station.pk], rng=rng, now=now, policy=policies[priority],
                 calendar=calendars[station.pk])  # fmt: skip
        ticket.save()
        if ticket.status == "closed" and ticket.station_id:
            _callback(ticket, agent=agent, rng=rng)
    _seed_showcase(showcase, agent=agent, now=now, districts=districts, models=models, policies=policies,
                   calendars=calendars, names=names)  # fmt: skip
    # a few complaints, some resolved (picked by the seeded rng, not the database's random order: deterministic)
    closed = list(Ticket.objects.filter(status="closed", station__isnull=False).order_by("pk"))
    for ticket in rng.sample(closed, min(12, len(closed))):
        complaint = services.complaint_create(
            actor=agent, ticket_id=ticket.pk, category=rng.choice(Complaint.Category.values),
            description="客户反映" + rng.choice(["上门迟到", "收费不清", "态度生硬", "修后又坏"]),
            now=ticket.closed_at,
        )  # fmt: skip
        if hq and rng.random() < 0.6:
            try:
                with transaction.atomic():
                    services.complaint_resolve(
                        complaint_id=complaint.pk, actor=hq, verdict=rng.choice(["upheld", "not_upheld"]),
                        investigation="已电话核实并约谈服务站", now=ticket.closed_at + datetime.timedelta(hours=30),
                    )  # fmt: skip
            except Exception:  # noqa: BLE001 - sanctions may not be seeded yet; the complaint stays open
                pass
    return TICKETS


def _showcase_plan(*, stations, techs) -> list[tuple]:
    """(station, technician or None, state) of each showcase ticket."""
    plan = []
    for station in sorted((s for s in stations if s.code in SHOWCASE_STATIONS), key=lambda s: s.code):
        plan.append((station, None, "dispatched"))
        for tech in sorted(techs[station.pk], key=lambda u: u.username):
            plan.extend((station, tech, state) for state in SHOWCASE_STATES)
    return plan


def _seed_showcase(plan, *, agent, now, districts, models, policies, calendars, names) -> None:
    """The showcase tickets, each in its state, received hours ago (the older ones past their on-site deadline)."""
    rng = random.Random(2029)
    for n, (station, tech, state) in enumerate(plan):
        hours = SHOWCASE_DISPATCHED_HOURS if tech is None else SHOWCASE_STATES[state]
        received = now - datetime.timedelta(hours=hours, minutes=n)
        model = models[n % len(models)]
        made = received.date() - datetime.timedelta(days=90 + 7 * n)
        customer = _customer_new(rng=rng, names=names, districts=districts[station.pk])
        device, _created = Device.objects.get_or_create(
            serial=f"{model.code[:2]}{made:%y%m}{900000 + n:06d}",
            defaults={"model": model, "customer": customer, "has_invoice": True, "purchase_date": made},
        )
        in_warranty, reason = services.warranty_decide(device=device, on=received.date())
        fault = Ticket.FaultCategory.values[n % len(Ticket.FaultCategory.values)]
        policy, calendar = policies["normal"], calendars[station.pk]
        ticket = Ticket(
            number=services.ticket_number_next(day=timezone.localtime(received).date()),
            customer=customer,
            device=device,
            fault_category=fault,
            description=FAULT_TEXT[fault],
            priority="normal",
            service_mode="onsite" if n % 3 else "carry_in",
            in_warranty=in_warranty,
            warranty_reason=reason,
            received_at=received,
            created_by=agent,
            station=station,
            status=state,
            dispatched_at=received + datetime.timedelta(minutes=5),
        )
        ticket.accept_due_at = calendar.add(ticket.dispatched_at, policy.get("accept", 120))
        ticket.onsite_due_at = calendar.add(received, policy.get("onsite", 1440))
        ticket.complete_due_at = calendar.add(received, policy.get("complete", 2880))
        if tech is not None:
            ticket.technician = tech
            ticket.accepted_at = ticket.dispatched_at + datetime.timedelta(minutes=20)
            if state == "accepted":
                ticket.appointment_at = ticket.accepted_at + datetime.timedelta(hours=3)
            else:
                ticket.started_at = ticket.accepted_at + datetime.timedelta(hours=1)
            if state == "awaiting_parts":
                ticket.paused_at = ticket.started_at + datetime.timedelta(hours=1)
            if state == "escalated":
                ticket.escalated_to = "hq"
        ticket.save()


def _advance(ticket, *, station, techs, rng, now, policy, calendar):
    """Walk a demo ticket through the lifecycle as far as its age makes plausible."""
    age_hours = (now - ticket.received_at).total_seconds() / 3600
    if rng.random() < 0.05:
        ticket.status, ticket.cancelled_at, ticket.cancel_reason = (
            "cancelled",
            ticket.received_at + datetime.timedelta(hours=1),
            "客户自行解决",
        )
        return
    if rng.random() < 0.06:
        ticket.status, ticket.service_mode = "closed", "phone"
        ticket.closed_at = ticket.received_at + datetime.timedelta(minutes=15)
        ticket.work_done = "电话指导客户重新搜台后恢复"
        return
    if age_hours < 0.3:
        return  # received
    ticket.station = station
    ticket.dispatched_at = ticket.received_at + datetime.timedelta(minutes=rng.randint(3, 20))
    ticket.accept_due_at = calendar.add(ticket.dispatched_at, policy.get("accept", 120))
    ticket.onsite_due_at = calendar.add(ticket.received_at, policy.get("onsite", 1440))
    ticket.complete_due_at = calendar.add(ticket.received_at, policy.get("complete", 2880))
    if age_hours < 1.5 or (age_hours < 30 and rng.random() < 0.15) or not techs:
        ticket.status = "dispatched"
        return
    ticket.technician = rng.choice(techs)
    ticket.accepted_at = ticket.dispatched_at + datetime.timedelta(minutes=rng.randint(5, 200))
    if age_hours < 4:
        ticket.status = "accepted"
        ticket.appointment_at = ticket.accepted_at + datetime.timedelta(hours=3)
        return
    ticket.started_at = ticket.accepted_at + datetime.timedelta(hours=rng.uniform(1, 30))
    if age_hours < 30:
        ticket.status = rng.choice(["in_repair", "in_repair", "awaiting_parts", "escalated"])
        if ticket.status == "awaiting_parts":
            ticket.paused_at = ticket.started_at + datetime.timedelta(hours=1)
        if ticket.status == "escalated":
            ticket.escalated_to = "hq"
        return
    ticket.completed_at = min(ticket.started_at + datetime.timedelta(hours=rng.uniform(0.5, 40)), now)
    if ticket.fault_category in NO_FAULT_CATEGORIES and ticket.number.endswith(("3", "7")):
        # no fault found on inspection: the technician ticks the outcome (decided without the rng, so the rest
        # of the demo stays as it was)
        ticket.fault_found, ticket.no_fault_found = "未发现故障，设备检测正常", True
        ticket.work_done = "指导客户重新搜台并设置"
    else:
        ticket.fault_found = "主板电源模块损坏"
        ticket.work_done = "更换电源模块并测试"
    ticket.signoff_name = ticket.customer.name
    ticket.signed_at = ticket.completed_at
    ticket.callback_due_at = ticket.completed_at + datetime.timedelta(hours=24)
    if not ticket.in_warranty:
        ticket.charge_amount, ticket.charge_consent = Decimal("60.00"), True
        ticket.charge_consent_at = ticket.completed_at
    if now - ticket.completed_at < datetime.timedelta(hours=20):
        ticket.status = "completed"
        return
    ticket.status = "closed"
    ticket.closed_at = ticket.completed_at + datetime.timedelta(hours=rng.uniform(2, 26))


def _customer_new(*, rng, names, districts) -> Customer:
    """A demo caller; the seeded ``rng`` is drawn in the same order on every run (name, phone, address, district,
    carrier account), so two runs give the same people."""
    return Customer.objects.create(
        name=_person_name(names),
        phone=phone_normalise(f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99999999):08d}"),
        address=_street_address(names),
        region=rng.choice(districts),
        carrier_account=f"GD{rng.randint(10**9, 10**10 - 1)}",
    )


def _callback(ticket, *, agent, rng):
    outcome = rng.choices(["confirmed", "unreachable", "disputed", "not_repaired"], weights=[85, 7, 4, 4])[0]
    Callback.objects.create(
        ticket=ticket,
        status=Callback.Status.DONE,
        due_at=ticket.callback_due_at,
        attempts=3 if outcome == "unreachable" else 1,
        outcome=outcome,
        technician_on_time=rng.random() < 0.9,
        charges_correct=rng.random() < 0.95,
        satisfaction=None if outcome == "unreachable" else rng.choices([5, 4, 3, 2], weights=[60, 25, 10, 5])[0],
        comments="" if outcome == "confirmed" else "客户反映问题",
        agent=agent,
        completed_at=ticket.closed_at,
    )


def _seed_loan(*, stdout) -> None:
    """A spare machine lent on an open demo ticket of the repair centre, from the stock spares' demo gave it."""
    station = Station.objects.filter(code="ZZ001").first()
    if station is None or Movement.objects.filter(type=Movement.Type.LEND).exists():
        return
    ticket = (
        Ticket.objects.filter(station=station, status__in=["accepted", "in_repair", "awaiting_parts"])
        .select_related("technician")
        .order_by("pk")
        .first()
    )
    unit = SerialUnit.objects.filter(
        item__code="M-HD100", location__station=station, location__kind="station", is_defective=False
    ).first()  # none when only this area's demo was seeded
    if ticket is None or unit is None:
        return
    spares_services.spare_lend(ticket=ticket, serial=unit.serial, actor=ticket.technician)
    stdout.write(f"spares: spare machine {unit.serial} lent on ticket {ticket.number}")


def _seed_disputed_callback(*, stdout) -> None:
    """A callback waiting on a complaint: the agent reaches the customer of the oldest completed demo ticket, who
    confirms the repair but has a grievance, so the callback ends disputed and opens a complaint (SPEC 2.6); the
    settlement leaves the ticket out until the complaint is resolved (SPEC 4). Once: skipped when one exists."""
    # The complaint opened from the callback itself (the random complaints above come from calls).
    waiting = Callback.objects.filter(
        outcome=Callback.Outcome.DISPUTED,
        ticket__complaints__source=Complaint.Source.CALLBACK,
        ticket__complaints__status__in=[Complaint.Status.OPEN, Complaint.Status.ACKNOWLEDGED],
    )
    agent = User.objects.filter(groups__name=roles.HOTLINE).order_by("pk").first()
    if agent is None or waiting.exists():
        return
    open_callbacks = Callback.objects.filter(status=Callback.Status.OPEN, ticket__status=Ticket.Status.COMPLETED)
    if open_callbacks.count() < 2:  # keep a completed ticket on the queue too
        return
    callback = open_callbacks.order_by("ticket__completed_at", "pk").first()
    services.callback_attempt(
        callback_id=callback.pk,
        actor=agent,
        reached=True,
        repaired=True,
        technician_on_time=False,
        charges_correct=True,
        satisfaction=2,
        comments="客户确认已修好，但对上门迟到不满",
        grievance="工程师比预约时间晚到两小时，未提前电话告知",
        complaint_category=Complaint.Category.LATE,
    )
    stdout.write(f"tickets: callback of {callback.ticket.number} disputed, waiting on its complaint")
