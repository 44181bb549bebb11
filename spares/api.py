"""API (/api/v1/spares/…): catalogue, balances, journal (read) and typed movement endpoints.

The journal is never written directly: each movement type has its own endpoint that calls one
service. Station staff see only their own station.
"""

from django.shortcuts import get_object_or_404
from django.urls import include, path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from repairnet import roles
from repairnet.api import ActionPermission, read_actions, service_action, validated
from stations.models import Station

from . import filters, selectors, services
from .models import (
    DepositEntry,
    Item,
    Movement,
    Obligation,
    Replenishment,
    ReplenishmentLine,
    Shipment,
    StockBalance,
    StocktakeProposal,
    WriteOff,
)


def _station_or_404(user, station_id):
    station = get_object_or_404(Station, pk=station_id)
    roles.require(user, "spares.view", station)
    return station


# ------------------------------------------------------------------ serializers


class ItemSerializer(serializers.ModelSerializer):
    unit_cost = serializers.SerializerMethodField()
    retail_price = serializers.SerializerMethodField()
    serial_tracked = serializers.BooleanField(read_only=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "unit",
            "compatible_models",
            "serial_tracked",
            "unit_cost",
            "retail_price",
        ]

    def _price(self, obj, index):
        prices = self.context.setdefault("prices", selectors.item_prices())
        price = prices.get(obj.pk)
        return str(price[index]) if price else None

    def get_unit_cost(self, obj) -> str | None:
        return self._price(obj, 0)

    def get_retail_price(self, obj) -> str | None:
        return self._price(obj, 1)


class BalanceSerializer(serializers.ModelSerializer):
    station_id = serializers.IntegerField(source="location.station_id", read_only=True)
    location_kind = serializers.CharField(source="location.kind", read_only=True)
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = StockBalance
        fields = ["id", "station_id", "location_id", "location_kind", "item_id", "item_code", "on_hand", "updated_at"]


class MovementSerializer(serializers.ModelSerializer):
    serial = serializers.CharField(source="serial_unit.serial", default=None, read_only=True)
    from_kind = serializers.CharField(source="from_location.kind", read_only=True)
    to_kind = serializers.CharField(source="to_location.kind", read_only=True)

    class Meta:
        model = Movement
        fields = [
            "id",
            "type",
            "item_id",
            "quantity",
            "serial",
            "from_location_id",
            "from_kind",
            "to_location_id",
            "to_kind",
            "station_id",
            "unit_cost",
            "chargeable",
            "ticket_id",
            "ticket_number",
            "shipment_id",
            "reversal_of_id",
            "note",
            "created_at",
        ]


class ShipmentLineInSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1, required=False)
    serials = serializers.ListField(child=serializers.CharField(max_length=40), required=False)


class ShipmentSerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Shipment
        fields = ["id", "number", "station_id", "status", "note", "created_at", "received_at", "lines"]

    def get_lines(self, obj) -> list[dict]:
        return [
            {
                "id": line.pk,
                "item_id": line.item_id,
                "quantity": line.quantity,
                "serial": line.serial_unit.serial if line.serial_unit_id else None,
                "received_quantity": line.received_quantity,
            }
            for line in obj.lines.all()
        ]


class ShipmentCreateSerializer(serializers.Serializer):
    station_id = serializers.IntegerField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lines = ShipmentLineInSerializer(many=True)


class ShipmentReceiveSerializer(serializers.Serializer):
    quantities = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False)
    serials = serializers.ListField(child=serializers.CharField(max_length=40), required=False)


class DepositSerializer(serializers.ModelSerializer):
    class Meta:
        model = DepositEntry
        fields = [
            "id",
            "station_id",
            "kind",
            "amount",
            "signed_amount",
            "paid_on",
            "bank_reference",
            "note",
            "created_at",
        ]
        read_only_fields = ["signed_amount", "created_at"]


class DepositCreateSerializer(serializers.Serializer):
    """One deposit entry: money received (paid, top-up) or paid out (refund), or a forfeit. The amount must be
    above 0 and the bank reference is required for paid, top-up and refund — refused on the field."""

    station_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DepositEntry.Kind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="CNY, more than 0.00.")
    paid_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Day the money was received or paid out; today."
    )
    bank_reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="Bank reference of the transfer; required for paid, top_up and refund.",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ObligationSerializer(serializers.ModelSerializer):
    serial = serializers.CharField(source="serial_unit.serial", default=None, read_only=True)

    class Meta:
        model = Obligation
        fields = [
            "id",
            "station_id",
            "item_id",
            "quantity",
            "serial",
            "ticket_id",
            "ticket_number",
            "unit_cost",
            "due_date",
            "status",
            "overdue_at",
        ]


