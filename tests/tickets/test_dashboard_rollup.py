"""The HQ dashboard reads its period figures from the per-station daily rollup; they must equal the live
computation (``assessment_inputs(detailed=True)`` and the network sums the dashboard made of it before)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from repairnet import roles
from repairnet.models import JobRun
from tests import clock
from tests.factories import StationFactory, make_user, region
from tickets import rollup, services
from tickets.models import Callback, Complaint, StationDayStats, Ticket
from tickets.selectors import _ratio, assessment_inputs, dashboard_figures
from tickets.tasks import station_day_stats_rebuild_task

from .factories import DeviceModelFactory, TicketFactory, certified_technician, completed_ticket

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
ANCHOR = datetime.datetime(2026, 6, 15, 15, 0, tzinfo=TZ)  # a Monday afternoon
WINDOWS = (1, 7, 30, 90, 366)


def live_figures(*, station_ids=None, start: datetime.date, end: datetime.date) -> dict:
    """The period figures as the dashboard computed them before the rollup (straight from tickets)."""
    per_station = assessment_inputs(station_ids=station_ids, start=start, end=end, detailed=True)
    counted = [row for row in per_station.values() if "completed" in row]
    totals = {key: sum(row[key] for row in counted) for key in ("completed", "breached", "repeated", "called", "due")}
    rated = sum(row["rated"] for row in counted)
    satisfaction = sum(row["satisfaction_sum"] for row in counted) / rated if rated else None
    return {
        "completed": totals["completed"],
        "sla_compliance": _ratio(totals["completed"] - totals["breached"], totals["completed"]),
        "first_time_fix": _ratio(totals["completed"] - totals["repeated"], totals["completed"]),
        "callback_rate": _ratio(totals["called"], totals["due"]),
        "satisfaction": Decimal(str(satisfaction)).quantize(Decimal("0.01")) if satisfaction is not None else None,
        "per_station": per_station,
    }


def rollup_figures(**kwargs) -> dict:
    figures = dashboard_figures(**kwargs)
    return {key: figures[key] for key in ("completed", "sla_compliance", "first_time_fix", "callback_rate",
                                          "satisfaction", "per_station")}  # fmt: skip


def assert_rollup_equals_live(station_sets, *, windows=WINDOWS) -> None:
    today = clock.today()
    for days in windows:
        start = today - datetime.timedelta(days=days - 1)
        for station_ids in station_sets:
            rolled = rollup_figures(station_ids=station_ids, start=start, end=today)
            live = live_figures(station_ids=station_ids, start=start, end=today)
            assert rolled == live, (days, station_ids)


def at(day: datetime.date, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=TZ)


class Network:
    """Drives tickets through the services at chosen instants (the clock travels to each step)."""

    def __init__(self):
        self.agent = make_user(roles.HOTLINE)
        self.hq = make_user(roles.HQ)
        self.techs = {}
        self.serials = 0

    def tech(self, station):
        if station.pk not in self.techs:
            self.techs[station.pk] = certified_technician(station)
        return self.techs[station.pk]

    def log(self, when, *, serial=None, priority="normal", repeat_of=None) -> Ticket:
        if serial is None:
            self.serials += 1
            serial = f"HD2501{self.serials:06d}"
        with clock.travel(when, tick=False):
            return services.ticket_create(
                actor=self.agent,
                phone="13912345678",
                customer_name="李四",
                serial=serial,
                device_model=DeviceModelFactory(),
                purchase_date=datetime.date(2025, 1, 20),
                has_invoice=True,
                fault_category=Ticket.FaultCategory.NO_SIGNAL,
                region=region("410102"),
                priority=priority,
                repeat_of=repeat_of,
            )

    def start(self, ticket, station, when) -> Ticket:
        tech = self.tech(station)
        with clock.travel(when, tick=False):
            services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=self.agent)
            services.ticket_accept(ticket_id=ticket.pk, actor=tech)
            return services.ticket_arrive(ticket_id=ticket.pk, actor=tech)

    def complete(self, ticket, when) -> Ticket:
        ticket.refresh_from_db()
        with clock.travel(when, tick=False):
            services.ticket_complete(
                ticket_id=ticket.pk, actor=self.tech(ticket.station), fault_found="电源板坏", work_done="更换电源板",
                signoff_name="李四",
            )  # fmt: skip
            services.callbacks_sweep()
        ticket.refresh_from_db()
        return ticket

    def repair(self, station, received, completed, **kw) -> Ticket:
        ticket = self.log(received, **kw)
        self.start(ticket, station, received + datetime.timedelta(minutes=1))
        return self.complete(ticket, completed)

    def call(self, ticket, when, *, reached=True, repaired=True, satisfaction=None, grievance="") -> Callback:
        callback = Callback.objects.get(ticket=ticket)
        with clock.travel(when, tick=False):
            return services.callback_attempt(
                callback_id=callback.pk, actor=self.agent, reached=reached, repaired=repaired if reached else None,
                satisfaction=satisfaction, grievance=grievance,
            )  # fmt: skip

    def sweep_breaches(self, when) -> int:
        with clock.travel(when, tick=False):
            return services.sla_breaches_record()

    def complain(self, when, *, ticket=None, station=None, verdict=None, resolved=None) -> Complaint:
        with clock.travel(when, tick=False):
            complaint = services.complaint_create(
                actor=self.agent, ticket_id=ticket.pk if ticket else None, station=station, category="attitude",
                description="态度差",
            )  # fmt: skip
        if verdict:
            with clock.travel(resolved, tick=False):
                services.complaint_resolve(
                    complaint_id=complaint.pk, actor=self.hq, verdict=verdict, investigation="核实"
                )
        return complaint


@pytest.fixture
def anchored():
    with clock.travel(ANCHOR, tick=False):
        yield ANCHOR


@pytest.fixture
def network(anchored):
    """Three stations' last 100 days, every counter exercised; ``quiet`` has nothing at all."""
    net = Network()
    net.north, net.south, net.east, net.quiet = (StationFactory() for _ in range(4))
    north, south, east = net.north, net.south, net.east
    today = ANCHOR.date()

    def ago(days, *hm):
        return at(today - datetime.timedelta(days=days), *hm)

    old = net.repair(north, ago(95, 9), ago(92, 10))  # before the 90-day window
    net.call(old, ago(92, 12), satisfaction=5)
    net.first = net.repair(north, ago(89, 0, 1), ago(89, 23, 59, 59))  # the 90-day window's first day, last second
    net.call(net.first, ago(88, 9), satisfaction=4)
    late = net.repair(north, ago(40, 9), ago(35, 11), priority="urgent")  # completed late: breach recorded after
    assert net.sweep_breaches(ago(35, 11, 5)) == 1
    net.call(late, ago(34, 17), satisfaction=3)  # 30 h after completion: not within 24 h
    net.complain(ago(33, 9), ticket=late, verdict="upheld", resolved=ago(5, 10))
    net.repeated = net.repair(north, ago(30, 9), ago(29, 16))
    net.call(net.repeated, ago(29, 18), satisfaction=4)
    again = net.repair(north, ago(20, 10), ago(20, 17), serial=Ticket.objects.get(pk=net.repeated.pk).device.serial)
    assert again.repeat_of_id == net.repeated.pk  # logged within 30 days of the repair: a repeat repair
    for hour in (9, 11, 14):
        net.call(again, ago(19, hour), reached=False)  # unreachable three times within 24 h: called, not rated
    net.repair(south, ago(10, 9), ago(7, 23, 59, 59))  # just before the 7-day window
    net.repair(south, ago(10, 9), ago(6, 0, 0, 0))  # its first instant
    overdue = net.log(ago(8, 9))
    net.start(overdue, south, ago(8, 9, 1))
    assert net.sweep_breaches(ago(2, 9)) == 1  # breach recorded while the ticket is still open
    overdue = net.complete(overdue, ago(2, 10))
    net.call(overdue, ago(2, 14), repaired=False, satisfaction=2, grievance="修后又坏")  # → repeat ticket, complaint
    assert Ticket.objects.filter(repeat_of=overdue).count() == 1
    net.complain(ago(1, 9), ticket=overdue, verdict="not_upheld", resolved=ago(1, 15))
    net.recent = net.repair(south, ago(0, 8), ago(0, 9))  # its callback is due tomorrow
    net.yesterday = net.repair(north, ago(1, 16), ago(1, 18))  # due at 18:00 today: not yet, but already called
    net.call(net.yesterday, ago(0, 10), satisfaction=5)
    net.complain(ago(60, 9), station=east, verdict="upheld", resolved=ago(50, 10))  # a station with no completions
    net.complain(ago(120, 9), station=east, verdict="upheld", resolved=ago(100, 10))  # before every window
    net.stations = [None, [north.pk], [south.pk], [east.pk], [net.quiet.pk], [north.pk, net.quiet.pk, east.pk]]
    return net


