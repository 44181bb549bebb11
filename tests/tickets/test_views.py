import datetime

import pytest

from repairnet import roles
from tests import clock
from tests.factories import StationFactory, make_user
from tickets import services
from tickets.models import Callback, DailyReport, Ticket

from .factories import DeviceModelFactory, TicketFactory, certified_technician, completed_ticket, hotline_form_data

pytestmark = pytest.mark.django_db


def test_hotline_page_logs_a_call(client_for, station):
    client = client_for(roles.HOTLINE)
    assert client.get("/tickets/hotline/").status_code == 200
    response = client.post("/tickets/hotline/", hotline_form_data())
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/tickets/{ticket.pk}/"
    page = client.get(response.url).content.decode()
    assert station.code in page and "dispatch-suggested" in page


def test_hotline_page_shows_field_error_for_bad_serial(client_for):
    response = client_for(roles.HOTLINE).post(
        "/tickets/hotline/",
        {"phone": "13700001234", "customer_name": "钱七", "serial": "BAD", "device_model": DeviceModelFactory().pk,
         "fault_category": "no_picture", "priority": "normal", "service_mode": "onsite"},
    )  # fmt: skip
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert response.context["form"].errors["serial"]


def test_lookup_json_and_query_count(client_for, django_assert_max_num_queries, django_assert_num_queries):
    customer_ticket = None
    for i in range(2):
        customer_ticket = TicketFactory(device__customer__phone=f"1501234{i:04d}")
    client = client_for(roles.HOTLINE)
    client.get("/tickets/lookup/?q=1501234")  # warm caches (session)
    with django_assert_max_num_queries(12) as small:
        data = client.get("/tickets/lookup/?q=1501234").json()
    few = len(small.captured_queries)
    assert len(data["customers"]) == 2 and data["customers"][0]["tickets"]
    # Five more customers, two of them found by their second number: still under the limit of 8.
    for i in range(2, 5):
        TicketFactory(device__customer__phone=f"1501234{i:04d}")
    for i in range(5, 7):
        TicketFactory(device__customer__phone=f"1390000{i:04d}", device__customer__phone2=f"1501234{i:04d}")
    with django_assert_num_queries(few):
        data = client.get("/tickets/lookup/?q=1501234").json()
    assert len(data["customers"]) == 7 and all(c["tickets"] and c["devices"] for c in data["customers"])
    for i in range(7, 20):
        customer_ticket = TicketFactory(device__customer__phone=f"1501234{i:04d}")
    with django_assert_num_queries(few - 1):  # the first numbers fill the limit: no second-number search
        data = client.get("/tickets/lookup/?q=1501234").json()
    assert len(data["customers"]) == 8 and data["customers"][0]["tickets"]
    data = client.get(f"/tickets/lookup/?q={customer_ticket.device.serial}").json()
    assert data["warnings"]["open_ticket"] == customer_ticket.number


def test_lookup_refused_to_station_staff(client_for, station):
    assert client_for(roles.TECHNICIAN, station).get("/tickets/lookup/?q=139").status_code == 403


def test_queue_sorted_by_urgency_and_query_count(
    client_for, station, django_assert_max_num_queries, django_assert_num_queries
):
    now = clock.now()
    late = TicketFactory(station=station, status="dispatched", accept_due_at=now - datetime.timedelta(hours=1))
    soon = TicketFactory(station=station, status="dispatched", accept_due_at=now + datetime.timedelta(hours=1))
    client = client_for(roles.TECHNICIAN, station)
    client.get("/tickets/queue/")  # warm caches (session)
    with django_assert_max_num_queries(10) as small:
        page = client.get("/tickets/queue/").content.decode()
    few = len(small.captured_queries)
    assert page.index(late.number) < page.index(soon.number)
    more = [
        TicketFactory(station=station, status="dispatched", accept_due_at=now + datetime.timedelta(hours=5))
        for _ in range(10)
    ]
    with django_assert_num_queries(few):
        page = client.get("/tickets/queue/").content.decode()
    assert page.index(late.number) < page.index(soon.number) < min(page.index(t.number) for t in more)


