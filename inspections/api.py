"""API (/api/v1/): checklist templates (read), inspections, item scores, stock counts, rectifications."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from repairnet.api import ActionPermission, Pagination, read_actions, service_action, validated
from stations.models import Station

from . import filters, selectors, services
from .models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Inspection,
    ItemScore,
    Rectification,
    StockCountLine,
)


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "code", "text", "max_score"]


class ChecklistSectionSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistSection
        fields = ["id", "position", "title", "items"]


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    sections = ChecklistSectionSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "name", "version", "is_active", "effective_from", "sections"]


class ItemScoreSerializer(serializers.ModelSerializer):
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = ItemScore
        fields = [
            "id",
            "section_position",
            "section_title",
            "position",
            "item_code",
            "item_text",
            "max_score",
            "score",
            "comment",
            "photo_url",
        ]

    def get_photo_url(self, obj) -> str:
        return reverse("inspections:item-photo", args=[obj.pk]) if obj.photo else ""


class ItemScoreWriteSerializer(serializers.Serializer):
    score = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    photo = serializers.ImageField(required=False)


class StockCountLineSerializer(serializers.ModelSerializer):
    difference = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = StockCountLine
        fields = [
            "id",
            "spare_item_id",
            "item_name",
            "serial_tracked",
            "expected_quantity",
            "expected_serials",
            "counted_quantity",
            "difference",
            "note",
        ]


class StockCountWriteSerializer(serializers.Serializer):
    counted_quantity = serializers.IntegerField(min_value=0, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class InspectionSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.name", read_only=True)
    inspector_name = serializers.CharField(source="inspector.display_name", read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "station",
            "station_name",
            "inspector",
            "inspector_name",
            "scheduled_for",
            "status",
            "template_version",
            "total",
            "grade",
            "summary",
            "submitted_at",
            "reinspection_of",
        ]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    scores = ItemScoreSerializer(many=True, read_only=True)
    stock_lines = StockCountLineSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "scores", "stock_lines"]
        read_only_fields = fields


class InspectionScheduleSerializer(serializers.Serializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())
    inspector = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    scheduled_for = serializers.DateField()


class InspectionSubmitSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RectificationSerializer(serializers.ModelSerializer):
    item_text = serializers.CharField(source="item_score.item_text", read_only=True)
    score = serializers.IntegerField(source="item_score.score", read_only=True)
    max_score = serializers.IntegerField(source="item_score.max_score", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "inspection",
            "station",
            "station_name",
            "item_text",
            "score",
            "max_score",
            "status",
            "deadline",
            "is_overdue",
            "answer",
            "answered_at",
            "reject_reason",
            "rejection_count",
            "decided_at",
        ]
        read_only_fields = fields


class RectificationAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)
    evidence = serializers.ImageField(required=False)


class RectificationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RectificationNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ChecklistTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    permission_actions = {"*": "inspections.templates"}
    serializer_class = ChecklistTemplateSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return selectors.template_list().order_by("-version")


class InspectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Station staff see their own station's submitted inspections only; never drafts."""

    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "inspections.view",
        scores="inspections.view",
        stock_counts="inspections.view",
        create="inspections.schedule",
        score_save="inspections.fill",
        stock_count_save="inspections.fill",
        submit="inspections.fill",
    )
    pagination_class = Pagination
    filterset_class = filters.InspectionFilter

    def get_queryset(self):
        qs = selectors.inspection_list_visible_to(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("scores", "stock_lines")
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return InspectionScheduleSerializer
        if self.action == "retrieve":
            return InspectionDetailSerializer
        return InspectionSerializer

    def create(self, request, *args, **kwargs):
        data = validated(InspectionScheduleSerializer, request)
        inspection = services.inspection_schedule(**data, actor=request.user)
        return Response(InspectionSerializer(inspection).data, status=201)

    @action(detail=True, methods=["get"])
    def scores(self, request, pk=None):
        inspection = self.get_object()
        return Response(ItemScoreSerializer(inspection.scores.all(), many=True).data)

    @service_action(ItemScoreWriteSerializer, ItemScoreSerializer, url_path=r"scores/(?P<score_id>\d+)")
    def score_save(self, inspection, actor, data, score_id):
        line = get_object_or_404(inspection.scores, pk=score_id)
        return services.item_score_save(
            score_id=line.pk, actor=actor, score=data.get("score"), comment=data.get("comment"), photo=data.get("photo")
        )

    @action(detail=True, methods=["get"], url_path="stock-counts")
    def stock_counts(self, request, pk=None):
        inspection = self.get_object()
        return Response(StockCountLineSerializer(inspection.stock_lines.all(), many=True).data)

    @service_action(StockCountWriteSerializer, StockCountLineSerializer, url_path=r"stock-counts/(?P<line_id>\d+)")
    def stock_count_save(self, inspection, actor, data, line_id):
        line = get_object_or_404(inspection.stock_lines, pk=line_id)
        return services.stock_count_save(
            line_id=line.pk, actor=actor, counted_quantity=data["counted_quantity"], note=data.get("note")
        )

    @service_action(InspectionSubmitSerializer, InspectionSerializer)
    def submit(self, inspection, actor, data):
        return services.inspection_submit(inspection_id=inspection.pk, actor=actor, summary=data.get("summary", ""))


class RectificationViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "rectifications.view",
        answer="rectifications.answer",
        confirm="rectifications.confirm",
        reject="rectifications.confirm",
    )
    serializer_class = RectificationSerializer
    pagination_class = Pagination
    filterset_class = filters.RectificationFilter

    def get_queryset(self):
        return selectors.rectification_order_for_work(selectors.rectification_list_visible_to(self.request.user))

    @service_action(RectificationAnswerSerializer, RectificationSerializer)
    def answer(self, rect, actor, data):
        return services.rectification_answer(
            rectification_id=rect.pk, actor=actor, answer=data["answer"], evidence=data.get("evidence")
        )

    @service_action(RectificationNoteSerializer, RectificationSerializer)
    def confirm(self, rect, actor, data):
        return services.rectification_confirm(rectification_id=rect.pk, actor=actor, note=data.get("note", ""))

    @service_action(RectificationReasonSerializer, RectificationSerializer)
    def reject(self, rect, actor, data):
        return services.rectification_reject(rectification_id=rect.pk, actor=actor, reason=data["reason"])


router = DefaultRouter()
router.include_root_view = False
# Registered before "inspections" so that "inspections/templates/" is not read as an inspection id.
router.register("inspections/templates", ChecklistTemplateViewSet, basename="inspection-template")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("rectifications", RectificationViewSet, basename="rectification")

urlpatterns = [path("", include(router.urls))]
