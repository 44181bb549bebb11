import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from repairnet.fields import user_ref
from repairnet.phones import PhoneNumberField


class Tier(models.TextChoices):
    CENTRE = "centre", _("Authorised repair centre")
    STATION = "station", _("Authorised repair station")
    ACCESSORY_POINT = "accessory_point", _("Authorised accessory point")


# Callables, not fixed times: Django's fields.W161 warns about a fixed time default whenever the check runs
# within ten seconds of that time of day (so `check --deploy` failed at 18:00:00).
def default_service_start() -> datetime.time:
    return datetime.time(8, 30)


def default_service_end() -> datetime.time:
    return datetime.time(18, 0)


class Station(models.Model):
    """An authorised repair station (授权维修服务中心/站/附件代卖点)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        EXITED = "exited", _("Exited")

    TRANSITIONS = {
        Status.ACTIVE: (Status.SUSPENDED, Status.EXITED),
        Status.SUSPENDED: (Status.ACTIVE, Status.REVOKED),
        Status.REVOKED: (),
        Status.EXITED: (),
    }

    code = models.CharField(_("Station code"), max_length=20, unique=True)
    name = models.CharField(_("Station name"), max_length=100)
    tier = models.CharField(_("Level"), max_length=20, choices=Tier.choices, db_index=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    regions = models.ManyToManyField("repairnet.Region", verbose_name=_("Authorised regions"), related_name="stations")
    scope_accessory_sales = models.BooleanField(_("Accessory sales"), default=True)
    scope_simple_repair = models.BooleanField(_("Simple fault repair"), default=True)
    scope_swap = models.BooleanField(_("Spare-machine swap"), default=False)
    is_remote = models.BooleanField(_("Remote area"), default=False)
    address = models.CharField(_("Address"), max_length=200, blank=True)
    phone = PhoneNumberField(_("Service phone"), blank=True)
    agreement_date = models.DateField(_("Agreement date"), null=True, blank=True)
    service_start = models.TimeField(_("Service hours start"), default=default_service_start)
    service_end = models.TimeField(_("Service hours end"), default=default_service_end)
    understaffed_since = models.DateField(_("Understaffed since"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Station")
        verbose_name_plural = _("Station")

    def __str__(self):
        return f"{self.code} {self.name}"


# --- configuration (admin-editable rule rows) -------------------------------------------------


class TierRequirement(models.Model):
    """Hard requirements and deposit of one tier (SPEC 1.1) from a date on; HQ adds a row with a later
    ``effective_from`` to change them, and each application or assessment uses the row in force on its date."""

    tier = models.CharField(_("Level"), max_length=20, choices=Tier.choices)
    deposit = models.DecimalField(_("Deposit"), max_digits=12, decimal_places=2)
    min_coordinators = models.PositiveSmallIntegerField(_("Minimum coordinators"), default=1)
    min_engineers = models.PositiveSmallIntegerField(_("Minimum certified engineers"), default=0)
    min_repair_area = models.DecimalField(_("Minimum repair area (m²)"), max_digits=7, decimal_places=1, default=0)
    min_storage_area = models.DecimalField(_("Minimum storage area (m²)"), max_digits=7, decimal_places=1, default=0)
    requires_repair_equipment = models.BooleanField(_("Requires repair equipment"), default=True)
    min_score = models.PositiveSmallIntegerField(_("Minimum screening score"), default=60)
    rank = models.PositiveSmallIntegerField(_("Rank (higher is a higher tier)"), default=0)
    effective_from = models.DateField(_("Effective from"), default=datetime.date(2026, 1, 1))

    class Meta:
        ordering = ["-rank", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "effective_from"], name="tier_requirement_one_version_a_day")
        ]
        verbose_name = _("Tier requirement")
        verbose_name_plural = _("Tier requirement")

    def __str__(self):
        return f"{Tier(self.tier).label} ({self.effective_from:%Y-%m-%d})"


class ScreeningCriterion(models.Model):
    """One line of the screening standard (筛选标准) with its maximum points, in force from ``effective_from``
    until the day before ``retired_on``. To change a line from a date, HQ retires it on that date and adds
    its new version; an application is scored on the lines in force on the day it was submitted."""

    code = models.SlugField(_("Code"), max_length=40)
    name = models.CharField(_("Criterion"), max_length=200)
    max_points = models.PositiveSmallIntegerField(_("Maximum points"))
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    effective_from = models.DateField(_("Effective from"), default=datetime.date(2026, 1, 1))
    retired_on = models.DateField(
        _("Retired on"), null=True, blank=True, help_text=_("First day it no longer applies.")
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="screening_criterion_one_version_a_day"),
            models.CheckConstraint(
                condition=models.Q(retired_on__isnull=True) | models.Q(retired_on__gt=models.F("effective_from")),
                name="screening_criterion_retired_after_start",
            ),
        ]
        verbose_name = _("Screening criterion")
        verbose_name_plural = _("Screening criterion")

    def __str__(self):
        return f"{self.name} ({self.max_points})"


class SanctionRule(models.Model):
    """Reward/penalty catalogue entry (奖惩制度). Amount is signed: + reward, − penalty."""

    code = models.SlugField(_("Code"), max_length=40, unique=True)
    name = models.CharField(_("Rule"), max_length=200)
    amount = models.DecimalField(_("Amount"), max_digits=12, decimal_places=2)
    consequence = models.CharField(_("Further consequence"), max_length=200, blank=True)
    # What approving a record of this rule does besides its amount, in the approval's transaction
    # (SPEC 1.5: selling compatible or counterfeit products → revocation, deposit forfeited).
    forfeits_deposit = models.BooleanField(
        _("Forfeits the deposit"),
        default=False,
        help_text=_("Approving a record forfeits the station's whole deposit balance."),
    )
    revokes_station = models.BooleanField(
        _("Revokes the station"), default=False, help_text=_("Approving a record revokes the station.")
    )
    opens_revocation_review = models.BooleanField(
        _("Opens a revocation review"),
        default=False,
        help_text=_("Approving a record opens a revocation review of the station for HQ to decide."),
    )
    effective_from = models.DateField(_("Effective from"), default=datetime.date(2026, 1, 1))
    active = models.BooleanField(_("Active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Reward/penalty rule")
        verbose_name_plural = _("Reward/penalty rule")

    def __str__(self):
        return self.name

    @property
    def is_reward(self) -> bool:
        return self.amount > 0

    @property
    def needs_hq_decision(self) -> bool:
        """A record with a consequence beyond its amount is decided by HQ, never approved by the daily job."""
        return self.forfeits_deposit or self.revokes_station


# --- staff and certificates ---------------------------------------------------------------------


class Position(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    SERVICE_CLERK = "service_clerk", _("Service clerk")
    REPAIR_TECHNICIAN = "repair_technician", _("Repair technician")


class StaffProfile(models.Model):
    """A station staff member's position; the person is a repairnet.User of that station."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("User"), on_delete=models.CASCADE, related_name="staff_profile"
    )
    position = models.CharField(_("Position"), max_length=20, choices=Position.choices)
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    joined_on = models.DateField(_("Joined on"), null=True, blank=True)
    left_on = models.DateField(_("Left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("Staff profile")
        verbose_name_plural = _("Staff profile")

    def __str__(self):
        return f"{self.user} · {self.get_position_display()}"

    @property
    def scope_station_id(self):
        return self.user.station_id


class CertificateKind(models.TextChoices):
    SERVICE_CLERK = "service_clerk", _("Service clerk")
    REPAIR_TECHNICIAN = "repair_technician", _("Repair technician")


class ExamResult(models.Model):
    """Training and exam of one person (theory and practical scores)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Person"), on_delete=models.PROTECT, related_name="exam_results"
    )
    kind = models.CharField(_("Certificate type"), max_length=20, choices=CertificateKind.choices)
    trained_on = models.DateField(_("Training date"))
    exam_on = models.DateField(_("Exam date"))
    theory_score = models.DecimalField(_("Theory score"), max_digits=5, decimal_places=1)
    practical_score = models.DecimalField(_("Practical score"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("Passed"), default=False)
    recorded_by = user_ref(_("Recorded by"), blank=False)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["-exam_on", "-pk"]
        verbose_name = _("Exam result")
        verbose_name_plural = _("Exam result")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(theory_score__gte=0, theory_score__lte=100, practical_score__gte=0)
                & models.Q(practical_score__lte=100),
                name="exam_scores_in_range",
            )
        ]

    def __str__(self):
        return f"{self.user} {self.exam_on} {self.theory_score}/{self.practical_score}"

    @property
    def scope_station_id(self):
        return self.user.station_id


class Certificate(models.Model):
    """A numbered certificate of a service clerk or repair technician.

    Valid on a day from ``issued_on`` to ``expires_on`` inclusive, unless revoked: a revocation takes
    effect on ``revoked_on`` (the date HQ gives; not valid from that day on) and is recorded at
    ``revoked_at``. Whether someone is certified on a day is decided in one place only:
    ``stations.selectors.certified_on``.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")

    TRANSITIONS = {Status.VALID: (Status.REVOKED,), Status.REVOKED: ()}

    number = models.CharField(_("Certificate number"), max_length=30, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    kind = models.CharField(_("Certificate type"), max_length=20, choices=CertificateKind.choices)
    exam = models.ForeignKey(
        ExamResult, verbose_name=_("Exam"), null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    issued_on = models.DateField(_("Issued on"))
    expires_on = models.DateField(_("Expires on"), db_index=True)
    renewed_on = models.DateField(_("Renewed on"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_on = models.DateField(_("Revoked with effect from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("Revocation recorded"), null=True, blank=True)
    expiry_warned_on = models.DateField(_("Expiry warning sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("Certificate")
        verbose_name_plural = _("Certificate")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="valid", revoked_on__isnull=True)
                | models.Q(status="revoked", revoked_on__isnull=False),
                name="certificate_revoked_has_effective_date",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_on__isnull=True) | models.Q(revoked_on__gte=models.F("issued_on")),
                name="certificate_revoked_not_before_issue",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.user}"

    @property
    def scope_station_id(self):
        return self.user.station_id


# --- applications -------------------------------------------------------------------------------


def _application_upload_to(instance, filename):
    import uuid
    from pathlib import PurePath

    return f"stations/applications/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class Application(models.Model):
    """A public application to become an authorised station (申请表) and its review."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        DOCUMENTS_CHECKED = "documents_checked", _("Documents checked")
        SITE_VISITED = "site_visited", _("Site visited")
        SCREENED = "screened", _("Screened")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        Status.SUBMITTED: (Status.DOCUMENTS_CHECKED, Status.REJECTED, Status.WITHDRAWN),
        Status.DOCUMENTS_CHECKED: (Status.SITE_VISITED, Status.REJECTED, Status.WITHDRAWN),
        Status.SITE_VISITED: (Status.SCREENED, Status.REJECTED, Status.WITHDRAWN),
        Status.SCREENED: (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN),
        Status.APPROVED: (),
        Status.REJECTED: (),
        Status.WITHDRAWN: (),
    }
    OPEN_STATES = (Status.SUBMITTED, Status.DOCUMENTS_CHECKED, Status.SITE_VISITED, Status.SCREENED)
    # What the applicant fills in: the public form, the API and the submit service take these.
    APPLICANT_FIELDS = (
        "company_name",
        "licence_number",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "email",
        "address",
        "region",
        "tier_wanted",
        "years_experience",
        "brands_serviced",
        "staff_list",
        "coordinators",
        "engineers",
        "clerks",
        "reception_area",
        "repair_area",
        "storage_area",
        "has_repair_tools",
        "has_computer",
        "has_instruments",
        "has_service_phone",
        "equipment_notes",
        "declares_no_counterfeit",
    )
    VERBS = {
        "check_documents": ("stations.applications.review", {Status.SUBMITTED: Status.DOCUMENTS_CHECKED}),
        "visit": ("stations.applications.review", {Status.DOCUMENTS_CHECKED: Status.SITE_VISITED}),
        # Scores may be corrected after screening until the decision.
        "score": (
            "stations.applications.review",
            {Status.SITE_VISITED: Status.SCREENED, Status.SCREENED: Status.SCREENED},
        ),
        "approve": ("stations.applications.review", {Status.SCREENED: Status.APPROVED}),
        "reject": ("stations.applications.review", dict.fromkeys(OPEN_STATES, Status.REJECTED)),
    }

    reference = models.CharField(_("Reference number"), max_length=24, unique=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    company_name = models.CharField(_("Company name"), max_length=100)
    licence_number = models.CharField(_("Business licence number"), max_length=30)
    legal_representative = models.CharField(_("Legal representative"), max_length=50)
    contact_name = models.CharField(_("Contact person"), max_length=50)
    contact_phone = PhoneNumberField(_("Contact phone"))
    email = models.EmailField(_("E-mail"), blank=True)
    address = models.CharField(_("Address"), max_length=200)
    region = models.ForeignKey(
        "repairnet.Region", verbose_name=_("Region wanted"), on_delete=models.PROTECT, related_name="+"
    )
    tier_wanted = models.CharField(_("Level wanted"), max_length=20, choices=Tier.choices)
    years_experience = models.PositiveSmallIntegerField(_("Years of after-sales experience"))
    brands_serviced = models.CharField(_("Brands serviced"), max_length=200, blank=True)
    staff_list = models.TextField(_("Staff list"), help_text=_("One person a line: name, role, qualifications."))
    coordinators = models.PositiveSmallIntegerField(_("Number of coordinators"), default=1)
    engineers = models.PositiveSmallIntegerField(_("Number of qualified repair engineers"), default=0)
    clerks = models.PositiveSmallIntegerField(_("Number of service clerks"), default=0)
    reception_area = models.DecimalField(_("Reception area (m²)"), max_digits=7, decimal_places=1, default=0)
    repair_area = models.DecimalField(_("Repair area (m²)"), max_digits=7, decimal_places=1, default=0)
    storage_area = models.DecimalField(_("Storage area (m²)"), max_digits=7, decimal_places=1, default=0)
    has_repair_tools = models.BooleanField(_("Repair tools"), default=False)
    has_computer = models.BooleanField(_("Computer"), default=False)
    has_instruments = models.BooleanField(_("Test and measurement instruments"), default=False)
    has_service_phone = models.BooleanField(_("Service telephone"), default=False)
    equipment_notes = models.TextField(_("Equipment list"), blank=True)
    declares_no_counterfeit = models.BooleanField(
        _("We declare that we sell no compatible or counterfeit products"), default=False
    )
    business_licence = models.FileField(_("Business licence"), upload_to=_application_upload_to)
    financial_report = models.FileField(_("Audited financial report"), upload_to=_application_upload_to)
    # review
    documents_note = models.TextField(_("Document check notes"), blank=True)
    visited_on = models.DateField(_("Site visit date"), null=True, blank=True)
    visited_by = models.CharField(_("Visited by"), max_length=100, blank=True)
    visit_notes = models.TextField(_("Site visit notes"), blank=True)
    total_score = models.DecimalField(_("Screening score"), max_digits=5, decimal_places=1, null=True, blank=True)
    recommended_tier = models.CharField(_("Recommended level"), max_length=20, choices=Tier.choices, blank=True)
    decision_reason = models.TextField(_("Decision reason"), blank=True)
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    decided_by = user_ref(_("Decided by"), related_name=None)
    station = models.OneToOneField(
        Station, verbose_name=_("Station"), null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )
    created_at = models.DateTimeField(_("Submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Station application")
        verbose_name_plural = _("Station application")

    def __str__(self):
        return f"{self.reference} {self.company_name}"

    @property
    def scope_station_id(self):
        return None


class SiteVisitPhoto(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("Photo"), upload_to=_application_upload_to)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Site visit photo")
        verbose_name_plural = _("Site visit photo")

    def __str__(self):
        return f"{self.application.reference} #{self.pk}"

    @property
    def document_key(self) -> str:
        return f"photo-{self.pk}"


class ScreeningScore(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScreeningCriterion, verbose_name=_("Criterion"), on_delete=models.PROTECT)
    points = models.DecimalField(_("Points"), max_digits=5, decimal_places=1)
    comment = models.CharField(_("Comment"), max_length=200, blank=True)

    class Meta:
        ordering = ["criterion__order", "pk"]
        verbose_name = _("Screening score")
        verbose_name_plural = _("Screening score")
        constraints = [models.UniqueConstraint(fields=["application", "criterion"], name="one_score_per_criterion")]

    def __str__(self):
        return f"{self.criterion.code}: {self.points}"


# --- tier history, assessments, sanctions -----------------------------------------------------


class TierChange(models.Model):
    station = models.ForeignKey(
        Station, verbose_name=_("Station"), on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.CharField(_("From level"), max_length=20, choices=Tier.choices, blank=True)
    to_tier = models.CharField(_("To level"), max_length=20, choices=Tier.choices)
    changed_at = models.DateTimeField(_("Changed at"), auto_now_add=True)
    reason = models.TextField(_("Reason"), blank=True)
    actor = user_ref(_("By"))

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("Level change")
        verbose_name_plural = _("Level change")

    def __str__(self):
        return f"{self.station.code} {self.from_tier}→{self.to_tier}"


class Assessment(models.Model):
    """Quarterly assessment (考核) of one station with its suggestion and HQ's decision."""

    class Suggestion(models.TextChoices):
        NONE = "none", _("No change")
        UPGRADE = "upgrade", _("Upgrade")
        DOWNGRADE = "downgrade", _("Downgrade")
        REVOCATION = "revocation", _("Revocation review")

    class Status(models.TextChoices):
        NO_ACTION = "no_action", _("No action needed")
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.NO_ACTION: (),
        Status.PENDING: (Status.APPROVED, Status.REJECTED),
        Status.APPROVED: (),
        Status.REJECTED: (),
    }

    station = models.ForeignKey(
        Station, verbose_name=_("Station"), on_delete=models.CASCADE, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("Year"))
    quarter = models.PositiveSmallIntegerField(_("Quarter"))
    inspection_score = models.DecimalField(_("Inspection score"), max_digits=5, decimal_places=1)
    satisfaction_score = models.DecimalField(_("Callback satisfaction score"), max_digits=5, decimal_places=1)
    sla_score = models.DecimalField(_("SLA compliance score"), max_digits=5, decimal_places=1)
    first_time_fix_score = models.DecimalField(_("First-time-fix score"), max_digits=5, decimal_places=1)
    total = models.DecimalField(_("Total score"), max_digits=5, decimal_places=1)
    upheld_complaints = models.PositiveIntegerField(_("Upheld complaints"), default=0)
    inputs = models.JSONField(_("Inputs"), default=dict, blank=True)
    tier_at_assessment = models.CharField(_("Level at assessment"), max_length=20, choices=Tier.choices)
    suggestion = models.CharField(_("Suggestion"), max_length=20, choices=Suggestion.choices, default=Suggestion.NONE)
    suggested_tier = models.CharField(_("Suggested level"), max_length=20, choices=Tier.choices, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.NO_ACTION)
    decided_by = user_ref(_("Decided by"), related_name=None)
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    decision_note = models.TextField(_("Decision note"), blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-year", "-quarter", "station__code"]
        verbose_name = _("Quarterly assessment")
        verbose_name_plural = _("Quarterly assessment")
        constraints = [
            models.UniqueConstraint(fields=["station", "year", "quarter"], name="one_assessment_per_quarter")
        ]

    def __str__(self):
        return f"{self.station.code} {self.year}Q{self.quarter} {self.total}"


class Sanction(models.Model):
    """A reward or penalty record against a station (奖惩记录)."""

    class Status(models.TextChoices):
        RAISED = "raised", _("Raised")
        APPEALED = "appealed", _("Appealed")
        APPROVED = "approved", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.RAISED: (Status.APPEALED, Status.APPROVED, Status.CANCELLED),
        Status.APPEALED: (Status.APPROVED, Status.CANCELLED),
        Status.APPROVED: (),
        Status.CANCELLED: (),
    }

    station = models.ForeignKey(Station, verbose_name=_("Station"), on_delete=models.PROTECT, related_name="sanctions")
    rule = models.ForeignKey(SanctionRule, verbose_name=_("Rule"), on_delete=models.PROTECT, related_name="records")
    amount = models.DecimalField(_("Amount"), max_digits=12, decimal_places=2)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.RAISED, db_index=True)
    note = models.TextField(_("Description"), blank=True)
    evidence_ref = models.CharField(_("Evidence"), max_length=200, blank=True)
    source_ref = models.CharField(_("Source reference"), max_length=100, blank=True)
    raised_by = user_ref(_("Raised by"))
    raised_at = models.DateTimeField(_("Raised at"), auto_now_add=True)
    appeal_deadline = models.DateField(_("Appeal deadline"))
    appeal_text = models.TextField(_("Appeal"), blank=True)
    appealed_at = models.DateTimeField(_("Appealed at"), null=True, blank=True)
    decided_by = user_ref(_("Decided by"))
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    decision_note = models.TextField(_("Decision note"), blank=True)
    settled_ref = models.CharField(_("Settled in"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("Reward/penalty record")
        verbose_name_plural = _("Reward/penalty record")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "source_ref"], condition=~models.Q(source_ref=""), name="sanction_once_per_source"
            )
        ]

    def __str__(self):
        return f"{self.station.code} {self.rule} {self.amount}"


class RevocationReview(models.Model):
    """A revocation review (取消资格评审) of a station, opened once by an approved reward/penalty record whose rule
    asks for one (SPEC 1.5: a fabricated or duplicate ticket). HQ decides it: the station is revoked (an active
    one suspended first) or suspended through ``station_transition``, or the review is dismissed with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting decision")
        REVOKED = "revoked", _("Station revoked")
        SUSPENDED = "suspended", _("Station suspended")
        DISMISSED = "dismissed", _("Dismissed")

    TRANSITIONS = {
        Status.OPEN: (Status.REVOKED, Status.SUSPENDED, Status.DISMISSED),
        Status.REVOKED: (),
        Status.SUSPENDED: (),
        Status.DISMISSED: (),
    }

    station = models.ForeignKey(
        Station, verbose_name=_("Station"), on_delete=models.PROTECT, related_name="revocation_reviews"
    )
    # One review per record: the OneToOne is the unique constraint that makes opening it idempotent.
    sanction = models.OneToOneField(
        Sanction,
        verbose_name=_("Reward/penalty record"),
        on_delete=models.PROTECT,
        related_name="revocation_review",
    )
    reason = models.TextField(_("Reason"))
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_at = models.DateTimeField(_("Opened at"), auto_now_add=True)
    decided_by = user_ref(_("Decided by"))
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    decision_note = models.TextField(_("Decision note"), blank=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("Revocation review")
        verbose_name_plural = _("Revocation review")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False)),
                name="revocation_review_decided_has_time",
            )
        ]

    def __str__(self):
        return f"{self.station.code} #{self.pk} {self.get_status_display()}"
