"""On-site inspections (巡检): versioned checklists, scores, stock counts and rectifications (整改)."""

from django.conf import settings
from django.db import models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from repairnet.fields import user_ref


class ChecklistTemplate(models.Model):
    """One version of the on-site checklist (现场检查表). Inspections copy its items when scheduled."""

    name = models.CharField(_("Name"), max_length=100)
    version = models.PositiveIntegerField(_("Version"), unique=True)
    is_active = models.BooleanField(
        _("In use"), default=False, help_text=_("New inspections use the newest version in use.")
    )
    effective_from = models.DateField(_("Effective from"))
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("Checklist template")
        verbose_name_plural = _("Checklist templates")

    def __str__(self):
        return f"{self.name} v{self.version}"

    def total_max_score(self) -> int:
        return ChecklistItem.objects.filter(section__template=self).aggregate(t=Sum("max_score"))["t"] or 0


class ChecklistSection(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="sections", verbose_name=_("Checklist template")
    )
    position = models.PositiveSmallIntegerField(_("Position"))
    title = models.CharField(_("Title"), max_length=100)

    class Meta:
        ordering = ["template", "position"]
        verbose_name = _("Checklist section")
        verbose_name_plural = _("Checklist sections")
        constraints = [models.UniqueConstraint(fields=["template", "position"], name="insp_section_position_unique")]

    def __str__(self):
        return f"{self.position}. {self.title}"


class ChecklistItem(models.Model):
    section = models.ForeignKey(
        ChecklistSection, on_delete=models.CASCADE, related_name="items", verbose_name=_("Checklist section")
    )
    position = models.PositiveSmallIntegerField(_("Position"))
    code = models.CharField(_("Code"), max_length=20, help_text=_("Stable key across versions, e.g. records.tickets"))
    text = models.CharField(_("Item"), max_length=200)
    max_score = models.PositiveSmallIntegerField(_("Maximum score"))

    class Meta:
        ordering = ["section", "position"]
        verbose_name = _("Checklist item")
        verbose_name_plural = _("Checklist items")
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="insp_item_position_unique"),
            models.CheckConstraint(condition=models.Q(max_score__gt=0), name="insp_item_max_positive"),
        ]

    def __str__(self):
        return self.text


class Inspection(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Grade(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"
        D = "D", "D"

    TRANSITIONS = {Status.DRAFT: {Status.SUBMITTED}, Status.SUBMITTED: set()}

    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("Station")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("Inspector")
    )
    scheduled_for = models.DateField(_("Scheduled date"), db_index=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("Checklist template")
    )
    template_version = models.PositiveIntegerField(_("Template version"))
    total = models.PositiveSmallIntegerField(_("Total score"), null=True, blank=True)
    grade = models.CharField(_("Grade"), max_length=1, choices=Grade.choices, blank=True)
    summary = models.TextField(_("Summary"), blank=True)
    reinspection_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reinspection",
        verbose_name=_("Re-inspection of"),
    )
    submitted_at = models.DateTimeField(_("Submitted"), null=True, blank=True)
    created_by = user_ref(_("Scheduled by"))
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("Inspection")
        verbose_name_plural = _("Inspections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__isnull=True) | models.Q(total__lte=100), name="insp_total_le_100"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.station} {self.scheduled_for}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


def _photo_path(instance, filename):
    return f"inspections/photos/{instance.inspection_id}/{filename}"


def _evidence_path(instance, filename):
    return f"inspections/evidence/{instance.inspection_id}/{filename}"


class ItemScore(models.Model):
    """One checklist line of an inspection: the item's text and maximum are copied (snapshot)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="scores", verbose_name=_("Inspection")
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Checklist item"),
    )
    section_position = models.PositiveSmallIntegerField(_("Section position"))
    section_title = models.CharField(_("Section"), max_length=100)
    position = models.PositiveSmallIntegerField(_("Position"))
    item_code = models.CharField(_("Code"), max_length=20)
    item_text = models.CharField(_("Item"), max_length=200)
    max_score = models.PositiveSmallIntegerField(_("Maximum score"))
    score = models.PositiveSmallIntegerField(_("Score"), null=True, blank=True)
    comment = models.TextField(_("Comment"), blank=True)
    photo = models.ImageField(_("Photo"), upload_to=_photo_path, blank=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["inspection", "section_position", "position"]
        verbose_name = _("Item score")
        verbose_name_plural = _("Item scores")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item_code"], name="insp_score_item_unique"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=models.F("max_score")),
                name="insp_score_le_max",
            ),
        ]

    def __str__(self):
        return f"{self.item_text}: {self.score}/{self.max_score}"

    @property
    def scope_station_id(self):
        return self.inspection.station_id


class StockCountLine(models.Model):
    """Counted stock of one spare item at the station against the ledger's expected quantity."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="stock_lines", verbose_name=_("Inspection")
    )
    spare_item_id = models.PositiveIntegerField(_("Spare item"))
    item_name = models.CharField(_("Item"), max_length=200)
    serial_tracked = models.BooleanField(_("Serial-tracked"), default=False)
    expected_quantity = models.IntegerField(_("Ledger quantity"))
    expected_serials = models.JSONField(_("Ledger serial numbers"), default=list, blank=True)
    counted_quantity = models.PositiveIntegerField(_("Counted quantity"), null=True, blank=True)
    note = models.CharField(_("Note"), max_length=200, blank=True)

    class Meta:
        ordering = ["inspection", "item_name"]
        verbose_name = _("Stock count line")
        verbose_name_plural = _("Stock count lines")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "spare_item_id"], name="insp_stock_item_unique"),
        ]

    def __str__(self):
        return f"{self.item_name}: {self.counted_quantity}/{self.expected_quantity}"

    @property
    def difference(self) -> int | None:
        if self.counted_quantity is None:
            return None
        return self.counted_quantity - self.expected_quantity


class Rectification(models.Model):
    """A rectification item (整改项): one checklist line scored below its maximum."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CONFIRMED = "confirmed", _("Confirmed")

    # Rejecting an answer sends the item back to open (the reason is kept on the row and in the audit).
    TRANSITIONS = {
        Status.OPEN: {Status.ANSWERED},
        Status.ANSWERED: {Status.CONFIRMED, Status.OPEN},
        Status.CONFIRMED: set(),
    }

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="rectifications", verbose_name=_("Inspection")
    )
    item_score = models.OneToOneField(
        ItemScore, on_delete=models.CASCADE, related_name="rectification", verbose_name=_("Item score")
    )
    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("Station")
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    deadline = models.DateField(_("Deadline"), db_index=True)
    is_overdue = models.BooleanField(_("Overdue"), default=False)
    overdue_at = models.DateTimeField(_("Marked overdue"), null=True, blank=True)
    answer = models.TextField(_("What was done"), blank=True)
    evidence = models.ImageField(_("Evidence photo"), upload_to=_evidence_path, blank=True)
    answered_at = models.DateTimeField(_("Answered"), null=True, blank=True)
    answered_by = user_ref(_("Answered by"))
    reject_reason = models.TextField(_("Reason for rejection"), blank=True)
    rejection_count = models.PositiveSmallIntegerField(_("Times rejected"), default=0)
    decided_at = models.DateTimeField(_("Confirmed"), null=True, blank=True)
    decided_by = user_ref(_("Confirmed by"))
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("Rectification item")
        verbose_name_plural = _("Rectification items")

    def __str__(self):
        return f"{self.station} · {self.item_score.item_text}"