class SaleSerializer(serializers.Serializer):
    station_id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WriteOffSerializer(serializers.ModelSerializer):
    serial = serializers.CharField(source="serial_unit.serial", default=None, read_only=True)

    class Meta:
        model = WriteOff
        fields = ["id", "station_id", "item_id", "quantity", "serial", "reason", "status", "created_at", "decided_at"]


class WriteOffCreateSerializer(serializers.Serializer):
    station_id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1, default=1)
    serial = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=200)
    defective = serializers.BooleanField(default=False)


class StocktakeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StocktakeProposal
        fields = ["id", "station_id", "item_id", "expected_quantity", "counted_quantity", "source_ref", "status"]


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReplenishmentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReplenishmentLine
        fields = ["id", "item_id", "quantity", "suggested", "shipped"]


class ReplenishmentSerializer(serializers.ModelSerializer):
    lines = ReplenishmentLineSerializer(many=True, read_only=True)
    shipment_number = serializers.CharField(source="shipment.number", default=None, read_only=True)

    class Meta:
        model = Replenishment
        fields = ["id", "station_id", "status", "note", "created_at", "decided_at", "shipment_number", "lines"]


class ReplenishmentLineInSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)


class ReplenishmentCreateSerializer(serializers.Serializer):
    station_id = serializers.IntegerField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lines = ReplenishmentLineInSerializer(many=True)


class ReplenishmentApproveSerializer(DecisionSerializer):
    # line id → units to ship (0 drops the line); left out, each line ships what was asked
    quantities = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False)


class StationQuerySerializer(serializers.Serializer):
    station = serializers.IntegerField()


class SuggestionSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(source="item.pk")
    item_code = serializers.CharField(source="item.code")
    used = serializers.IntegerField()
    on_hand = serializers.IntegerField()
    in_transit = serializers.IntegerField()
    hq_on_hand = serializers.IntegerField()
    target = serializers.IntegerField()
    needed = serializers.IntegerField()
    suggested = serializers.IntegerField()
    limited = serializers.BooleanField()
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    value = serializers.DecimalField(max_digits=12, decimal_places=2)


class SuggestionsSerializer(serializers.Serializer):
    deposit = serializers.DecimalField(max_digits=12, decimal_places=2)
    held = serializers.DecimalField(max_digits=12, decimal_places=2)
    headroom = serializers.DecimalField(max_digits=12, decimal_places=2)
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    rows = SuggestionSerializer(many=True)


class ReverseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200)


# ------------------------------------------------------------------ views


class ItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Catalogue with the unit cost and retail price effective today."""

    serializer_class = ItemSerializer
    permission_classes = [ActionPermission]
    permission_actions = {"*": "spares.view"}
    filterset_class = filters.ItemFilter

    def get_queryset(self):
        return selectors.item_list().order_by("code")


class StockViewSet(viewsets.ReadOnlyModelViewSet):
    """Cached balances per (location, item); ``?station=`` filters, station staff see their own."""

    serializer_class = BalanceSerializer
    permission_classes = [ActionPermission]
    permission_actions = {"*": "spares.view"}
    filterset_fields = {"item": ["exact"], "location__kind": ["exact"]}

    def get_queryset(self):
        qs = StockBalance.objects.filter(location__station__isnull=False).select_related("location", "item")
        qs = roles.scope_queryset(self.request.user, qs, station_field="location__station")
        station = self.request.query_params.get("station")
        if station and station.isdigit():
            qs = qs.filter(location__station_id=int(station))
        return qs.order_by("pk")


class MovementViewSet(viewsets.ReadOnlyModelViewSet):
    """The journal (read only); corrections through ``{id}/reverse/``."""

    serializer_class = MovementSerializer
    permission_classes = [ActionPermission]
    permission_actions = {"list": "spares.view", "retrieve": "spares.view", "reverse": "spares.reverse"}
    filterset_class = filters.MovementFilter

    def get_queryset(self):
        return selectors.movement_list(user=self.request.user).order_by("-pk")

    @service_action(ReverseSerializer, MovementSerializer, code=status.HTTP_201_CREATED)
    def reverse(self, movement, actor, data):
        return services.movement_reverse(movement=movement, actor=actor, note=data["note"])


class ShipmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """HQ ships (POST, HQ → in transit); the station confirms with ``{id}/receive/``."""

    serializer_class = ShipmentSerializer
    permission_classes = [ActionPermission]
    permission_actions = read_actions("spares.view", create="spares.ship", receive="spares.receive")
    filterset_class = filters.ShipmentFilter

    def get_queryset(self):
        return selectors.shipment_list(user=self.request.user).prefetch_related("lines__serial_unit").order_by("-pk")

    def get_serializer_class(self):
        return ShipmentCreateSerializer if self.action == "create" else ShipmentSerializer

    def create(self, request, *args, **kwargs):
        data = validated(ShipmentCreateSerializer, request)
        station = _station_or_404(request.user, data["station_id"])
        shipment = services.shipment_create(
            station=station, lines=[dict(line) for line in data["lines"]], actor=request.user, note=data["note"]
        )
        return Response(ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)

    @service_action(ShipmentReceiveSerializer, ShipmentSerializer)
    def receive(self, shipment, actor, data):
        quantities = data.get("quantities")
        return services.shipment_receive(
            shipment=shipment,
            actor=actor,
            quantities={int(k): v for k, v in quantities.items()} if quantities is not None else None,
            serials=data.get("serials"),
        )


class DepositViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Deposit ledger entries (paid, top_up, refund, forfeit); POST appends one."""

    serializer_class = DepositSerializer
    permission_classes = [ActionPermission]
    permission_actions = read_actions("spares.deposit.view", create="spares.deposit.record")
    filterset_fields = ["station", "kind"]

    def get_queryset(self):
        return roles.scope_queryset(self.request.user, DepositEntry.objects.all()).order_by("-pk")

    def get_serializer_class(self):
        return DepositCreateSerializer if self.action == "create" else DepositSerializer

    def create(self, request, *args, **kwargs):
        data = validated(DepositCreateSerializer, request)
        station = _station_or_404(request.user, data["station_id"])
        entry = services.deposit_record(
            station=station,
            kind=data["kind"],
            amount=data["amount"],
            actor=request.user,
            note=data["note"],
            paid_on=data["paid_on"],
            bank_reference=data["bank_reference"],
        )
        body = DepositSerializer(entry).data
        body["balance"] = str(selectors.deposit_balance(station=station))
        return Response(body, status=status.HTTP_201_CREATED)


class ObligationViewSet(viewsets.ReadOnlyModelViewSet):
    """Defective-return obligations; the station returns (``return``), HQ receives (``receive``)."""

    serializer_class = ObligationSerializer
    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "spares.view", return_defective="spares.return_defective", receive="spares.receive_defective"
    )
    filterset_class = filters.ObligationFilter

    def get_queryset(self):
        return selectors.obligation_list(user=self.request.user).order_by("pk")

    @service_action(None, ObligationSerializer, url_path="return")
    def return_defective(self, obligation, actor, data):
        services.defective_return(station=obligation.station, obligation_ids=[obligation.pk], actor=actor)
        return obligation

    @service_action(None, ObligationSerializer)
    def receive(self, obligation, actor, data):
        services.defective_receive(obligation=obligation, actor=actor)
        return obligation


class SaleViewSet(viewsets.GenericViewSet):
    """POST an accessory sale (station stock → customer, charged at unit cost)."""

    serializer_class = SaleSerializer
    permission_classes = [ActionPermission]
    permission_actions = {"create": "spares.use"}

    def create(self, request):
        data = validated(SaleSerializer, request)
        station = _station_or_404(request.user, data["station_id"])
        roles.require(request.user, "spares.use", station)
        movement = services.accessory_sell(
            station=station, item_id=data["item_id"], quantity=data["quantity"], actor=request.user, note=data["note"]
        )
        return Response(MovementSerializer(movement).data, status=status.HTTP_201_CREATED)


class WriteOffViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = WriteOffSerializer
    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "spares.view", create="spares.write_off.request", approve="spares.approve", reject="spares.approve"
    )
    filterset_class = filters.WriteOffFilter

    def get_queryset(self):
        return selectors.write_off_list(user=self.request.user).order_by("-pk")

    def get_serializer_class(self):
        return WriteOffCreateSerializer if self.action == "create" else WriteOffSerializer

    def create(self, request, *args, **kwargs):
        data = validated(WriteOffCreateSerializer, request)
        station = _station_or_404(request.user, data.pop("station_id"))
        write_off = services.write_off_request(station=station, actor=request.user, **data)
        return Response(WriteOffSerializer(write_off).data, status=status.HTTP_201_CREATED)

    @service_action(DecisionSerializer, WriteOffSerializer)
    def approve(self, write_off, actor, data):
        return services.write_off_decide(write_off=write_off, approve=True, actor=actor, note=data["note"])

    @service_action(DecisionSerializer, WriteOffSerializer)
    def reject(self, write_off, actor, data):
        return services.write_off_decide(write_off=write_off, approve=False, actor=actor, note=data["note"])


class ReplenishmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A station asks (POST, the coordinator); HQ ``approve``s into a shipment or ``reject``s with a note.
    ``suggestions/?station=`` gives the quantities the product suggests from usage, turnover and deposit."""

    serializer_class = ReplenishmentSerializer
    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "spares.view", create="spares.replenish", approve="spares.ship", reject="spares.ship", suggestions="spares.view"
    )
    filterset_class = filters.ReplenishmentFilter

    def get_queryset(self):
        return selectors.replenishment_list(user=self.request.user).prefetch_related("lines")

    def get_serializer_class(self):
        return ReplenishmentCreateSerializer if self.action == "create" else ReplenishmentSerializer

    def create(self, request, *args, **kwargs):
        data = validated(ReplenishmentCreateSerializer, request)
        station = _station_or_404(request.user, data["station_id"])
        replenishment = services.replenishment_request(
            station=station, lines=[dict(line) for line in data["lines"]], actor=request.user, note=data["note"]
        )
        return Response(ReplenishmentSerializer(replenishment).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("station", int, required=True)], responses={200: SuggestionsSerializer})
    @action(detail=False, methods=["get"])
    def suggestions(self, request):
        query = StationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        station = _station_or_404(request.user, query.validated_data["station"])
        return Response(SuggestionsSerializer(selectors.replenishment_suggestions(station=station)).data)

    @service_action(ReplenishmentApproveSerializer, ReplenishmentSerializer)
    def approve(self, replenishment, actor, data):
        return services.replenishment_decide(
            replenishment=replenishment, approve=True, actor=actor, note=data["note"], quantities=data.get("quantities")
        )

    @service_action(DecisionSerializer, ReplenishmentSerializer)
    def reject(self, replenishment, actor, data):
        return services.replenishment_decide(replenishment=replenishment, approve=False, actor=actor, note=data["note"])


class StocktakeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StocktakeSerializer
    permission_classes = [ActionPermission]
    permission_actions = read_actions("spares.view", approve="spares.approve", reject="spares.approve")
    filterset_class = filters.StocktakeFilter

    def get_queryset(self):
        return selectors.stocktake_list(user=self.request.user).order_by("-pk")

    @service_action(DecisionSerializer, StocktakeSerializer)
    def approve(self, proposal, actor, data):
        return services.stocktake_decide(proposal=proposal, approve=True, actor=actor, note=data["note"])

    @service_action(DecisionSerializer, StocktakeSerializer)
    def reject(self, proposal, actor, data):
        return services.stocktake_decide(proposal=proposal, approve=False, actor=actor, note=data["note"])


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("spares/items", ItemViewSet, basename="spares-item")
router.register("spares/stock", StockViewSet, basename="spares-stock")
router.register("spares/movements", MovementViewSet, basename="spares-movement")
router.register("spares/shipments", ShipmentViewSet, basename="spares-shipment")
router.register("spares/deposits", DepositViewSet, basename="spares-deposit")
router.register("spares/obligations", ObligationViewSet, basename="spares-obligation")
router.register("spares/sales", SaleViewSet, basename="spares-sale")
router.register("spares/write-offs", WriteOffViewSet, basename="spares-write-off")
router.register("spares/replenishments", ReplenishmentViewSet, basename="spares-replenishment")
router.register("spares/stocktakes", StocktakeViewSet, basename="spares-stocktake")

urlpatterns = [path("", include(router.urls))]