def test_rollup_figures_equal_live_computation_for_every_window(network):
    assert_rollup_equals_live(network.stations)
    start = clock.today() - datetime.timedelta(days=89)
    figures = dashboard_figures(start=start, end=clock.today())
    north = figures["per_station"][network.north.pk]
    # first, late, repeated, again, yesterday: one breach, one repeat, four called in 24 h, three of five due
    assert {k: north[k] for k in ("completed", "breached", "repeated", "called", "due", "rated")} == {
        "completed": 5, "breached": 1, "repeated": 1, "called": 4, "due": 4, "rated": 4,
    }  # fmt: skip
    assert north["satisfaction_sum"] == 16 and north["upheld_complaints"] == 1
    south = figures["per_station"][network.south.pk]
    assert (south["completed"], south["breached"], south["repeated"], south["due"]) == (4, 1, 1, 3)
    assert figures["per_station"][network.east.pk] == {
        "callback_avg_satisfaction": None, "sla_compliance": None, "repeat_repair_rate": None, "upheld_complaints": 1,
    }  # fmt: skip
    assert network.quiet.pk not in figures["per_station"]
    assert figures["completed"] == 9 and figures["first_time_fix"] == Decimal("0.7778")
    week = dashboard_figures(start=clock.today() - datetime.timedelta(days=6), end=clock.today())
    assert week["per_station"][network.south.pk]["completed"] == 3  # 23:59:59 eight days ago is outside


