"""/api/v1/ endpoints of the stations area (SPEC 7): applications (create is public), stations, staff,
certificates, assessments, sanctions, revocation reviews. Thin: parse, call one service, serialise."""

from django.urls import include, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from repairnet import roles
from repairnet.api import ActionPermission, read_actions, service_action, validated
from repairnet.bulk import BulkSerializer, bulk_action
from repairnet.exports import pdf_download
from repairnet.models import Region, User
from repairnet.phones import PhoneSerializerField
from repairnet.services import user_password_reset_force

from . import exports, filters, selectors, services
from .models import Application, Assessment, Certificate, Position, RevocationReview, Sanction, Station

# --- serializers ------------------------------------------------------------------------------------


class ApplicationCreateSerializer(serializers.Serializer):
    company_name = serializers.CharField(max_length=100)
    licence_number = serializers.CharField(max_length=30)
    legal_representative = serializers.CharField(max_length=50)
    contact_name = serializers.CharField(max_length=50)
    contact_phone = PhoneSerializerField()
    email = serializers.EmailField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=200)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    tier_wanted = serializers.CharField(max_length=20)
    years_experience = serializers.IntegerField(min_value=0, max_value=100)
    brands_serviced = serializers.CharField(max_length=200, required=False, allow_blank=True)
    staff_list = serializers.CharField()
    coordinators = serializers.IntegerField(min_value=0, max_value=100)
    engineers = serializers.IntegerField(min_value=0, max_value=1000)
    clerks = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    reception_area = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    repair_area = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    storage_area = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    has_repair_tools = serializers.BooleanField(required=False, default=False)
    has_computer = serializers.BooleanField(required=False, default=False)
    has_instruments = serializers.BooleanField(required=False, default=False)
    has_service_phone = serializers.BooleanField(required=False, default=False)
    equipment_notes = serializers.CharField(required=False, allow_blank=True)
    declares_no_counterfeit = serializers.BooleanField(required=False, default=False)
    business_licence = serializers.FileField()
    financial_report = serializers.FileField()


class ApplicationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True, default=None)

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "status",
            "status_label",
            *Application.APPLICANT_FIELDS,
            "region_name",
            "documents_note",
            "visited_on",
            "visited_by",
            "visit_notes",
            "total_score",
            "recommended_tier",
            "decision_reason",
            "decided_at",
            "station",
            "station_code",
            "created_at",
        ]
        read_only_fields = fields


class ApplicationReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()


class StationsNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class StationsReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class StationsExitSerializer(serializers.Serializer):
    reason = serializers.CharField()
    refunded_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Day the deposit balance was paid back; today."
    )
    bank_reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="Bank reference of the deposit refund; required when a balance is refunded.",
    )


class CertificateRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField()
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)


class StationsVisitSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    visited_by = serializers.CharField(max_length=100)
    notes = serializers.CharField(allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class StationsScoreSerializer(serializers.Serializer):
    points = serializers.DictField(child=serializers.DecimalField(max_digits=5, decimal_places=1))
    comments = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)


class StationsApproveSerializer(serializers.Serializer):
    tier = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    code = serializers.CharField(required=False, allow_blank=True, default="")
    regions = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), many=True, required=False)
    scope_accessory_sales = serializers.BooleanField(required=False, default=True)
    scope_simple_repair = serializers.BooleanField(required=False, allow_null=True, default=None)
    scope_swap = serializers.BooleanField(required=False, default=False)
    is_remote = serializers.BooleanField(required=False, default=False)
    agreement_date = serializers.DateField(required=False, allow_null=True, default=None)
    coordinator_username = serializers.CharField(required=False, allow_blank=True, default="")
    deposit_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The deposit actually received, in CNY."
    )
    deposit_paid_on = serializers.DateField(help_text="The day the deposit was received.")
    deposit_reference = serializers.CharField(max_length=64, help_text="The bank reference of the deposit.")


class StationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    tier_label = serializers.CharField(source="get_tier_display", read_only=True)
    region_names = serializers.SerializerMethodField()
    certified_engineers = serializers.IntegerField(read_only=True)

    class Meta:
        model = Station
        fields = [
            "id",
            "code",
            "name",
            "tier",
            "tier_label",
            "status",
            "status_label",
            "regions",
            "region_names",
            "scope_accessory_sales",
            "scope_simple_repair",
            "scope_swap",
            "is_remote",
            "address",
            "phone",
            "agreement_date",
            "service_start",
            "service_end",
            "understaffed_since",
            "certified_engineers",
        ]
        read_only_fields = fields

    def get_region_names(self, station) -> list[str]:
        return [r.full_name for r in station.regions.all()]


class StaffSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    position = serializers.SerializerMethodField()
    is_certified = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "last_name",
            "first_name",
            "phone",
            "email",
            "station",
            "position",
            "is_active",
            "is_certified",
        ]
        read_only_fields = fields

    def get_position(self, user) -> str:
        profile = getattr(user, "staff_profile", None)
        return profile.position if profile else ""


class StaffCreateSerializer(serializers.Serializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all(), required=False)
    username = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150, allow_blank=True)
    position = serializers.ChoiceField(choices=Position.choices)
    phone = PhoneSerializerField(required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    password = serializers.CharField(min_length=8, required=False, allow_blank=True, default="", write_only=True)


class StaffUpdateSerializer(serializers.Serializer):
    last_name = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150, allow_blank=True)
    position = serializers.ChoiceField(choices=Position.choices)
    phone = PhoneSerializerField(required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True)  # left out: unchanged
    active = serializers.BooleanField(default=True)


class PasswordResetForceSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CertificateSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    holder = serializers.CharField(source="user.display_name", read_only=True)
    station = serializers.IntegerField(source="user.station_id", read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "user",
            "holder",
            "station",
            "kind",
            "issued_on",
            "expires_on",
            "renewed_on",
            "status",
            "revoked_on",
            "revoked_at",
        ]
        read_only_fields = fields


class StationsExamSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(station__isnull=False))
    kind = serializers.CharField()
    trained_on = serializers.DateField()
    exam_on = serializers.DateField()
    theory_score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=100)
    practical_score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=100)


class AssessmentSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "station",
            "station_code",
            "year",
            "quarter",
            "inspection_score",
            "satisfaction_score",
            "sla_score",
            "first_time_fix_score",
            "total",
            "upheld_complaints",
            "tier_at_assessment",
            "suggestion",
            "suggested_tier",
            "status",
            "decision_note",
            "decided_at",
        ]
        read_only_fields = fields


class AssessmentRunSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)


class StationsDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SanctionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)

    class Meta:
        model = Sanction
        fields = [
            "id",
            "station",
            "station_code",
            "rule_code",
            "rule_name",
            "amount",
            "status",
            "note",
            "evidence_ref",
            "source_ref",
            "raised_at",
            "appeal_deadline",
            "appeal_text",
            "decided_at",
            "decision_note",
            "settled_ref",
        ]
        read_only_fields = fields


class SanctionRaiseSerializer(serializers.Serializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())
    rule_code = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_ref = serializers.CharField(required=False, allow_blank=True, default="")


class StationsAppealSerializer(serializers.Serializer):
    text = serializers.CharField()


class RevocationReviewSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)
    rule_code = serializers.CharField(source="sanction.rule.code", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.display_name", read_only=True, default=None)

    class Meta:
        model = RevocationReview
        fields = [
            "id",
            "station",
            "station_code",
            "sanction",
            "rule_code",
            "reason",
            "status",
            "status_label",
            "opened_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class RevocationDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=list(services.REVOCATION_DECISIONS),
        help_text="revoke (an active station is suspended, then revoked), suspend, or dismiss (needs a note).",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# --- views ------------------------------------------------------------------------------------------


class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Station applications. POST (multipart) is public; everything else is HQ review."""

    permission_classes = [ActionPermission]
    permission_actions = {
        "create": "public",
        "*": "stations.applications.review",
    }
    serializer_class = ApplicationSerializer
    filterset_class = filters.ApplicationFilter
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return selectors.application_list()

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationReceiptSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(validated(ApplicationCreateSerializer, request))
        licence, report = data.pop("business_licence"), data.pop("financial_report")
        application = services.application_submit(data=data, business_licence=licence, financial_report=report)
        return Response(
            {"id": application.pk, "reference": application.reference, "status": application.status},
            status=status.HTTP_201_CREATED,
        )

    @service_action(StationsNoteSerializer, ApplicationSerializer, url_path="check-documents")
    def check_documents(self, application, actor, data):
        return services.application_check_documents(application=application, actor=actor, note=data["note"])

    @service_action(StationsVisitSerializer, ApplicationSerializer)
    def visit(self, application, actor, data):
        return services.application_record_visit(application=application, actor=actor, **data)

    @service_action(StationsScoreSerializer, ApplicationSerializer)
    def score(self, application, actor, data):
        return services.application_score(application=application, actor=actor, **data)

    @service_action(StationsApproveSerializer, ApplicationSerializer)
    def approve(self, application, actor, data):
        application = services.application_approve(application=application, actor=actor, **data)
        body = ApplicationSerializer(application).data
        body["coordinator_username"] = application.coordinator.username
        body["coordinator_password"] = application.coordinator_password or None
        return Response(body)

    @service_action(StationsReasonSerializer, ApplicationSerializer)
    def reject(self, application, actor, data):
        return services.application_reject(application=application, actor=actor, reason=data["reason"])

    @service_action(StationsNoteSerializer, ApplicationSerializer)
    def withdraw(self, application, actor, data):
        return services.application_withdraw(application=application, actor=actor, reason=data["note"])

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        application = self.get_object()
        return pdf_download(
            exports.application_review_pdf(application=application), f"review-{application.reference}.pdf"
        )


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    """Stations (scoped: station staff see only their own); state actions for HQ, each with a reason."""

    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "stations.view",
        certificate="stations.view",
        suspend="stations.manage",
        reinstate="stations.manage",
        revoke="stations.manage",
        exit="stations.manage",
        exit_confirmation="stations.view",
    )
    serializer_class = StationSerializer
    filterset_class = filters.StationFilter

    def get_queryset(self):
        return selectors.station_list_for(user=self.request.user)

    @service_action(StationsReasonSerializer, StationSerializer)
    def suspend(self, station, actor, data):
        return services.station_suspend(station=station, actor=actor, note=data["reason"])

    @service_action(StationsReasonSerializer, StationSerializer)
    def reinstate(self, station, actor, data):
        return services.station_reinstate(station=station, actor=actor, note=data["reason"])

    @service_action(StationsReasonSerializer, StationSerializer)
    def revoke(self, station, actor, data):
        return services.station_revoke(station=station, actor=actor, note=data["reason"])

    @service_action(StationsExitSerializer, StationSerializer)
    def exit(self, station, actor, data):
        """Exit: 400 naming every blocker (HQ stock, open tickets, last statement unpaid); else the deposit
        balance is refunded and the station is exited."""
        return services.station_exit(
            station=station,
            actor=actor,
            note=data["reason"],
            refunded_on=data["refunded_on"],
            bank_reference=data["bank_reference"],
        )

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def certificate(self, request, pk=None):
        station = self.get_object()
        return pdf_download(exports.station_certificate_pdf(station=station), f"authorisation-{station.code}.pdf")

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path="exit-confirmation")
    def exit_confirmation(self, request, pk=None):
        """The exit confirmation (退出确认书) of an exited station."""
        station = self.get_object()
        if station.status != Station.Status.EXITED:
            raise NotFound(_("Only an exited station has an exit confirmation."))
        return pdf_download(exports.station_exit_confirmation_pdf(station=station), f"exit-{station.code}.pdf")


class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Station staff (users of a station). Coordinators manage their own station's staff only."""

    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "stations.staff.view",
        create="stations.staff.manage",
        update_staff="stations.staff.manage",
        force_password_reset="users.password_reset.force",
    )
    serializer_class = StaffSerializer
    filterset_fields = ["station", "is_active"]

    def get_queryset(self):
        from django.db.models import Exists, OuterRef

        on = selectors.today()
        qs = (
            User.objects.filter(station__isnull=False)
            .select_related("staff_profile")
            .annotate(
                is_certified=Exists(
                    Certificate.objects.filter(selectors._valid_technician_q("", on), user=OuterRef("pk"))
                )
            )
            .order_by("station_id", "last_name", "pk")
        )
        return roles.scope_queryset(self.request.user, qs)

    @extend_schema(request=StaffCreateSerializer, responses={201: StaffSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(validated(StaffCreateSerializer, request))
        station = data.pop("station", None)
        if roles.is_station_staff(request.user):
            station = station or request.user.station
        if station is None:
            raise serializers.ValidationError({"station": ["This field is required."]})
        roles.require(request.user, "stations.staff.manage", station)
        user = services.staff_add(station=station, actor=request.user, **data)
        return Response(StaffSerializer(self.get_queryset().get(pk=user.pk)).data, status=status.HTTP_201_CREATED)

    @service_action(StaffUpdateSerializer, StaffSerializer, url_path="update")
    def update_staff(self, person, actor, data):
        services.staff_update(user=person, actor=actor, **data)
        return person

    @service_action(PasswordResetForceSerializer, StaffSerializer, url_path="force-password-reset")
    def force_password_reset(self, person, actor, data):
        """HQ: the person's password stops working (sessions and tokens end) and a reset link is e-mailed."""
        return user_password_reset_force(
            user=person, actor=actor, reason=data["reason"], site_url=self.request.build_absolute_uri("/")
        )


class BulkNoteSerializer(BulkSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CertificateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Technician certificates. POST records an exam and, if it passed, issues the certificate."""

    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "stations.certificates.view",
        create="stations.certificates.manage",
        renew="stations.certificates.manage",
        revoke="stations.certificates.manage",
        bulk_renew="stations.certificates.manage",
    )
    serializer_class = CertificateSerializer
    filterset_class = filters.CertificateFilter

    def get_queryset(self):
        return selectors.certificate_list(user=self.request.user).order_by("-issued_on", "-pk")

    @extend_schema(request=StationsExamSerializer, responses={201: CertificateSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(validated(StationsExamSerializer, request))
        exam = services.exam_record(actor=request.user, **data)
        if not exam.passed:
            raise serializers.ValidationError({"theory_score": [_("Exam not passed; no certificate.")]})
        cert = services.certificate_issue(exam=exam, actor=request.user)
        return Response(CertificateSerializer(cert).data, status=status.HTTP_201_CREATED)

    @service_action(StationsNoteSerializer, CertificateSerializer)
    def renew(self, certificate, actor, data):
        return services.certificate_renew(certificate=certificate, actor=actor, note=data["note"])

    @bulk_action(BulkNoteSerializer, url_path="bulk-renew", label=lambda c: c.number)
    def bulk_renew(self, certificate, actor, data):
        """Renew several certificates: ``certificate_renew`` once per certificate, each one reported."""
        services.certificate_renew(certificate=certificate, actor=actor, note=data["note"])

    @service_action(CertificateRevokeSerializer, CertificateSerializer)
    def revoke(self, certificate, actor, data):
        """Revoke with effect from ``effective_on`` (optional; today in Asia/Shanghai when omitted)."""
        return services.certificate_revoke(
            certificate=certificate, actor=actor, note=data["reason"], effective_on=data["effective_on"]
        )


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "stations.assessments.view", run="stations.assessments.decide", decide="stations.assessments.decide"
    )
    serializer_class = AssessmentSerializer
    filterset_class = filters.AssessmentFilter

    def get_queryset(self):
        return selectors.assessment_list(user=self.request.user)

    @extend_schema(request=AssessmentRunSerializer, responses=AssessmentSerializer(many=True))
    @action(detail=False, methods=["post"])
    def run(self, request):
        data = validated(AssessmentRunSerializer, request)
        rows = services.assessment_run(year=data["year"], quarter=data["quarter"], actor=request.user)
        return Response(AssessmentSerializer(rows, many=True).data)

    @service_action(StationsDecisionSerializer, AssessmentSerializer)
    def decide(self, assessment, actor, data):
        return services.assessment_decide(assessment=assessment, actor=actor, **data)


class SanctionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Reward/penalty records: HQ raises and decides, the station appeals within the window."""

    permission_classes = [ActionPermission]
    permission_actions = read_actions(
        "stations.sanctions.view",
        create="stations.sanctions.raise",
        appeal="stations.sanctions.appeal",
        decide="stations.sanctions.decide",
        bulk_approve="stations.sanctions.decide",
    )
    serializer_class = SanctionSerializer
    filterset_class = filters.SanctionFilter

    def get_queryset(self):
        return selectors.sanction_list(user=self.request.user)

    @extend_schema(request=SanctionRaiseSerializer, responses={201: SanctionSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(validated(SanctionRaiseSerializer, request))
        sanction = services.sanction_raise(actor=request.user, **data)
        return Response(SanctionSerializer(sanction).data, status=status.HTTP_201_CREATED)

    @service_action(StationsAppealSerializer, SanctionSerializer)
    def appeal(self, sanction, actor, data):
        return services.sanction_appeal(sanction=sanction, actor=actor, text=data["text"])

    @service_action(StationsDecisionSerializer, SanctionSerializer)
    def decide(self, sanction, actor, data):
        return services.sanction_decide(sanction=sanction, actor=actor, **data)

    @bulk_action(BulkNoteSerializer, url_path="bulk-approve", label=lambda s: f"#{s.pk} {s.station.code}")
    def bulk_approve(self, sanction, actor, data):
        """Approve several records: ``sanction_decide`` once per record (an appealed one needs the note)."""
        services.sanction_decide(sanction=sanction, actor=actor, approve=True, note=data["note"])


class RevocationReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Revocation reviews (SPEC 1.5) opened by approved fabricated or duplicate-ticket records; HQ decides each.
    A coordinator sees its own station's."""

    permission_classes = [ActionPermission]
    permission_actions = read_actions("stations.revocation_reviews.view", decide="stations.revocation_reviews.decide")
    serializer_class = RevocationReviewSerializer
    filterset_class = filters.RevocationReviewFilter

    def get_queryset(self):
        return selectors.revocation_review_list(user=self.request.user)

    @service_action(RevocationDecideSerializer, RevocationReviewSerializer)
    def decide(self, review, actor, data):
        return services.revocation_review_decide(review=review, actor=actor, **data)


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("applications", ApplicationViewSet, basename="application")
router.register("stations", StationViewSet, basename="station")
router.register("staff", StaffViewSet, basename="staff")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("sanctions", SanctionViewSet, basename="sanction")
router.register("revocation-reviews", RevocationReviewViewSet, basename="revocation-review")

urlpatterns = [path("", include(router.urls))]
