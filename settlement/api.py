"""Settlement API (/api/v1/settlement/...): runs, statements and their flow, PDF, month workbook, fee rules."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from repairnet import roles
from repairnet.api import ActionPermission, Pagination, read_actions, service_action, validated
from repairnet.bulk import BulkSerializer, bulk_action
from repairnet.exports import pdf_download, xlsx_download

from . import exports, filters, selectors, services
from .models import Adjustment, ExcludedTicket, FeeRule, SettlementRun, Statement


class FeeRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeRule
        fields = ["id", "kind", "amount", "remote_allowance", "effective_from", "effective_to", "note"]


class RunSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m", read_only=True)
    waiting_for_queue = serializers.BooleanField(
        read_only=True, help_text="Recorded but not started: the job queue was unreachable; it starts when it is back."
    )

    class Meta:
        model = SettlementRun
        fields = [
            "id",
            "month",
            "status",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
            "stations_count",
            "drafts_count",
            "locked_count",
            "lines_count",
            "excluded_count",
            "message",
            "dispatched_at",
            "attempts",
            "waiting_for_queue",
        ]
        read_only_fields = fields


class RunCreateSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")


class LineSerializer(serializers.Serializer):
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.CharField()
    completed_at = serializers.DateTimeField()
    service_mode = serializers.CharField()
    serial = serializers.CharField()
    customer_phone = serializers.CharField(help_text="masked")
    technician_name = serializers.CharField()
    fee_kind = serializers.CharField()
    fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    allowance = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    basis = serializers.CharField()


class AdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Adjustment
        fields = ["id", "kind", "amount", "description", "source_ref", "created_at"]


class ExcludedSerializer(serializers.ModelSerializer):
    reason_label = serializers.CharField(
        read_only=True, help_text="Why it is not paid, in the reader's language (e.g. waiting on complaint #12)"
    )
    complaint = serializers.IntegerField(
        source="complaint_id", read_only=True, allow_null=True, help_text="The complaint a disputed callback waits on"
    )

    class Meta:
        model = ExcludedTicket
        fields = [
            "ticket_id",
            "ticket_number",
            "completed_at",
            "service_mode",
            "serial",
            "reason",
            "reason_label",
            "complaint",
            "detail",
        ]


class UnpaidTicketSerializer(ExcludedSerializer):
    payable_later = serializers.BooleanField(
        read_only=True, help_text="Still paid later (waits on a callback or complaint)"
    )
    remedy = serializers.CharField(read_only=True, help_text="What would make it payable, in the reader's language")

    class Meta(ExcludedSerializer.Meta):
        fields = [*ExcludedSerializer.Meta.fields, "payable_later", "remedy"]


class UnpaidReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    payable_later = serializers.BooleanField()
    remedy = serializers.CharField()


class UnpaidSerializer(serializers.Serializer):
    """A statement's "what was not paid and why"."""

    by_reason = UnpaidReasonSerializer(many=True)
    waiting = serializers.IntegerField(help_text="Tickets that can still be paid in a later month")
    excluded = UnpaidTicketSerializer(many=True)
    deductions = AdjustmentSerializer(many=True)
    deductions_total = serializers.DecimalField(max_digits=12, decimal_places=2)


class StatementSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    due_on = serializers.DateField(
        read_only=True,
        help_text="To be approved and paid by (STATEMENT_DUE_DAY of the next month, the 20th by default)",
    )
    is_overdue = serializers.BooleanField(read_only=True, help_text="Past its due date and not yet approved or paid")

    class Meta:
        model = Statement
        fields = [
            "id",
            "month",
            "station",
            "station_code",
            "station_name",
            "region_name",
            "status",
            "lines_count",
            "excluded_count",
            "fees_total",
            "allowances_total",
            "additions_total",
            "gross",
            "deductions",
            "net",
            "issued_at",
            "confirmed_at",
            "dispute_reason",
            "resolution",
            "approved_at",
            "paid_on",
            "payment_reference",
            "due_on",
            "is_overdue",
        ]
        read_only_fields = fields


class StatementDetailSerializer(StatementSerializer):
    lines = serializers.SerializerMethodField()
    adjustments = AdjustmentSerializer(many=True, read_only=True)
    excluded = ExcludedSerializer(many=True, read_only=True)

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "rules_snapshot", "lines", "adjustments", "excluded"]
        read_only_fields = fields

    @extend_schema(responses=LineSerializer(many=True))
    def get_lines(self, obj) -> list[dict]:
        return LineSerializer(selectors.statement_lines(statement=obj), many=True).data


class StatementNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class DisputeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class DisputeResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=1000)
    reopen = serializers.BooleanField(default=False)


class PaymentSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=64)


class AdjustSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    description = serializers.CharField(max_length=300)


class FeeRuleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FeeRuleSerializer
    permission_classes = [ActionPermission]
    permission_actions = {"*": "settlement.rules"}
    pagination_class = Pagination
    queryset = FeeRule.objects.order_by("kind", "-effective_from")


class RunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """GET: recent runs; POST {"month": "YYYY-MM"}: start a run (202); GET {id}: its progress."""

    serializer_class = RunSerializer
    permission_classes = [ActionPermission]
    permission_actions = {"list": "settlement.view", "retrieve": "settlement.view", "create": "settlement.run"}
    pagination_class = Pagination

    def get_queryset(self):
        if roles.is_station_staff(self.request.user):
            return SettlementRun.objects.none()
        return SettlementRun.objects.order_by("-created_at", "-pk")

    @extend_schema(request=RunCreateSerializer, responses={202: RunSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(RunCreateSerializer, request)
        month = services.parse_month(data["month"])
        run = services.settlement_run_start(month=month, actor=request.user)
        run.refresh_from_db()
        body = RunSerializer(run).data
        if run.waiting_for_queue:
            body["detail"] = _(
                "The job queue cannot be reached right now: the run is recorded and starts by itself when it is back."
            )
        return Response(body, status=status.HTTP_202_ACCEPTED)


class BulkStatementNoteSerializer(BulkSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class StatementViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "settlement.view",
        pdf="settlement.pdf",
        issue="settlement.issue",
        confirm="settlement.confirm",
        dispute="settlement.dispute",
        resolve="settlement.resolve",
        approve="settlement.approve",
        pay="settlement.pay",
        adjust="settlement.adjust",
        unpaid="settlement.view",
        bulk_issue="settlement.issue",
    )
    pagination_class = Pagination
    filterset_class = filters.StatementFilter

    def get_queryset(self):
        qs = selectors.statement_list_for(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("adjustments", "excluded")
        return qs

    def get_serializer_class(self):
        return StatementDetailSerializer if self.action == "retrieve" else StatementSerializer

    @service_action(StatementNoteSerializer, StatementSerializer)
    def issue(self, statement, actor, data):
        return services.statement_issue(statement_id=statement.pk, actor=actor, note=data["note"])

    @bulk_action(
        BulkStatementNoteSerializer, url_path="bulk-issue", label=lambda s: f"{s.station.code} {s.month:%Y-%m}"
    )
    def bulk_issue(self, statement, actor, data):
        """Issue several drafts: ``statement_issue`` once per statement, each one reported."""
        services.statement_issue(statement_id=statement.pk, actor=actor, note=data["note"])

    @service_action(StatementNoteSerializer, StatementSerializer)
    def confirm(self, statement, actor, data):
        return services.statement_confirm(statement_id=statement.pk, actor=actor, note=data["note"])

    @service_action(DisputeSerializer, StatementSerializer)
    def dispute(self, statement, actor, data):
        return services.statement_dispute(statement_id=statement.pk, actor=actor, reason=data["reason"])

    @service_action(DisputeResolveSerializer, StatementSerializer)
    def resolve(self, statement, actor, data):
        return services.statement_resolve_dispute(
            statement_id=statement.pk, actor=actor, resolution=data["resolution"], reopen=data["reopen"]
        )

    @service_action(StatementNoteSerializer, StatementSerializer)
    def approve(self, statement, actor, data):
        return services.statement_approve(statement_id=statement.pk, actor=actor, note=data["note"])

    @service_action(PaymentSerializer, StatementSerializer)
    def pay(self, statement, actor, data):
        return services.statement_record_payment(
            statement_id=statement.pk, actor=actor, paid_on=data["paid_on"], reference=data["reference"]
        )

    @service_action(AdjustSerializer, StatementSerializer)
    def adjust(self, statement, actor, data):
        services.adjustment_add(
            statement_id=statement.pk, actor=actor, amount=data["amount"], description=data["description"]
        )
        return statement

    @extend_schema(responses=UnpaidSerializer)
    @action(detail=True, methods=["get"])
    def unpaid(self, request, pk=None):
        """What the station was not paid on this statement and why."""
        return Response(UnpaidSerializer(selectors.statement_unpaid(statement=self.get_object())).data)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        statement = self.get_object()
        path = exports.statement_pdf_build(statement=statement)
        return pdf_download(path, f"statement-{statement.month:%Y-%m}-{statement.station.code}.pdf")


class MonthWorkbookView(APIView):
    """GET the month's finance workbook (XLSX)."""

    permission_classes = [ActionPermission]
    permission_actions = {"get": "settlement.export"}

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes})
    def get(self, request, month: str):
        first = services.parse_month(month)
        path = exports.workbook_build(month=first)
        return xlsx_download(path, f"settlement-{first:%Y-%m}.xlsx")


router = DefaultRouter()
router.include_root_view = False
router.register("settlement/fee-rules", FeeRuleViewSet, basename="settlement-fee-rule")
router.register("settlement/runs", RunViewSet, basename="settlement-run")
router.register("settlement/statements", StatementViewSet, basename="settlement-statement")

urlpatterns = [
    path(
        "settlement/months/<str:month>/workbook/",
        MonthWorkbookView.as_view(),
        name="settlement-month-workbook",
    ),
    *router.urls,
]