def test_rollup_stays_equal_after_further_changes_and_after_a_rebuild(network):
    net = network
    tomorrow = clock.today() + datetime.timedelta(days=1)
    with clock.travel(at(tomorrow, 11), tick=False):
        # callbacks due meanwhile count without any write; then more changes, each kept in step by its service
        assert_rollup_equals_live(net.stations)
        net.call(net.recent, at(tomorrow, 8), satisfaction=4)  # within 24 h of yesterday 09:00
        late = net.log(at(tomorrow - datetime.timedelta(days=6), 9), priority="urgent")
        net.start(late, net.south, at(tomorrow - datetime.timedelta(days=6), 9, 1))
        net.complete(late, at(tomorrow, 9))
        net.sweep_breaches(at(tomorrow, 9, 5))
        assert late.breaches.get().leg == "complete"  # recorded after completion
        net.log(at(tomorrow, 10), repeat_of=net.first)  # a repeat of a repair 90 days back, logged by hand
        net.complain(at(tomorrow, 9), ticket=net.yesterday, verdict="upheld", resolved=at(tomorrow, 10))
        net.repair(net.quiet, at(tomorrow, 9), at(tomorrow, 10, 30))
        assert_rollup_equals_live([*net.stations, [net.quiet.pk]])
        # The rows kept in step equal the rows a rebuild counts from scratch: the rebuild writes nothing.
        result = rollup.stats_rebuild_recent()
        assert (result["created"], result["updated"], result["deleted"]) == (0, 0, 0)
        assert result["unchanged"] == StationDayStats.objects.count() > 0
        StationDayStats.objects.all().delete()
        rollup.stats_rebuild_recent()
        assert_rollup_equals_live(net.stations)


def test_callbacks_become_due_without_a_write():
    """A callback is due 24 h after completion; the rollup row does not change when that time passes."""
    station = StationFactory()
    completed = at(datetime.date(2026, 3, 31), 23, 30)  # due the next evening, in another month
    with clock.travel(completed + datetime.timedelta(hours=1), tick=False):
        ticket = completed_ticket(station=station, completed_at=completed)
        row = StationDayStats.objects.get(station=station)
        assert (row.day, row.completed, row.callback_due) == (datetime.date(2026, 3, 31), 1, 1)
        figures = dashboard_figures(start=datetime.date(2026, 3, 1), end=clock.today())
        assert figures["per_station"][station.pk]["due"] == 0 and figures["callback_rate"] is None
    with clock.travel(ticket.callback_due_at, tick=False):
        figures = dashboard_figures(start=datetime.date(2026, 3, 1), end=clock.today())
        assert figures["per_station"][station.pk]["due"] == 1 and figures["callback_rate"] == Decimal("0.0000")
    assert StationDayStats.objects.get(station=station).refreshed_at == row.refreshed_at


