"""Customer phones: valid numbers only, stored in E.164 so that one number is one customer whatever the agent typed;
duplicates merged by one rule (service, admin action, command, migration); shown in the national format; found by
any typed prefix."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from repairnet import roles
from repairnet.models import AuditEvent
from tests.factories import make_user
from tests.migrating import migration_before
from tickets import customers, selectors, services
from tickets.models import Callback, Customer, Device, Ticket

from .factories import (
    CustomerFactory,
    DeviceFactory,
    DeviceModelFactory,
    TicketFactory,
    completed_ticket,
    hotline_form_data,
    log_call_payload,
)

ZH_MESSAGE = "请输入有效的手机号码，或带区号的固定电话号码（例如 0371-12345678）。"
LANDLINE = "+8637112345678"
SPELLINGS = ("0371-12345678", "037112345678", "+86 371 1234 5678")


def _client(role, station=None) -> Client:
    client = Client()
    client.force_login(make_user(role, station))
    return client


# --- refused ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hotline_form_refuses_an_invalid_number_in_chinese():
    response = _client(roles.HOTLINE).post("/tickets/hotline/", hotline_form_data(phone="12012345678"))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [ZH_MESSAGE]
    assert ZH_MESSAGE in response.content.decode()
    assert not Ticket.objects.exists() and not Customer.objects.exists()


@pytest.mark.django_db
def test_tickets_api_refuses_an_invalid_number_in_chinese():
    agent = _client(roles.HOTLINE)
    response = agent.post("/api/v1/tickets/", log_call_payload(phone="12012345678"), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["phone"] == [ZH_MESSAGE] and response.json()["detail"] == ZH_MESSAGE
    assert not Ticket.objects.exists() and not Customer.objects.exists()


@pytest.mark.django_db
def test_ticket_service_refuses_an_invalid_number():
    with pytest.raises(ValidationError) as refused:
        services.ticket_create(
            actor=make_user(roles.HOTLINE), fault_category="no_power", phone="12012345678", customer_name="赵六",
            serial="HD2502000123", device_model=DeviceModelFactory(),
        )  # fmt: skip
    assert refused.value.error_dict["phone"][0].code == "phone"
    assert not Ticket.objects.exists()


# --- one number, one customer -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_three_spellings_of_a_landline_are_one_customer_on_the_hotline_page():
    agent = _client(roles.HOTLINE)
    for i, typed in enumerate(SPELLINGS):
        response = agent.post(
            "/tickets/hotline/", hotline_form_data(phone=typed, customer_name="孙八", serial=f"HD250400010{i}")
        )
        assert response.status_code == 302, response.context["form"].errors
    customer = Customer.objects.get()
    assert customer.phone == LANDLINE and customer.name == "孙八"
    assert Ticket.objects.filter(customer=customer).count() == Device.objects.filter(customer=customer).count() == 3


@pytest.mark.django_db
def test_three_spellings_of_a_landline_are_one_customer_through_the_api():
    agent = _client(roles.HOTLINE)
    for i, typed in enumerate(SPELLINGS):
        payload = log_call_payload(phone=typed, customer_name="孙八", serial=f"HD250200020{i}")
        response = agent.post("/api/v1/tickets/", payload, content_type="application/json")
        assert response.status_code == 201, response.content
        assert response.json()["customer_phone"] == LANDLINE
    assert list(Customer.objects.values_list("phone", flat=True)) == [LANDLINE]
    other = log_call_payload(phone="0371 1234 5678", customer_name="另一人", serial="HD2502000299")
    assert agent.post("/api/v1/tickets/", other, content_type="application/json").status_code == 201
    assert Customer.objects.count() == 2  # the same number with another name is another customer (the rule)


# --- merging duplicates --------------------------------------------------------------------------------------------


def _pair(**second):
    """Two rows of one customer (as typed differently before numbers were E.164), each with a device and a ticket."""
    keep = CustomerFactory(name="周九", phone="0371-12345678", address="郑州市金水区花园路1号", carrier_account="")
    duplicate = CustomerFactory(name="周九", phone="037112345678", carrier_account="GD100", **second)
    tickets = [TicketFactory(device__customer=c) for c in (keep, duplicate)]
    return keep, duplicate, tickets


@pytest.mark.django_db
def test_merge_service_moves_devices_and_tickets_and_writes_the_audit_row():
    keep, duplicate, (kept_ticket, moved_ticket) = _pair(phone2="13912345678")
    hq = make_user(roles.HQ)
    merged = services.customers_merge(keep=keep, duplicate=duplicate, actor=hq, reason="同一客户")
    assert merged.pk == keep.pk and not Customer.objects.filter(pk=duplicate.pk).exists()
    assert set(Ticket.objects.values_list("customer_id", flat=True)) == {keep.pk}
    assert set(Device.objects.values_list("customer_id", flat=True)) == {keep.pk}
    keep.refresh_from_db()
    assert (keep.phone, keep.phone2, keep.carrier_account, keep.address) == (
        LANDLINE, "+8613912345678", "GD100", "郑州市金水区花园路1号"
    )  # fmt: skip
    event = AuditEvent.objects.get(verb=customers.MERGED)
    assert (event.object_id, event.actor, event.note) == (str(keep.pk), hq, "同一客户")
    assert event.data["duplicate"] == duplicate.pk and event.data["duplicate_phones"] == sorted(
        [LANDLINE, "+8613912345678"]
    )
    assert event.data["moved"] == {"tickets.device": [moved_ticket.device_id], "tickets.ticket": [moved_ticket.pk]}
    assert event.data["filled"] == ["phone2", "carrier_account"]


@pytest.mark.django_db
def test_merge_service_refuses_what_the_rule_does_not_call_one_customer():
    keep, duplicate, _tickets = _pair()
    other_name = CustomerFactory(name="别人", phone="0371-12345678")
    other_number = CustomerFactory(name="周九", phone="13900000001")
    hq = make_user(roles.HQ)
    for candidate in (other_name, other_number, keep):
        with pytest.raises(ValidationError):
            services.customers_merge(keep=keep, duplicate=candidate, actor=hq, reason="x")
    with pytest.raises(ValidationError):
        services.customers_merge(keep=keep, duplicate=duplicate, actor=hq, reason=" ")
    with pytest.raises(PermissionDenied):
        services.customers_merge(keep=keep, duplicate=duplicate, actor=make_user(roles.HOTLINE), reason="x")
    assert Customer.objects.count() == 4 and not AuditEvent.objects.filter(verb=customers.MERGED).exists()


@pytest.mark.django_db
def test_merging_all_duplicates_keeps_the_oldest_of_each_customer():
    keep, duplicate, _tickets = _pair()
    third = CustomerFactory(name="周九", phone="13900000002", phone2="0371 1234 5678")  # shares the second number
    lone = CustomerFactory(name="周九", phone="13900000003")  # the same name, another number: another customer
    merged = services.customers_merge_duplicates(actor=roles.SYSTEM, reason="合并重复客户")
    assert merged == 2
    assert set(Customer.objects.values_list("pk", flat=True)) == {keep.pk, lone.pk}
    assert AuditEvent.objects.filter(verb=customers.MERGED, object_id=str(keep.pk)).count() == 2
    assert Device.objects.filter(customer=keep).count() == 2 and not Customer.objects.filter(pk=third.pk).exists()
    assert services.customers_merge_duplicates(actor=roles.SYSTEM, reason="again") == 0


@pytest.mark.django_db
def test_merge_command_and_admin_action():
    keep, duplicate, _tickets = _pair()
    call_command("customers_merge_duplicates", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Customer.objects.values_list("pk", flat=True)) == [keep.pk]
    again = CustomerFactory(name="周九", phone="+86 371 1234 5678")
    unrelated = CustomerFactory(name="吴十", phone="13900000004")
    admin = Client()
    admin.force_login(make_user(roles.ADMIN, is_staff=True, is_superuser=True))
    response = admin.post(
        "/admin/tickets/customer/",
        {"action": "merge_duplicates", "_selected_action": [again.pk, unrelated.pk, keep.pk]},
        follow=True,
    )
    assert response.status_code == 200 and "已合并 1 个重复客户。" in response.content.decode()
    assert set(Customer.objects.values_list("pk", flat=True)) == {keep.pk, unrelated.pk}
    assert AuditEvent.objects.filter(verb=customers.MERGED, object_id=str(keep.pk)).count() == 2
    listing = admin.get("/admin/tickets/customer/", {"q": "0371-1234"}).content.decode()
    assert "0371 1234 5678" in listing and "吴十" not in listing


@pytest.mark.django_db(transaction=True)
def test_migration_writes_customer_phones_in_e164_and_merges_the_duplicates_it_reveals():
    keep, duplicate, (kept_ticket, moved_ticket) = _pair()
    namesake = CustomerFactory(name="别人", phone="0371-12345678")
    unreadable = CustomerFactory(name="钱一", phone="13900000005")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    before = [migration_before(executor, "tickets", "_customer_phones_e164")]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("tickets", "Customer")
        for row, phone in ((keep, "0371-12345678"), (duplicate, "037112345678"), (namesake, "0371 1234 5678")):
            old.objects.filter(pk=row.pk).update(phone=phone)
        old.objects.filter(pk=unreadable.pk).update(phone="12012345678", phone2="138 1234 5678")
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
        assert dict(Customer.objects.values_list("pk", "phone")) == {
            keep.pk: LANDLINE, namesake.pk: LANDLINE, unreadable.pk: "12012345678"  # no valid number: left as it was
        }  # fmt: skip
        assert Customer.objects.get(pk=unreadable.pk).phone2 == "+8613812345678"
        assert set(
            Ticket.objects.filter(pk__in=[kept_ticket.pk, moved_ticket.pk]).values_list("customer", flat=True)
        ) == {keep.pk}
        event = AuditEvent.objects.get(verb=customers.MERGED)
        assert event.object_id == str(keep.pk) and event.actor is None and event.data["duplicate"] == duplicate.pk
        assert event.data["moved"]["tickets.ticket"] == [moved_ticket.pk]
    finally:
        MigrationExecutor(connection).migrate(leaves)


# --- shown national, linked in E.164 ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_show_the_national_format_with_a_tel_link_and_mask_for_the_station():
    ticket = completed_ticket(device=DeviceFactory(customer=CustomerFactory(phone="0371-12345678")))
    link = f'<a href="tel:{LANDLINE}" class="text-nowrap">0371 1234 5678</a>'
    page = _client(roles.HQ).get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'<span id="customer-phone">{link}</span>' in page
    assert LANDLINE + "<" not in page  # E.164 only inside the link
    callback = Callback.objects.get(ticket=ticket, status=Callback.Status.OPEN)
    agent = _client(roles.HOTLINE)
    assert link in agent.get("/tickets/callbacks/").content.decode()
    assert f"<strong>{link}</strong>" in agent.get(f"/tickets/callbacks/{callback.pk}/").content.decode()
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    staff = _client(roles.COORDINATOR, ticket.station).get(f"/tickets/{ticket.pk}/").content.decode()
    assert '<span id="customer-phone">037****5678</span>' in staff and "tel:" not in staff


@pytest.mark.django_db
def test_api_gives_e164_and_masks_closed_tickets_for_the_station():
    ticket = completed_ticket(device=DeviceFactory(customer=CustomerFactory(phone="13812345678")))
    hq = _client(roles.HQ).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert hq["customer_phone"] == "+8613812345678"
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    staff = _client(roles.COORDINATOR, ticket.station).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert staff["customer_phone"] == "138****5678"


# --- found by any typed prefix ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["138123", "138 1234", "+86138123", "+86 138 1234 5678", "0086 1381234"])
def test_search_by_a_mobile_prefix_finds_the_ticket(typed):
    ticket = TicketFactory(device__customer=CustomerFactory(phone="13812345678"))
    TicketFactory(device__customer=CustomerFactory(phone="13912345678"))
    qs = selectors.ticket_search(selectors.tickets_visible(user=make_user(roles.HQ)), typed)
    assert list(qs.values_list("pk", flat=True)) == [ticket.pk]
    hq = _client(roles.HQ)
    assert ticket.number in hq.get("/tickets/", {"q": typed}).content.decode()
    assert [t["id"] for t in hq.get("/api/v1/tickets/", {"q": typed}).json()["results"]] == [ticket.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["0371-1234", "03711234", "0371 1234 5678", "+86 371 1234", "+86 (0)371-1234"])
def test_search_by_a_landline_prefix_finds_the_ticket_by_either_number(typed):
    first = TicketFactory(device__customer=CustomerFactory(phone="0371-12345678"))
    second = TicketFactory(device__customer=CustomerFactory(phone="13700000001", phone2="0371-12349999"))
    TicketFactory(device__customer=CustomerFactory(phone="13712345678"))  # "371234…" is inside, not at the start
    TicketFactory(device__customer=CustomerFactory(phone="0379-12345678"))
    expected = {first.pk} if typed == "0371 1234 5678" else {first.pk, second.pk}
    qs = selectors.ticket_search(selectors.tickets_visible(user=make_user(roles.HQ)), typed)
    assert set(qs.values_list("pk", flat=True)) == expected


@pytest.mark.django_db
def test_hotline_lookup_and_customer_api_read_the_typed_prefix():
    customer = CustomerFactory(name="郑十一", phone="0371-12345678")
    TicketFactory(device__customer=customer)
    CustomerFactory(phone="13812345678")
    agent = _client(roles.HOTLINE)
    for typed in ("0371-123", "+86 371 123", "0371123"):
        data = agent.get("/tickets/lookup/", {"q": typed}).json()
        assert [(c["id"], c["phone"], c["phone_display"]) for c in data["customers"]] == [
            (customer.pk, LANDLINE, "0371 1234 5678")
        ], typed
        assert data["phone"] == ""  # only the start of a number: the page fills in nobody by itself
        results = agent.get("/api/v1/customers/", {"phone": typed}).json()["results"]
        assert [(c["id"], c["phone"]) for c in results] == [(customer.pk, LANDLINE)], typed
    assert agent.get("/tickets/lookup/", {"q": "0371 1234 5678"}).json()["phone"] == LANDLINE  # a whole number
    assert agent.get("/api/v1/customers/", {"phone": "03"}).json()["results"] == []  # fewer than 3 digits
    assert agent.get("/api/v1/customers/", {"phone": "+86"}).json()["results"] == []


@pytest.mark.django_db
def test_hotline_lookup_by_typed_prefix_keeps_its_query_count(django_assert_max_num_queries, django_assert_num_queries):
    for i in range(3):
        TicketFactory(device__customer=CustomerFactory(phone=f"0371-1234{i:04d}"))
    agent = _client(roles.HOTLINE)
    agent.get("/tickets/lookup/", {"q": "13700001234"})  # warm caches (session)
    with django_assert_max_num_queries(12) as plain:
        digits = agent.get("/tickets/lookup/", {"q": "037112340"}).json()
    with django_assert_num_queries(len(plain.captured_queries)):
        formatted = agent.get("/tickets/lookup/", {"q": "+86 (0)371-1234 0"}).json()
    assert len(digits["customers"]) == len(formatted["customers"]) == 3
