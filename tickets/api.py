"""/api/v1/ endpoints of the tickets area (SPEC 7): look-ups, tickets and their actions, callbacks,
complaints, daily reports. Thin: parse, call one service, serialise."""

import contextlib

from django.contrib.auth import get_user_model
from django.urls import include, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, pagination, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from repairnet import dataversion, roles
from repairnet.api import ActionPermission, service_action, validated
from repairnet.bulk import BulkSerializer, bulk_action
from repairnet.models import Region
from repairnet.phones import PhoneSerializerField, phone_prefix
from stations.models import Station

from . import filters, selectors, services, sla
from .models import Callback, Complaint, Customer, DailyReport, Device, DeviceModel, Ticket

# --- serializers --------------------------------------------------------------------------------


class DeviceBriefSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.code")

    class Meta:
        model = Device
        fields = ["id", "serial", "model", "purchase_date", "has_invoice"]


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class CustomerSerializer(serializers.ModelSerializer):
    """A customer outside any one ticket: the phones whole only for the hotline and HQ (selectors.phone_shown)."""

    devices = DeviceBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "phone2", "address", "region", "carrier_account", "devices"]

    def to_representation(self, customer) -> dict:
        data = super().to_representation(customer)
        user = _user(self)
        for name in ("phone", "phone2"):
            if data.get(name):
                data[name] = selectors.phone_shown(user=user, phone=data[name], ticket_open=False)
        return data


class DeviceSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.code")
    customer = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = ["id", "serial", "model", "purchase_date", "has_invoice", "customer"]

    def get_customer(self, device) -> dict:
        phone = selectors.phone_shown(user=_user(self), phone=device.customer.phone, ticket_open=False)
        return {"id": device.customer_id, "name": device.customer.name, "phone": phone}