@pytest.mark.parametrize(
    "midnight",
    [
        datetime.datetime(2027, 1, 1, tzinfo=TZ),  # year end
        datetime.datetime(2026, 3, 1, tzinfo=TZ),  # end of February
        datetime.datetime(2026, 5, 1, tzinfo=TZ),  # end of a 30-day month
    ],
    ids=["year-end", "february", "april"],
)
def test_rollup_days_split_at_local_midnight_across_month_and_year_ends(midnight):
    net = Network()
    station, other = StationFactory(), StationFactory()
    last_second = midnight - datetime.timedelta(seconds=1)
    with clock.travel(midnight + datetime.timedelta(minutes=30), tick=False):
        before = net.repair(station, last_second - datetime.timedelta(hours=3), last_second)
        net.repair(station, midnight - datetime.timedelta(hours=2), midnight)
        net.repair(other, midnight - datetime.timedelta(hours=2), midnight + datetime.timedelta(minutes=10))
        net.call(before, midnight + datetime.timedelta(minutes=20), satisfaction=3)
        net.complain(last_second - datetime.timedelta(hours=5), station=other, verdict="upheld", resolved=last_second)
        rows = dict(StationDayStats.objects.filter(station=station).values_list("day", "completed").order_by("day"))
        assert rows == {last_second.date(): 1, midnight.date(): 1}
        assert StationDayStats.objects.get(station=other, day=last_second.date()).upheld_complaints == 1
        sets = [None, [station.pk], [other.pk]]
        assert_rollup_equals_live(sets, windows=(1, 2, 7, 31, 366))
        one_day = dashboard_figures(start=midnight.date(), end=midnight.date())
        assert one_day["completed"] == 2 and other.pk in one_day["per_station"]
        assert one_day["per_station"][other.pk]["upheld_complaints"] == 0  # upheld the day before
    with clock.travel(midnight + datetime.timedelta(days=1, hours=1), tick=False):
        assert_rollup_equals_live(sets, windows=(1, 2, 7, 31, 366))  # every callback due now


def test_dashboard_view_queries_do_not_grow_with_tickets_or_window(client_for, anchored):
    hq = client_for(roles.HQ)
    first = StationFactory()
    coordinator = client_for(roles.COORDINATOR, first)

    def add(n, stations):
        for i in range(n):
            completed_ticket(
                station=stations[i % len(stations)], callback_outcome=Callback.Outcome.CONFIRMED,
                completed_at=ANCHOR - datetime.timedelta(days=i * 7 % 80, hours=1),
            )  # fmt: skip
            TicketFactory(station=stations[i % len(stations)], status="dispatched")

    def counts():
        result = []
        for client in (hq, coordinator):
            for days in (7, 30, 90, 366):
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(f"/tickets/dashboard/?days={days}")
                assert response.status_code == 200
                result.append(len(ctx.captured_queries))
        return result, response

    add(2, [first])
    hq.get("/tickets/dashboard/")  # warm the session
    few, _ = counts()
    others = [StationFactory() for _ in range(4)]
    add(24, [first, *others])
    many, _ = counts()
    assert many == few
    page = hq.get("/tickets/dashboard/?days=90").content.decode()
    assert all(s.name in page for s in [first, *others]) and 'id="per-station"' in page
    assert len(set(few)) == 1  # the window does not change the queries either


def test_nightly_rebuild_repairs_the_rollup_idempotently_and_shows_in_jobs(client_for, anchored):
    from django_celery_beat.models import PeriodicTask

    station, other = StationFactory(), StationFactory()
    completed_ticket(station=station, completed_at=ANCHOR - datetime.timedelta(days=3))
    completed_ticket(station=station, completed_at=ANCHOR - datetime.timedelta(days=40))
    completed_ticket(station=other, completed_at=ANCHOR - datetime.timedelta(days=3))
    start, end = clock.today() - datetime.timedelta(days=89), clock.today()
    expected = live_figures(start=start, end=end)
    assert rollup_figures(start=start, end=end) == expected
    # Writes around the services: a wrong row, a lost row, a row for a day without tickets.
    StationDayStats.objects.filter(station=station, day=clock.today() - datetime.timedelta(days=3)).update(completed=7)
    StationDayStats.objects.filter(station=other).delete()
    StationDayStats.objects.create(station=other, day=clock.today() - datetime.timedelta(days=10), completed=1)
    assert rollup_figures(start=start, end=end) != expected
    assert station_day_stats_rebuild_task.delay().get() == {
        "days": 366,
        "created": 1,
        "updated": 1,
        "deleted": 1,
        "unchanged": 1,
    }
    assert rollup_figures(start=start, end=end) == expected
    assert station_day_stats_rebuild_task.delay().get() == {
        "days": 366,
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "unchanged": 3,
    }
    assert rollup_figures(start=start, end=end) == expected
    assert JobRun.objects.filter(name="station_day_stats_rebuild", ok=True).count() == 2
    assert "station_day_stats_rebuild" in client_for(roles.HQ).get("/jobs/").content.decode()
    assert PeriodicTask.objects.filter(
        task="tickets.tasks.station_day_stats_rebuild_task", enabled=True, crontab__timezone="Asia/Shanghai"
    ).exists()


