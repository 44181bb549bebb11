"""Monthly labour-fee settlement (劳务费结算): fee rules, runs, statements, lines, exclusions, adjustments."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from repairnet.fields import user_ref
from repairnet.services import setting


class FeeKind(models.TextChoices):
    """What a valid ticket is paid for, plus the per-breach SLA deduction (a [design] rule row too)."""

    ONSITE_REPAIR = "onsite_repair", _("On-site repair")
    CARRY_IN_REPAIR = "carry_in_repair", _("Carry-in repair")
    SWAP = "swap", _("Spare-machine swap")
    ACCESSORY_REPLACEMENT = "accessory_replacement", _("Accessory replacement")
    NO_FAULT_FOUND = "no_fault_found", _("No fault found / guidance at station")
    SLA_BREACH = "sla_breach", _("SLA breach deduction")


class FeeRule(models.Model):
    """One configurable fee with its validity period; the run picks the rule in force on the completion day."""

    kind = models.CharField(_("Fee kind"), max_length=32, choices=FeeKind.choices, db_index=True)
    amount = models.DecimalField(_("Amount"), max_digits=12, decimal_places=2)
    remote_allowance = models.DecimalField(
        _("Remote-area allowance"),
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text=_("Added per ticket for stations flagged remote (on-site repair)."),
    )
    effective_from = models.DateField(_("Effective from"))
    effective_to = models.DateField(_("Effective to"), null=True, blank=True, help_text=_("Last day; empty = open."))
    note = models.CharField(_("Note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["kind", "-effective_from"]
        verbose_name = _("Fee rule")
        verbose_name_plural = _("Fee rule")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="settlement_feerule_amount_gte_0"),
            models.CheckConstraint(condition=Q(remote_allowance__gte=0), name="settlement_feerule_allowance_gte_0"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="settlement_feerule_period_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ¥{self.amount} ({self.effective_from}–{self.effective_to or ''})"

    def clean(self):
        overlapping = FeeRule.objects.filter(kind=self.kind).exclude(pk=self.pk)
        if self.effective_to:
            overlapping = overlapping.filter(effective_from__lte=self.effective_to)
        overlapping = overlapping.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
        if self.kind and self.effective_from and overlapping.exists():
            raise ValidationError(_("Another rule of this kind is in force in the same period."))


class SettlementRun(models.Model):
    """One computation of a month's drafts (scheduled on the 1st or started by finance)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    month = models.DateField(_("Month"), db_index=True, help_text=_("First day of the month."))
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("Progress (%)"), default=0)
    requested_by = user_ref(_("Requested by"), related_name=None)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    started_at = models.DateTimeField(_("Started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished"), null=True, blank=True)
    # The database is the record of what must run: when the task was handed to the broker (empty while the
    # broker was unreachable), the worker's lease, renewed after every chunk, and how many workers took it.
    dispatched_at = models.DateTimeField(_("Handed to the job queue"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("Last sign of its worker"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    stations_count = models.PositiveIntegerField(_("Stations"), default=0)
    drafts_count = models.PositiveIntegerField(_("Drafts built"), default=0)
    locked_count = models.PositiveIntegerField(_("Statements left untouched"), default=0)
    lines_count = models.PositiveIntegerField(_("Ticket lines"), default=0)
    excluded_count = models.PositiveIntegerField(_("Excluded tickets"), default=0)
    message = models.TextField(_("Result"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Settlement run")
        verbose_name_plural = _("Settlement run")

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_status_display()}"

    @property
    def waiting_for_queue(self) -> bool:
        """Recorded, but the broker has not taken it yet (it was unreachable): it has not started."""
        return self.status == self.Status.QUEUED and self.dispatched_at is None


class Statement(models.Model):
    """A station's labour-fee statement (结算单) for one month."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    TRANSITIONS = {
        Status.DRAFT: (Status.ISSUED,),
        Status.ISSUED: (Status.CONFIRMED, Status.DISPUTED),
        # A dispute is resolved by reopening (back to draft, rebuilt by the next run) or rejecting it
        # (confirmed); finance may also approve a disputed statement directly, with its reason.
        Status.DISPUTED: (Status.DRAFT, Status.CONFIRMED, Status.APPROVED),
        Status.CONFIRMED: (Status.APPROVED,),
        Status.APPROVED: (Status.PAID,),
        Status.PAID: (),
    }
    VERBS = {
        "issue": ("settlement.issue", {Status.DRAFT: Status.ISSUED}),
        "adjust": ("settlement.adjust", {Status.DRAFT: Status.DRAFT}),
        "confirm": ("settlement.confirm", {Status.ISSUED: Status.CONFIRMED}),
        "dispute": ("settlement.dispute", {Status.ISSUED: Status.DISPUTED}),
        "resolve": ("settlement.resolve", {Status.DISPUTED: Status.CONFIRMED}),
        "approve": ("settlement.approve", {Status.CONFIRMED: Status.APPROVED, Status.DISPUTED: Status.APPROVED}),
        "pay": ("settlement.pay", {Status.APPROVED: Status.PAID}),
    }
    # From "issued" on, the figures never change; only the flow moves on.
    LOCKED_FIGURES = frozenset({Status.ISSUED, Status.CONFIRMED, Status.DISPUTED, Status.APPROVED, Status.PAID})
    IMMUTABLE = frozenset({Status.APPROVED, Status.PAID})
    # Approved or paid: settled as the calendar asks (SPEC 4); any other state after the due date is overdue.
    SETTLED = IMMUTABLE
    # Fields that may still be written on an approved statement (recording the payment).
    PAYMENT_FIELDS = frozenset({"status", "paid_on", "payment_reference", "paid_at", "paid_by", "updated_at"})

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="statements"
    )
    month = models.DateField(_("Month"), help_text=_("First day of the month."))
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    run = models.ForeignKey(
        SettlementRun, verbose_name=_("Built by run"), null=True, blank=True, on_delete=models.SET_NULL
    )
    region_name = models.CharField(_("Province"), max_length=50, blank=True)
    lines_count = models.PositiveIntegerField(_("Valid tickets"), default=0)
    excluded_count = models.PositiveIntegerField(_("Excluded tickets"), default=0)
    fees_total = models.DecimalField(_("Labour fees"), max_digits=12, decimal_places=2, default=0)
    allowances_total = models.DecimalField(_("Remote allowances"), max_digits=12, decimal_places=2, default=0)
    additions_total = models.DecimalField(_("Additions"), max_digits=12, decimal_places=2, default=0)
    gross = models.DecimalField(_("Gross"), max_digits=12, decimal_places=2, default=0)
    deductions = models.DecimalField(_("Deductions"), max_digits=12, decimal_places=2, default=0)
    net = models.DecimalField(_("Net payable"), max_digits=12, decimal_places=2, default=0)
    rules_snapshot = models.JSONField(_("Fee rules applied"), default=dict, blank=True)
    notes = models.JSONField(_("Run notes"), default=list, blank=True)
    issued_at = models.DateTimeField(_("Issued"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("Confirmed"), null=True, blank=True)
    dispute_reason = models.TextField(_("Dispute reason"), blank=True)
    resolution = models.TextField(_("Dispute resolution"), blank=True)
    approved_at = models.DateTimeField(_("Approved"), null=True, blank=True)
    approved_by = user_ref(_("Approved by"))
    paid_on = models.DateField(_("Payment date"), null=True, blank=True)
    payment_reference = models.CharField(_("Payment reference"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("Payment recorded"), null=True, blank=True)
    paid_by = user_ref(_("Payment recorded by"))
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-month", "station__code"]
        verbose_name = _("Statement")
        verbose_name_plural = _("Statement")
        constraints = [
            models.UniqueConstraint(fields=["station", "month"], name="settlement_statement_one_per_station_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="settlement_statement_month_first_day"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.station_id}"

    def save(self, *args, **kwargs):
        """Guard: an approved or paid statement never changes, except the payment being recorded."""
        if self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            fields = kwargs.get("update_fields")
            if stored in self.IMMUTABLE and (fields is None or not set(fields) <= self.PAYMENT_FIELDS):
                raise ValidationError(_("An approved statement cannot be changed; add a correction next month."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != self.Status.DRAFT:
            raise ValidationError(_("Only a draft statement can be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_immutable(self) -> bool:
        return self.status in self.IMMUTABLE

    @property
    def due_on(self) -> datetime.date:
        """The day the statement is to be approved and paid by (the 20th of the next month)."""
        return statement_due_on(self.month)

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.status not in self.SETTLED and day > self.due_on

    @property
    def is_overdue(self) -> bool:
        """Not approved or paid, and its due date has passed (today in Asia/Shanghai)."""
        return self.is_overdue_on(timezone.localdate())


class _DraftOnly(models.Model):
    """Rows of a statement can be written only while the statement is a draft."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._check_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_draft()
        return super().delete(*args, **kwargs)

    def _check_draft(self):
        status = Statement.objects.filter(pk=self.statement_id).values_list("status", flat=True).first()
        if status is not None and status != Statement.Status.DRAFT:
            raise ValidationError(_("An issued statement cannot be changed; add a correction next month."))


class StatementLine(_DraftOnly):
    """One valid ticket (有效工作量) with its fee, allowance and why it counts."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("Statement"), on_delete=models.CASCADE, related_name="lines"
    )
    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("Ticket"), on_delete=models.PROTECT, related_name="settlement_line"
    )
    ticket_number = models.CharField(_("Ticket number"), max_length=20)
    completed_at = models.DateTimeField(_("Completed"))
    service_mode = models.CharField(_("Service mode"), max_length=20)
    serial = models.CharField(_("Serial number"), max_length=64, blank=True)
    technician_name = models.CharField(_("Technician"), max_length=100, blank=True)
    fee_kind = models.CharField(_("Fee kind"), max_length=32, choices=FeeKind.choices)
    fee = models.DecimalField(_("Labour fee"), max_digits=12, decimal_places=2)
    allowance = models.DecimalField(_("Remote allowance"), max_digits=12, decimal_places=2, default=0)
    amount = models.DecimalField(_("Amount"), max_digits=12, decimal_places=2)
    basis = models.CharField(_("Why it counts"), max_length=300)

    class Meta:
        ordering = ["completed_at", "pk"]
        verbose_name = _("Statement line")
        verbose_name_plural = _("Statement line")
        indexes = [
            # the run's same-serial window reads the lines counted in the days just before the month
            models.Index(fields=["completed_at"], name="settlement_line_completed"),
        ]

    def __str__(self):
        return f"{self.ticket_number} ¥{self.amount}"


class ExcludedTicket(_DraftOnly):
    """A ticket completed in the month that earns nothing (yet), with the reason, so the station can see it."""

    class Reason(models.TextChoices):
        OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty")
        REPEAT_REPAIR = "repeat_repair", _("Repeat repair earns nothing")
        UNCERTIFIED = "uncertified", _("Technician not certified at completion")
        CALLBACK_PENDING = "callback_pending", _("Callback not finished yet (waits)")
        CALLBACK_DISPUTED = "callback_disputed", _("Callback disputed (waits until resolved)")
        NOT_REPAIRED = "not_repaired", _("Customer says not repaired")
        NO_FEE = "no_fee", _("No fee for this service mode")
        DUPLICATE_SERIAL = "duplicate_serial", _("Same serial at this station within the dedup window")
        COMPLAINT_UPHELD = "complaint_upheld", _("Callback dispute upheld by the complaint")
        FABRICATED = "fabricated_ticket", _("Fabricated or duplicate ticket (penalised, never paid)")
        FRAUD_CONFIRMED = "fraud_confirmed", _("Fraud signal confirmed by HQ (not paid)")

    WAITING = frozenset({Reason.CALLBACK_PENDING, Reason.CALLBACK_DISPUTED})
    # What would make the ticket payable, for the coordinator's "what I was not paid and why" (issue 18). Only a
    # WAITING ticket can still be paid: the run takes it up again in the month its callback or complaint ends.
    REMEDIES = {
        Reason.OUT_OF_WARRANTY: _(
            "Out-of-warranty work is charged to the customer; labour fees pay warranty work only."
        ),
        Reason.REPEAT_REPAIR: _("A repeat repair earns nothing: the first repair of the fault is the one paid."),
        Reason.UNCERTIFIED: _(
            "The technician had no valid certificate when completing. This ticket stays unpaid; renew or obtain "
            "the certificate so that later tickets count."
        ),
        Reason.CALLBACK_PENDING: _(
            "Paid in the month its callback ends confirmed, or unreachable after 3 calls. Nothing to do but keep "
            "the customer's phone right."
        ),
        Reason.CALLBACK_DISPUTED: _(
            "Paid in the month the complaint is resolved as not upheld. Answer the complaint's investigation "
            "before its deadline."
        ),
        Reason.NOT_REPAIRED: _("The customer says it is not repaired: a repeat-repair ticket was opened instead."),
        Reason.NO_FEE: _("No fee rule pays this service mode in the month; ask HQ if you think one should."),
        Reason.DUPLICATE_SERIAL: _(
            "The same serial was already counted at your station within the window: it counts once."
        ),
        Reason.COMPLAINT_UPHELD: _("The complaint about this repair was upheld, so the ticket is not paid."),
        Reason.FABRICATED: _("Penalised as a fabricated or duplicate ticket: never paid."),
        Reason.FRAUD_CONFIRMED: _(
            "HQ confirmed a fraud signal on this ticket (see the reason given). It is not paid; ask HQ if you "
            "can show the visit took place."
        ),
    }

    statement = models.ForeignKey(
        Statement, verbose_name=_("Statement"), on_delete=models.CASCADE, related_name="excluded"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("Ticket"), on_delete=models.PROTECT, related_name="settlement_exclusions"
    )
    ticket_number = models.CharField(_("Ticket number"), max_length=20)
    completed_at = models.DateTimeField(_("Completed"))
    service_mode = models.CharField(_("Service mode"), max_length=20)
    serial = models.CharField(_("Serial number"), max_length=64, blank=True)
    reason = models.CharField(_("Reason"), max_length=32, choices=Reason.choices)
    detail = models.CharField(_("Detail"), max_length=300, blank=True)
    complaint = models.ForeignKey(
        "tickets.Complaint",
        verbose_name=_("Waiting on complaint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The complaint a disputed callback waits for (set by the run)."),
    )

    class Meta:
        ordering = ["completed_at", "pk"]
        verbose_name = _("Excluded ticket")
        verbose_name_plural = _("Excluded ticket")
        constraints = [
            models.UniqueConstraint(fields=["statement", "ticket"], name="settlement_excluded_once_per_statement")
        ]
        indexes = [
            # the run looks up the earlier tickets still waiting (WAITING) without reading other exclusions
            models.Index(
                fields=["statement", "ticket"],
                condition=Q(reason__in=["callback_pending", "callback_disputed"]),
                name="settlement_excluded_waiting",
            ),
        ]

    def __str__(self):
        return f"{self.ticket_number} {self.reason}"

    @property
    def reason_label(self) -> str:
        """Why it is not paid, in the reader's language; a disputed callback names the complaint it waits on."""
        return excluded_reason_label(self.reason, self.complaint_id)

    @property
    def payable_later(self) -> bool:
        return self.reason in self.WAITING

    @property
    def remedy(self) -> str:
        return str(self.REMEDIES.get(self.reason, ""))


class Adjustment(_DraftOnly):
    """An addition (+) or deduction (−) after the ticket lines, each traceable to its source."""

    class Kind(models.TextChoices):
        SLA_BREACH = "sla_breach", _("SLA breach")
        SANCTION = "sanction", _("Reward or penalty")
        PARTS_CHARGE = "parts_charge", _("Parts charged")
        CLAWBACK = "clawback", _("Fee clawed back")
        MANUAL = "manual", _("Manual correction")

    COMPUTED = frozenset({Kind.SLA_BREACH, Kind.SANCTION, Kind.PARTS_CHARGE, Kind.CLAWBACK})

    statement = models.ForeignKey(
        Statement, verbose_name=_("Statement"), on_delete=models.CASCADE, related_name="adjustments"
    )
    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("Amount"), max_digits=12, decimal_places=2, help_text=_("+ addition, − deduction"))
    description = models.CharField(_("Description"), max_length=300)
    source_ref = models.CharField(_("Source reference"), max_length=100)
    created_by = user_ref(_("Added by"), related_name=None)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("Adjustment")
        verbose_name_plural = _("Adjustment")
        constraints = [
            models.UniqueConstraint(fields=["statement", "source_ref"], name="settlement_adjustment_ref_once"),
            models.CheckConstraint(condition=~Q(amount=0), name="settlement_adjustment_not_zero"),
        ]
        indexes = [
            # the run checks that a breach, sanction or charge is not on another month's statement already
            models.Index(fields=["source_ref"], name="settlement_adjustment_ref"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class WithheldTicket(models.Model):
    """A ticket settlement never pays again: HQ approved a fabricated or duplicate-ticket penalty for it (SPEC 1.5).

    Written by the run the first time the approved record flows into a month; every later run excludes the
    ticket, and a fee paid for it before is clawed back once (an adjustment ``clawback:ticket:<id>``)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("Ticket"), on_delete=models.PROTECT, related_name="settlement_withheld"
    )
    station = models.ForeignKey("stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT)
    sanction = models.ForeignKey(
        "stations.Sanction", verbose_name=_("Reward/penalty record"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Withheld ticket")
        verbose_name_plural = _("Withheld ticket")

    def __str__(self):
        return f"{self.ticket_id} (sanction {self.sanction_id})"


class OverdueReminder(models.Model):
    """Finance was e-mailed that a statement is past its due date — at most once per statement and day."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("Statement"), on_delete=models.CASCADE, related_name="overdue_reminders"
    )
    day = models.DateField(_("Day"))
    due_on = models.DateField(_("Due date"))
    status = models.CharField(_("Status"), max_length=10, choices=Statement.Status.choices)
    recipients = models.JSONField(_("Sent to"), default=list)
    sent_at = models.DateTimeField(_("Sent"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "statement_id"]
        verbose_name = _("Overdue reminder")
        verbose_name_plural = _("Overdue reminder")
        constraints = [
            models.UniqueConstraint(fields=["statement", "day"], name="settlement_overdue_reminder_once_a_day")
        ]

    def __str__(self):
        return f"{self.statement_id} {self.day}"


def month_start(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def statement_due_on(month: datetime.date) -> datetime.date:
    """SPEC 4 calendar: a month's statements are approved and paid by ``STATEMENT_DUE_DAY`` (20) of the next month.

    The day is fixed: a due date on a weekend or a public holiday stays where it is (finance pays before it,
    not after). A day beyond the next month's length is its last day."""
    nxt = (month.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    last = calendar.monthrange(nxt.year, nxt.month)[1]
    return nxt.replace(day=min(max(int(setting("STATEMENT_DUE_DAY")), 1), last))


def excluded_reason_label(reason: str, complaint_id: int | None = None) -> str:
    """The reason a ticket is not paid, in the reader's language (page, API, workbook and PDF alike)."""
    if reason == ExcludedTicket.Reason.CALLBACK_DISPUTED and complaint_id:
        return gettext("waiting on complaint #%(number)s") % {"number": complaint_id}
    try:
        return str(ExcludedTicket.Reason(reason).label)
    except ValueError:
        return reason


class WorkbookExport(models.Model):
    """A month's finance workbook built by a worker. Its progress lives in this row and its file in the shared
    storage, so any web node can show how far it is and hand the file over, whichever node started it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    month = models.DateField(_("Month"), help_text=_("First day of the month."))
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("Progress (%)"), default=0)
    requested_by = user_ref(_("Requested by"))
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Finished"), null=True, blank=True)
    file = models.FileField(_("File"), upload_to="exports/%Y/%m/", blank=True)
    message = models.TextField(_("Result"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Workbook export")
        verbose_name_plural = _("Workbook exports")

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_status_display()}"