def _moment(value) -> str | None:
    """A time as DRF's DateTimeField gives it: ISO 8601 in the current time zone, UTC as ``Z``."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as the API gives it. The declared fields describe it (schema, browsable API); ``to_representation``
    builds the same dict by hand: DRF's field-by-field path was 35 ms of a 50-row list's 84 ms.
    tests/tickets/test_api_representation.py holds the two equal."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_phone = serializers.SerializerMethodField()
    serial = serializers.CharField(source="device.serial", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True, default=None)
    sla = serializers.SerializerMethodField()
    callback_outcome = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id", "number", "status", "priority", "service_mode", "fault_category", "description",
            "customer", "customer_name", "customer_phone", "device", "serial", "station", "station_code",
            "technician", "in_warranty", "warranty_reason", "is_repeat_repair", "repeat_of",
            "received_at", "dispatched_at", "accepted_at", "appointment_at", "started_at", "completed_at",
            "closed_at", "cancelled_at", "cancel_reason", "accept_due_at", "onsite_due_at", "complete_due_at",
            "paused_seconds", "escalated_to", "fault_found", "no_fault_found", "diagnosis", "work_done", "parts_used",
            "charge_amount", "charge_consent", "signoff_name", "signed_at", "callback_due_at", "sla",
            "callback_outcome",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, t) -> dict:
        station = t.station
        return {
            "id": t.pk, "number": t.number, "status": t.status, "priority": t.priority,
            "service_mode": t.service_mode, "fault_category": t.fault_category, "description": t.description,
            "customer": t.customer_id, "customer_name": t.customer.name, "customer_phone": self.get_customer_phone(t),
            "device": t.device_id, "serial": t.device.serial, "station": t.station_id,
            "station_code": station.code if station is not None else None, "technician": t.technician_id,
            "in_warranty": t.in_warranty, "warranty_reason": t.warranty_reason,
            "is_repeat_repair": t.is_repeat_repair, "repeat_of": t.repeat_of_id,
            "received_at": _moment(t.received_at), "dispatched_at": _moment(t.dispatched_at),
            "accepted_at": _moment(t.accepted_at), "appointment_at": _moment(t.appointment_at),
            "started_at": _moment(t.started_at), "completed_at": _moment(t.completed_at),
            "closed_at": _moment(t.closed_at), "cancelled_at": _moment(t.cancelled_at),
            "cancel_reason": t.cancel_reason, "accept_due_at": _moment(t.accept_due_at),
            "onsite_due_at": _moment(t.onsite_due_at), "complete_due_at": _moment(t.complete_due_at),
            "paused_seconds": t.paused_seconds, "escalated_to": t.escalated_to, "fault_found": t.fault_found,
            "no_fault_found": t.no_fault_found,
            "diagnosis": t.diagnosis, "work_done": t.work_done, "parts_used": t.parts_used,
            "charge_amount": f"{t.charge_amount:.2f}", "charge_consent": t.charge_consent,
            "signoff_name": t.signoff_name, "signed_at": _moment(t.signed_at),
            "callback_due_at": _moment(t.callback_due_at), "sla": self.get_sla(t),
            "callback_outcome": self.get_callback_outcome(t),
        }  # fmt: skip

    def get_customer_phone(self, ticket) -> str:
        return selectors.customer_phone_for(user=self.context["request"].user, ticket=ticket)

    def get_sla(self, ticket) -> list[dict]:
        return [
            {
                "leg": r["leg"],
                "due": _moment(r["due"]),
                "status": r["status"],
                "late_minutes": int(r["late"].total_seconds() // 60) if r["late"] else 0,
            }
            for r in sla.leg_statuses(ticket)
        ]

    def get_callback_outcome(self, ticket) -> str | None:
        try:
            return ticket.callback.outcome or None
        except Callback.DoesNotExist:
            return None


class TicketCreateSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(required=False, allow_null=True)
    phone = PhoneSerializerField(required=False, allow_blank=True)
    customer_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False, allow_null=True)
    carrier_account = serializers.CharField(required=False, allow_blank=True, max_length=40)
    serial = serializers.CharField(max_length=40)
    device_model = serializers.PrimaryKeyRelatedField(
        queryset=DeviceModel.objects.all(), required=False, allow_null=True
    )
    purchase_date = serializers.DateField(required=False, allow_null=True)
    has_invoice = serializers.BooleanField(required=False, default=False)
    fault_category = serializers.ChoiceField(choices=Ticket.FaultCategory.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL)
    service_mode = serializers.ChoiceField(choices=Ticket.ServiceMode.choices, default=Ticket.ServiceMode.ONSITE)
    duplicate_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Why a second ticket is logged while the serial has an open one (else 409 with that ticket).",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DispatchSerializer(serializers.Serializer):
    station = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BulkDispatchSerializer(BulkSerializer):
    station = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class AcceptSerializer(serializers.Serializer):
    technician = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The station coordinator or HQ: the certified technician who takes the ticket. "
        "A technician accepts only for himself (naming another is refused with 403).",
    )


class ReassignSerializer(serializers.Serializer):
    technician = serializers.IntegerField(help_text="The station's certified technician who takes the ticket over.")
    reason = serializers.CharField(max_length=200)


class ScheduleSerializer(serializers.Serializer):
    appointment_at = serializers.DateTimeField()


class ReprioritiseSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices)
    reason = serializers.CharField(max_length=200)


class EscalateSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Ticket.Escalation.choices)
    note = serializers.CharField()


class PartSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)
    serial = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class CompleteSerializer(serializers.Serializer):
    fault_found = serializers.CharField()
    work_done = serializers.CharField()
    diagnosis = serializers.CharField(required=False, allow_blank=True, default="")
    no_fault_found = serializers.BooleanField(
        required=False, default=False, help_text=_("The inspection found no fault (paid at the no-fault fee).")
    )
    parts = PartSerializer(many=True, required=False, default=list)
    charge_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=0, min_value=0)
    charge_consent = serializers.BooleanField(required=False, default=False)
    signoff_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    signature = serializers.CharField(required=False, allow_blank=True, default="")
    # multipart only; checked by the service like the completion page's photos
    photo_before = serializers.FileField(required=False, allow_null=True, default=None)
    photo_after = serializers.FileField(required=False, allow_null=True, default=None)


class CallbackSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    customer_phone = serializers.SerializerMethodField()

    class Meta:
        model = Callback
        fields = [
            "id", "ticket", "ticket_number", "customer_phone", "status", "due_at", "escalated_at", "attempts",
            "outcome", "technician_on_time", "charges_correct", "satisfaction", "comments", "completed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_customer_phone(self, callback) -> str:
        return selectors.customer_phone_for(user=_user(self), ticket=callback.ticket)


class AttemptSerializer(serializers.Serializer):
    reached = serializers.BooleanField()
    repaired = serializers.BooleanField(required=False, allow_null=True, default=None)
    technician_on_time = serializers.BooleanField(required=False, allow_null=True, default=None)
    charges_correct = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfaction = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5, default=None)
    comments = serializers.CharField(required=False, allow_blank=True, default="")
    grievance = serializers.CharField(required=False, allow_blank=True, default="")
    complaint_category = serializers.ChoiceField(
        choices=Complaint.Category.choices, required=False, default=Complaint.Category.OTHER
    )


class ComplaintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = [
            "id", "ticket", "station", "technician", "category", "source", "description", "status", "ack_due_at",
            "resolve_due_at", "acknowledged_at", "resolved_at", "ack_overdue_at", "resolve_overdue_at",
            "investigation", "verdict", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    """Against a ticket, a station or a technician: at least one; a ticket brings its station and technician."""

    ticket = serializers.IntegerField(required=False, allow_null=True)
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all(), required=False, allow_null=True)
    technician = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(groups__name=roles.TECHNICIAN), required=False, allow_null=True
    )
    category = serializers.ChoiceField(choices=Complaint.Category.choices)
    description = serializers.CharField()


class ResolveSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Complaint.Verdict.choices)
    investigation = serializers.CharField()


class DailyReportSerializer(serializers.ModelSerializer):
    station_code = serializers.CharField(source="station.code", read_only=True)

    class Meta:
        model = DailyReport
        fields = [
            "id", "station", "station_code", "day", "received", "accepted", "completed", "open_total", "open_by_age",
            "sla_breaches", "parts_used", "spares_on_loan", "remarks", "status", "deadline", "submitted_at", "is_late",
        ]  # fmt: skip
        read_only_fields = fields


class RemarksSerializer(serializers.Serializer):
    remarks = serializers.CharField(required=False, allow_blank=True, default="")


class TicketPagination(pagination.BasePagination):
    """Newest first by keyset (``selectors.keyset_page``): ``?older=`` / ``?newer=`` cursors in the next and
    previous links, never a count — the same cost on any page of a million tickets."""

    page_size, max_page_size = 50, 200

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.page_size
        with contextlib.suppress(ValueError):
            size = min(max(int(request.query_params.get("page_size", size)), 1), self.max_page_size)
        params = request.query_params
        self.page = selectors.keyset_page(
            queryset, older=params.get("older", ""), newer=params.get("newer", ""), size=size
        )
        return self.page["tickets"]

    def _link(self, **cursor):
        url = self.request.build_absolute_uri()
        for key, value in {"older": None, "newer": None, **cursor}.items():
            url = replace_query_param(url, key, value) if value else remove_query_param(url, key)
        return url

    def get_paginated_response(self, data):
        older, newer = self.page["older"], self.page["newer"]
        return Response(
            {
                "next": self._link(older=older) if older else None,
                "previous": self._link(newer=newer) if newer else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        properties = {"next": link, "previous": link, "results": schema}
        return {"type": "object", "required": ["results"], "properties": properties}

    def get_schema_operation_parameters(self, view):
        def param(name, description, kind="string"):
            schema = {"type": kind}
            return {"name": name, "required": False, "in": "query", "description": str(description), "schema": schema}

        return [
            param("older", _("Cursor: the page after this one (older tickets)")),
            param("newer", _("Cursor: the page before this one (newer tickets)")),
            param("page_size", _("Tickets per page (at most 200)"), "integer"),
        ]


# --- views --------------------------------------------------------------------------------------


def _technician(pk: int):
    technician = get_user_model().objects.filter(pk=pk).first()
    if technician is None:
        raise serializers.ValidationError({"technician": [_("Unknown technician.")]})
    return technician


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    """Hotline look-up: ``?phone=`` (the start of a number, at least 3 digits, in any format: ``138123``,
    ``0371-1234``, ``+86 138``). Phones are given in E.164 (``+8613812345678``)."""

    permission_classes = [ActionPermission]
    permission_actions = {"*": "customers.lookup"}
    serializer_class = CustomerSerializer

    @extend_schema(parameters=[OpenApiParameter("phone", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = Customer.objects.prefetch_related("devices__model").order_by("phone", "pk")
        if self.action == "list":
            typed = self.request.query_params.get("phone", "")[:40]
            prefix = phone_prefix(typed)
            if prefix is None or sum(c.isdigit() for c in typed) < 3:
                return qs.none()
            qs = qs.filter(selectors.customer_phone_match(prefix))
        return qs


class DeviceViewSet(viewsets.ReadOnlyModelViewSet):
    """Hotline look-up: ``?serial=`` (prefix, at least 3 characters)."""

    permission_classes = [ActionPermission]
    permission_actions = {"*": "customers.lookup"}
    serializer_class = DeviceSerializer

    @extend_schema(parameters=[OpenApiParameter("serial", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = Device.objects.select_related("model", "customer").order_by("serial")
        if self.action == "list":
            serial = self.request.query_params.get("serial", "").strip().upper()
            if len(serial) < 3:
                return qs.none()
            qs = qs.filter(serial__startswith=serial)
        return qs


class TicketViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Tickets; state changes are POSTs to ``tickets/{id}/<action>/``."""

    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "tickets.view",
        "retrieve": "tickets.view",
        "create": "tickets.create",
        "dispatch_suggestions": "tickets.dispatch",
        "dispatch_ticket": "tickets.dispatch",
        "bulk_dispatch": "tickets.dispatch",
        "resolve_by_phone": "tickets.dispatch",
        "reject": "tickets.reject",
        "accept": "tickets.accept",
        "reassign": "tickets.assign",
        "schedule": "tickets.work",
        "depart": "tickets.work",
        "arrive": "tickets.work",
        "await_parts": "tickets.work",
        "resume": "tickets.work",
        "escalate": "tickets.work",
        "complete": "tickets.work",
        "cancel": "tickets.cancel",
        "reprioritise": "tickets.dispatch",
        "report_fabricated": "tickets.report_fabricated",
    }
    serializer_class = TicketSerializer
    pagination_class = TicketPagination
    filterset_class = filters.TicketFilter

    def list(self, request, *args, **kwargs):
        """From the cache while neither the data nor the clock changes the answer (``repairnet.dataversion``)."""

        def build():
            now = timezone.now()
            response = super(TicketViewSet, self).list(request, *args, **kwargs)
            page = getattr(self.paginator, "page", None)
            return response, sla.unchanged_until(page["tickets"], now=now) if page else None

        return dataversion.cached_list(self, request, build)

    def get_queryset(self):
        if self.action == "list":
            return selectors.tickets_visible(user=self.request.user)
        return (
            roles.scope_queryset(self.request.user, Ticket.objects.all())
            .select_related("customer", "device", "station", "callback")
            .order_by("-received_at", "-pk")
        )

    def get_serializer_class(self):
        return TicketCreateSerializer if self.action == "create" else TicketSerializer

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketSerializer, 409: OpenApiResponse(description="The serial has an open ticket")},
    )
    def create(self, request, *args, **kwargs):
        data = validated(TicketCreateSerializer, request)
        try:
            ticket = services.ticket_create(actor=request.user, **data)
        except services.OpenTicketExists as exc:
            open_ticket = TicketSerializer(exc.ticket, context={"request": request}).data
            body = {"detail": exc.messages[0], "errors": exc.message_dict, "open_ticket": open_ticket}
            return Response(body, status=status.HTTP_409_CONFLICT)
        # The service returns the ticket with its customer and device; one logged a moment ago has no station
        # and no callback yet, so it is answered as it stands (no second read).
        Ticket.callback.related.set_cached_value(ticket, None)
        return Response(TicketSerializer(ticket, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"], url_path="dispatch-suggestions")
    def dispatch_suggestions(self, request, pk=None):
        ticket = self.get_object()
        rows = selectors.dispatch_suggestions(ticket=ticket)
        return Response(
            [
                {
                    "station": r["station"].pk,
                    "code": r["station"].code,
                    "name": r["station"].name,
                    "tier": r["station"].tier,
                    "open_load": r["open_load"],
                    "reasons": [str(x) for x in r["reasons"]],
                }
                for r in rows
            ]
        )

    @service_action(DispatchSerializer, TicketSerializer, url_path="dispatch", url_name="dispatch")
    def dispatch_ticket(self, ticket, actor, data):
        return services.ticket_dispatch(ticket_id=ticket.pk, station_id=data["station"], actor=actor, note=data["note"])

    @bulk_action(BulkDispatchSerializer, url_path="bulk-dispatch", label=lambda t: t.number)
    def bulk_dispatch(self, ticket, actor, data):
        """Dispatch several tickets to one station: ``ticket_dispatch`` once per ticket, each one reported."""
        services.ticket_dispatch(ticket_id=ticket.pk, station_id=data["station"], actor=actor, note=data["note"])

    @service_action(NoteSerializer, TicketSerializer, url_path="resolve-by-phone")
    def resolve_by_phone(self, ticket, actor, data):
        return services.ticket_resolve_by_phone(ticket_id=ticket.pk, actor=actor, note=data["note"])

    @service_action(ReasonSerializer, TicketSerializer)
    def reject(self, ticket, actor, data):
        return services.ticket_reject(ticket_id=ticket.pk, actor=actor, reason=data["reason"])

    @service_action(AcceptSerializer, TicketSerializer)
    def accept(self, ticket, actor, data):
        technician = _technician(data.get("technician")) if data.get("technician") else None
        return services.ticket_accept(ticket_id=ticket.pk, actor=actor, technician=technician)

    @service_action(ReassignSerializer, TicketSerializer)
    def reassign(self, ticket, actor, data):
        """The coordinator or HQ: an accepted ticket not yet started goes to another certified technician."""
        return services.ticket_reassign(
            ticket_id=ticket.pk, actor=actor, technician=_technician(data["technician"]), reason=data["reason"]
        )

    @service_action(ScheduleSerializer, TicketSerializer)
    def schedule(self, ticket, actor, data):
        return services.ticket_schedule(ticket_id=ticket.pk, actor=actor, appointment_at=data["appointment_at"])

    @service_action(None, TicketSerializer)
    def depart(self, ticket, actor, data):
        """The technician sets out for an on-site visit: the customer is told he is on the way."""
        return services.ticket_depart(ticket_id=ticket.pk, actor=actor)

    @service_action(None, TicketSerializer)
    def arrive(self, ticket, actor, data):
        return services.ticket_arrive(ticket_id=ticket.pk, actor=actor)

    @service_action(NoteSerializer, TicketSerializer, url_path="await-parts")
    def await_parts(self, ticket, actor, data):
        return services.ticket_await_parts(ticket_id=ticket.pk, actor=actor, note=data["note"])

    @service_action(NoteSerializer, TicketSerializer)
    def resume(self, ticket, actor, data):
        return services.ticket_resume(ticket_id=ticket.pk, actor=actor, note=data["note"])

    @service_action(EscalateSerializer, TicketSerializer)
    def escalate(self, ticket, actor, data):
        return services.ticket_escalate(ticket_id=ticket.pk, actor=actor, to=data["to"], note=data["note"])

    @service_action(CompleteSerializer, TicketSerializer)
    def complete(self, ticket, actor, data):
        return services.ticket_complete(
            ticket_id=ticket.pk,
            actor=actor,
            fault_found=data["fault_found"],
            work_done=data["work_done"],
            diagnosis=data["diagnosis"],
            no_fault_found=data["no_fault_found"],
            parts=[dict(p) for p in data["parts"]],
            charge_amount=data["charge_amount"],
            charge_consent=data["charge_consent"],
            signoff_name=data["signoff_name"],
            signature_data_url=data["signature"],
            photo_before=data["photo_before"],
            photo_after=data["photo_after"],
        )

    @service_action(ReprioritiseSerializer, TicketSerializer)
    def reprioritise(self, ticket, actor, data):
        """New priority with its reason; the SLA deadlines are computed again (SPEC 2.5)."""
        return services.ticket_reprioritise(
            ticket_id=ticket.pk, actor=actor, priority=data["priority"], note=data["reason"]
        )

    @service_action(ReasonSerializer, TicketSerializer)
    def cancel(self, ticket, actor, data):
        return services.ticket_cancel(ticket_id=ticket.pk, actor=actor, reason=data["reason"])

    @service_action(ReasonSerializer, TicketSerializer, url_path="report-fabricated")
    def report_fabricated(self, ticket, actor, data):
        """HQ: the ticket is fabricated or a duplicate: the station's −¥200 record (SPEC 1.5), once per ticket."""
        return services.ticket_report_fabricated(ticket_id=ticket.pk, actor=actor, reason=data["reason"])


class CallbackViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    permission_actions = {"list": "callbacks.view", "retrieve": "callbacks.view", "attempt": "callbacks.make"}
    serializer_class = CallbackSerializer
    filterset_class = filters.CallbackFilter

    def get_queryset(self):
        return selectors.callback_list()

    @service_action(AttemptSerializer, CallbackSerializer)
    def attempt(self, callback, actor, data):
        return services.callback_attempt(callback_id=callback.pk, actor=actor, **data)


class ComplaintViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "complaints.view",
        "retrieve": "complaints.view",
        "create": "complaints.create",
        "acknowledge": "complaints.acknowledge",
        "resolve": "complaints.handle",
    }
    serializer_class = ComplaintSerializer
    filterset_class = filters.ComplaintFilter

    def get_queryset(self):
        return selectors.complaint_list_for(user=self.request.user)

    def get_serializer_class(self):
        return ComplaintCreateSerializer if self.action == "create" else ComplaintSerializer

    def create(self, request, *args, **kwargs):
        data = validated(ComplaintCreateSerializer, request)
        complaint = services.complaint_create(
            actor=request.user,
            ticket_id=data.get("ticket"),
            station=data.get("station"),
            technician=data.get("technician"),
            category=data["category"],
            description=data["description"],
        )
        return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)

    @service_action(NoteSerializer, ComplaintSerializer)
    def acknowledge(self, complaint, actor, data):
        return services.complaint_acknowledge(complaint_id=complaint.pk, actor=actor, note=data["note"])

    @service_action(ResolveSerializer, ComplaintSerializer)
    def resolve(self, complaint, actor, data):
        return services.complaint_resolve(complaint_id=complaint.pk, actor=actor, **data)


class DailyReportViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "daily_reports.view",
        "retrieve": "daily_reports.view",
        "submit": "daily_reports.submit",
    }
    serializer_class = DailyReportSerializer
    filterset_class = filters.DailyReportFilter

    def get_queryset(self):
        return selectors.daily_report_list_for(user=self.request.user)

    @service_action(RemarksSerializer, DailyReportSerializer)
    def submit(self, report, actor, data):
        return services.daily_report_submit(report_id=report.pk, actor=actor, remarks=data["remarks"])


from rest_framework.routers import SimpleRouter  # noqa: E402

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("devices", DeviceViewSet, basename="device")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("callbacks", CallbackViewSet, basename="callback")
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("daily-reports", DailyReportViewSet, basename="daily-report")

urlpatterns = [path("", include(router.urls))]