def test_dashboard_rebuild_command_counts_the_chosen_days(anchored):
    import io

    station = StationFactory()
    completed_ticket(station=station, completed_at=ANCHOR - datetime.timedelta(days=2))
    completed_ticket(station=station, completed_at=ANCHOR - datetime.timedelta(days=20))
    StationDayStats.objects.all().delete()
    out = io.StringIO()
    call_command("dashboard_rebuild", "--days", "7", stdout=out)
    assert out.getvalue().strip() == "7 days: 1 rows created, 0 updated, 0 deleted, 0 unchanged"
    assert list(StationDayStats.objects.values_list("day", flat=True)) == [clock.today() - datetime.timedelta(days=2)]


@pytest.mark.slow
def test_demo_leaves_the_rollup_built():
    import io

    from repairnet import demo as repairnet_demo
    from stations import demo as stations_demo
    from tickets import demo

    out = io.StringIO()
    for area in (repairnet_demo, stations_demo, demo):
        area.seed(stdout=out)
    assert StationDayStats.objects.exists()
    assert_rollup_equals_live([None], windows=(7, 30, 90))
    result = rollup.stats_rebuild_recent()
    assert (result["created"], result["updated"], result["deleted"]) == (0, 0, 0)


# --- PostgreSQL: row locks and plans --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("row_exists", [False, True], ids=["new-row", "existing-row"])
def test_concurrent_completions_of_one_station_day_are_both_counted(reference_data, row_exists):
    """Two technicians complete tickets of one station on one day at the same time: the second refresh waits
    for the first one's row lock and then counts both (no stale overwrite)."""
    station = StationFactory()
    tech = certified_technician(station)
    now = clock.now()
    if row_exists:
        completed_ticket(station=station, technician=tech, completed_at=now - datetime.timedelta(minutes=5))
    tickets = [
        TicketFactory(
            station=station, technician=tech, status="in_repair", received_at=now - datetime.timedelta(hours=3)
        )
        for _ in range(2)
    ]
    holding, release, errors = threading.Event(), threading.Event(), []

    def complete(ticket, hold):
        try:
            with transaction.atomic():
                services.ticket_complete(
                    ticket_id=ticket.pk, actor=tech, fault_found="电源板坏", work_done="更换", signoff_name="李四"
                )
                if hold:
                    holding.set()
                    assert release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=complete, args=(tickets[0], True))
    first.start()
    assert holding.wait(timeout=30)
    second = threading.Thread(target=complete, args=(tickets[1], False))
    second.start()
    for _ in range(300):  # until the second transaction waits for the first one's lock
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
        threading.Event().wait(0.05)
    else:
        pytest.fail("the second completion never waited for the first one's lock")
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert not errors, errors
    row = StationDayStats.objects.get(station=station, day=rollup.local_day(now))
    assert row.completed == (3 if row_exists else 2)
    today = clock.today()
    assert rollup_figures(start=today, end=today) == live_figures(start=today, end=today)


@pytest.mark.postgres
def test_dashboard_queries_use_indexes_on_postgres(network):
    """With sequential scans priced out, no dashboard query reads tickets (or the rollup) in full: each has an
    index to use whatever the table size."""
    with CaptureQueriesContext(connection) as ctx:
        dashboard_figures(start=clock.today() - datetime.timedelta(days=89), end=clock.today())
        dashboard_figures(station_ids=[network.north.pk], start=clock.today(), end=clock.today())
    assert len(ctx.captured_queries) == 6
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for query in ctx.captured_queries:
                cursor.execute("EXPLAIN " + query["sql"])
                plan = "\n".join(line for (line,) in cursor.fetchall())
                assert "Seq Scan on tickets_ticket" not in plan, plan
                assert "Seq Scan on tickets_stationdaystats" not in plan, plan
        finally:
            cursor.execute("SET enable_seqscan = on")
