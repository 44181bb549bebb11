"""API of the fraud area: /api/v1/fraud/signals/ (list, confirm, dismiss) and /api/v1/fraud/stations/ (ranking)."""

import datetime

from django.urls import include, path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from repairnet.api import ActionPermission, Pagination, read_actions, service_action

from . import selectors, services
from .models import FraudSignal


class FraudSignalSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", default=None, read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)
    evidence_text = serializers.SerializerMethodField()

    class Meta:
        model = FraudSignal
        fields = [
            "id",
            "rule",
            "ticket",
            "ticket_number",
            "station",
            "station_code",
            "technician",
            "weight",
            "evidence",
            "evidence_text",
            "status",
            "decided_by",
            "decided_at",
            "reason",
            "sanction_raised",
            "created_at",
        ]
        read_only_fields = fields

    def get_evidence_text(self, obj) -> str:
        return selectors.evidence_text(obj)


class ConfirmSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    raise_sanction = serializers.BooleanField(default=False)


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class FraudSignalViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    permission_actions = read_actions("fraud.view", confirm="fraud.decide", dismiss="fraud.decide")
    serializer_class = FraudSignalSerializer
    pagination_class = Pagination

    def get_queryset(self):
        qs = selectors.signal_list_visible_to(self.request.user).order_by("-created_at", "-pk")
        for name in ("status", "rule", "station"):
            value = self.request.query_params.get(name)
            if value:
                qs = qs.filter(**{name: value})
        return qs

    @service_action(ConfirmSerializer, FraudSignalSerializer)
    def confirm(self, signal, actor, data):
        return services.fraud_signal_confirm(
            signal_id=signal.pk, actor=actor, reason=data["reason"], raise_sanction=data["raise_sanction"]
        )

    @service_action(DismissSerializer, FraudSignalSerializer)
    def dismiss(self, signal, actor, data):
        return services.fraud_signal_dismiss(signal_id=signal.pk, actor=actor, reason=data["reason"])


class StationRiskSerializer(serializers.Serializer):
    station = serializers.IntegerField(source="station_id")
    code = serializers.CharField(source="station__code")
    name = serializers.CharField(source="station__name")
    score = serializers.IntegerField()
    open = serializers.IntegerField()
    confirmed = serializers.IntegerField()


class StationRankingView(APIView):
    """Stations ranked by risk score over the last ``days`` days (default 90)."""

    permission_classes = [ActionPermission]
    permission_actions = {"*": "fraud.view"}

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="Window in days, 1–3650 (default 90)")],
        responses=StationRiskSerializer(many=True),
    )
    def get(self, request):
        try:
            days = max(1, min(int(request.query_params.get("days", 90)), 3650))
        except ValueError:
            days = 90
        end = timezone.now() + datetime.timedelta(minutes=1)
        rows = selectors.station_ranking(user=request.user, start=end - datetime.timedelta(days=days), end=end)
        return Response(StationRiskSerializer(rows, many=True).data)


router = DefaultRouter()
router.include_root_view = False
router.register("fraud/signals", FraudSignalViewSet, basename="fraud-signal")

urlpatterns = [
    path("fraud/stations/", StationRankingView.as_view(), name="fraud-station-ranking"),
    path("", include(router.urls)),
]