def test_ticket_list_and_dashboard_query_counts(client_for, django_assert_max_num_queries, django_assert_num_queries):
    station = StationFactory()
    completed_ticket(station=station, callback_outcome=Callback.Outcome.CONFIRMED)
    hq = client_for(roles.HQ)
    hq.get("/tickets/")  # warm caches (session)
    with django_assert_max_num_queries(10) as small:
        assert hq.get("/tickets/").status_code == 200
    few_list = len(small.captured_queries)
    with django_assert_max_num_queries(14) as small:
        page = hq.get("/tickets/dashboard/").content.decode()
    few_dashboard = len(small.captured_queries)
    assert station.name in page
    # Eleven more closed tickets, some at three more stations (the dashboard has a row per station).
    others = [StationFactory() for _ in range(3)]
    for i in range(11):
        completed_ticket(station=others[i % 3] if i % 2 else station, callback_outcome=Callback.Outcome.CONFIRMED)
    with django_assert_num_queries(few_list):
        assert hq.get("/tickets/").status_code == 200
    with django_assert_num_queries(few_dashboard):
        page = hq.get("/tickets/dashboard/").content.decode()
    assert station.name in page and all(s.name in page for s in others)


def test_other_station_cannot_open_ticket(client_for, station):
    ticket = completed_ticket(station=station)
    assert client_for(roles.TECHNICIAN, StationFactory()).get(f"/tickets/{ticket.pk}/").status_code == 404
    assert client_for(roles.TECHNICIAN, station).get(f"/tickets/{ticket.pk}/").status_code == 200


def test_technician_accepts_arrives_and_completes_by_pages(client, station):
    tech = certified_technician(station)
    ticket = TicketFactory()
    services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=make_user(roles.HOTLINE))
    client.force_login(tech)
    client.post(f"/tickets/{ticket.pk}/do/accept/", {"next": "queue"})
    client.post(f"/tickets/{ticket.pk}/do/arrive/")
    response = client.post(f"/tickets/{ticket.pk}/complete/", {"fault_found": "x", "work_done": "y"})
    assert response.status_code == 200 and response.context["form"].errors["signoff_name"]
    response = client.post(
        f"/tickets/{ticket.pk}/complete/", {"fault_found": "主板虚焊", "work_done": "补焊", "signoff_name": "客户"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "completed"
    pdf = client.get(f"/tickets/{ticket.pk}/report.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_bad_action_shows_message_not_500(client_for, station):
    ticket = TicketFactory()
    client = client_for(roles.HOTLINE)
    response = client.post(f"/tickets/{ticket.pk}/do/dispatch/", {"station": "abc"}, follow=True)
    assert response.status_code == 200 and list(response.context["messages"])


def test_callback_page_records_outcome(client_for):
    ticket = completed_ticket()
    services.callbacks_sweep()
    client = client_for(roles.HOTLINE)
    assert client.get("/tickets/callbacks/").status_code == 200
    response = client.post(
        f"/tickets/callbacks/{ticket.callback.pk}/", {"reached": "1", "repaired": "1", "satisfaction": "5"}
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_complaint_pages(client_for):
    ticket = completed_ticket()
    agent = client_for(roles.HOTLINE)
    response = agent.post(
        "/tickets/complaints/new/", {"ticket_number": ticket.number, "category": "late", "description": "迟到"}
    )
    assert response.status_code == 302
    hq = client_for(roles.HQ)
    assert hq.get("/tickets/complaints/").status_code == 200
    assert hq.get(response.url).status_code == 200


def test_daily_reports_page_submit(client_for, station):
    services.daily_reports_build(day=clock.today())
    coordinator = client_for(roles.COORDINATOR, station)
    report = DailyReport.objects.get(station=station)
    assert coordinator.get("/tickets/daily-reports/").status_code == 200
    coordinator.post(f"/tickets/daily-reports/{report.pk}/submit/", {"remarks": "无异常"})
    report.refresh_from_db()
    assert report.status == "submitted" and report.remarks == "无异常"
    assert client_for(roles.HQ).get(f"/tickets/daily-reports/?day={report.day}").status_code == 200


def _queries(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_lookup_queue_list_and_dashboard_query_counts_do_not_grow_with_rows(client_for, django_assert_max_num_queries):
    station = StationFactory()
    hotline, hq = client_for(roles.HOTLINE), client_for(roles.HQ)
    tech = client_for(roles.TECHNICIAN, station)

    def add(n):
        for _ in range(n):
            t = completed_ticket(station=station, callback_outcome=Callback.Outcome.CONFIRMED)
            TicketFactory(station=station, status="dispatched", device=t.device, customer=t.customer)
            t.customer.phone = f"1520000{Ticket.objects.count():04d}"
            t.customer.save(update_fields=["phone"])

    urls = [("/tickets/lookup/?q=152000", hotline), ("/tickets/queue/", tech), ("/tickets/", hq),
            ("/tickets/dashboard/", hq), ("/tickets/callbacks/?status=done", hotline)]  # fmt: skip
    add(3)
    few = [_queries(c, u, None) for u, c in urls]
    add(12)
    many = [_queries(c, u, None) for u, c in urls]
    assert all(m <= f for m, f in zip(many, few, strict=True)), (few, many)
