"""Repair tickets (维修工单): customers, devices, the ticket lifecycle, SLA, callbacks, complaints, daily reports."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from repairnet.fields import user_ref
from repairnet.phones import PhoneNumberField


class DeviceModel(models.Model):
    """Catalogue of set-top-box models: warranty period and serial-number format (admin-editable)."""

    code = models.CharField(_("Model code"), max_length=30, unique=True)
    name = models.CharField(_("Model name"), max_length=100)
    warranty_months = models.PositiveSmallIntegerField(_("Warranty months"), default=12)
    serial_regex = models.CharField(
        _("Serial number format"),
        max_length=200,
        help_text=_(
            "Regular expression for the serial number; named groups yy and mm give the manufacture year and month."
        ),
    )
    manufacture_grace_months = models.PositiveSmallIntegerField(
        _("Months added to the manufacture date without an invoice"), default=3
    )
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Device model")
        verbose_name_plural = _("Device model")

    def __str__(self):
        return f"{self.code} {self.name}"


class Customer(models.Model):
    name = models.CharField(_("Customer name"), max_length=50)
    phone = PhoneNumberField(_("Phone"), db_index=True)
    phone2 = PhoneNumberField(_("Second phone"), blank=True, db_index=True)
    address = models.CharField(_("Address"), max_length=200, blank=True)
    region = models.ForeignKey(
        "repairnet.Region", verbose_name=_("Region"), null=True, blank=True, on_delete=models.PROTECT
    )
    carrier_account = models.CharField(_("Carrier account number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("Customer")
        verbose_name_plural = _("Customer")

    def __str__(self):
        return self.name


class Device(models.Model):
    model = models.ForeignKey(DeviceModel, verbose_name=_("Device model"), on_delete=models.PROTECT)
    serial = models.CharField(_("Serial number"), max_length=40, unique=True)
    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.PROTECT, related_name="devices")
    purchase_date = models.DateField(_("Purchase date"), null=True, blank=True)
    has_invoice = models.BooleanField(_("Invoice present"), default=False)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("Device")
        verbose_name_plural = _("Device")

    def __str__(self):
        return self.serial


class TicketNumberSequence(models.Model):
    """One row per day; the row lock serialises ticket numbers of that day."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Ticket number sequence")
        verbose_name_plural = _("Ticket number sequence")

    def __str__(self):
        return f"{self.day}: {self.last}"


class Ticket(models.Model):
    # a ticket not yet dispatched has no station: a regional manager sees it by its customer's district
    SCOPE_REGION_FIELD = "customer__region"

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Accepted")
        IN_REPAIR = "in_repair", _("In repair")
        AWAITING_PARTS = "awaiting_parts", _("Awaiting parts")
        ESCALATED = "escalated", _("Escalated")
        COMPLETED = "completed", _("Completed")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (
        Status.RECEIVED,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.IN_REPAIR,
        Status.AWAITING_PARTS,
        Status.ESCALATED,
    )

    TRANSITIONS = {
        Status.RECEIVED: (Status.DISPATCHED, Status.CLOSED, Status.CANCELLED),
        Status.DISPATCHED: (Status.RECEIVED, Status.ACCEPTED, Status.CANCELLED),
        Status.ACCEPTED: (Status.IN_REPAIR, Status.CANCELLED),
        Status.IN_REPAIR: (Status.COMPLETED, Status.AWAITING_PARTS, Status.ESCALATED, Status.CANCELLED),
        Status.AWAITING_PARTS: (Status.IN_REPAIR, Status.CANCELLED),
        Status.ESCALATED: (Status.IN_REPAIR, Status.CANCELLED),
        Status.COMPLETED: (Status.CLOSED,),
        Status.CLOSED: (),
        Status.CANCELLED: (),
    }
    WORKING_STATES = (Status.ACCEPTED, Status.IN_REPAIR, Status.AWAITING_PARTS, Status.ESCALATED)
    VERBS = {
        "dispatch": ("tickets.dispatch", {Status.RECEIVED: Status.DISPATCHED}),
        "resolve_by_phone": ("tickets.dispatch", {Status.RECEIVED: Status.CLOSED}),
        "accept": ("tickets.accept", {Status.DISPATCHED: Status.ACCEPTED}),
        "reject": ("tickets.reject", {Status.DISPATCHED: Status.RECEIVED}),
        "reassign": ("tickets.assign", {Status.ACCEPTED: Status.ACCEPTED}),
        "schedule": ("tickets.work", {s: s for s in WORKING_STATES}),
        "spare": ("tickets.work", {s: s for s in WORKING_STATES}),
        "depart": ("tickets.work", {Status.ACCEPTED: Status.ACCEPTED}),
        "arrive": ("tickets.work", {Status.ACCEPTED: Status.IN_REPAIR}),
        "complete": ("tickets.work", {Status.IN_REPAIR: Status.COMPLETED}),
        "await_parts": ("tickets.work", {Status.IN_REPAIR: Status.AWAITING_PARTS}),
        "escalate": ("tickets.work", {Status.IN_REPAIR: Status.ESCALATED}),
        "resume": ("tickets.work", {Status.AWAITING_PARTS: Status.IN_REPAIR, Status.ESCALATED: Status.IN_REPAIR}),
        "cancel": ("tickets.cancel", dict.fromkeys(OPEN_STATES, Status.CANCELLED)),
        "reprioritise": ("tickets.dispatch", {s: s for s in OPEN_STATES}),
        "report_fabricated": ("tickets.report_fabricated", {s: s for s in (Status.COMPLETED, Status.CLOSED)}),
    }

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        NORMAL = "normal", _("Normal")

    class ServiceMode(models.TextChoices):
        ONSITE = "onsite", _("On-site")
        CARRY_IN = "carry_in", _("Carry-in")
        MAIL_IN = "mail_in", _("Mail-in")
        PHONE = "phone", _("Phone guidance")

    class FaultCategory(models.TextChoices):
        NO_SIGNAL = "no_signal", _("No signal")
        NO_POWER = "no_power", _("No power")
        NO_PICTURE = "no_picture", _("No picture / freeze")
        REMOTE = "remote", _("Remote control")
        CARD_READER = "card_reader", _("Smart-card reader")
        SOFTWARE = "software", _("Software / upgrade")
        ACCESSORY = "accessory", _("Accessory")
        OTHER = "other", _("Other")

    class Escalation(models.TextChoices):
        CENTRE = "centre", _("Repair centre")
        HQ = "hq", _("HQ (return to factory)")

    number = models.CharField(_("Ticket number"), max_length=20, unique=True)
    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.PROTECT, related_name="tickets")
    device = models.ForeignKey(Device, verbose_name=_("Device"), on_delete=models.PROTECT, related_name="tickets")
    fault_category = models.CharField(_("Fault category"), max_length=20, choices=FaultCategory.choices)
    description = models.TextField(_("Fault description"), blank=True)
    priority = models.CharField(_("Priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    service_mode = models.CharField(
        _("Service mode"), max_length=10, choices=ServiceMode.choices, default=ServiceMode.ONSITE
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("Station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    technician = user_ref(_("Technician"), related_name="tickets_assigned")
    created_by = user_ref(_("Logged by"), related_name="tickets_logged")
    # warranty (三包)
    in_warranty = models.BooleanField(_("In warranty"), default=False)
    warranty_reason = models.CharField(_("Warranty decision"), max_length=200, blank=True)
    # repeat repair (返修)
    is_repeat_repair = models.BooleanField(_("Repeat repair"), default=False)
    repeat_of = models.ForeignKey(
        "self", verbose_name=_("Repeat of"), null=True, blank=True, on_delete=models.PROTECT, related_name="repeats"
    )
    # timestamps of every step
    received_at = models.DateTimeField(_("Received"), db_index=True)
    dispatched_at = models.DateTimeField(_("Dispatched"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("Accepted"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("Appointment"), null=True, blank=True)
    started_at = models.DateTimeField(_("Arrived / repair started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("Completed"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("Closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("Cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("Cancellation reason"), max_length=200, blank=True)
    # SLA deadlines (computed on create / reprioritise / dispatch / resume)
    accept_due_at = models.DateTimeField(_("Accept due"), null=True, blank=True)
    onsite_due_at = models.DateTimeField(_("On site due"), null=True, blank=True)
    complete_due_at = models.DateTimeField(_("Completion due"), null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(_("Paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("Paused (seconds)"), default=0)
    # escalation
    escalated_to = models.CharField(_("Escalated to"), max_length=10, choices=Escalation.choices, blank=True)
    # repair report (维修报告)
    fault_found = models.TextField(_("Fault found"), blank=True)
    diagnosis = models.TextField(_("Diagnosis"), blank=True)
    work_done = models.TextField(_("Work done / actions"), blank=True)
    # the outcome settlement pays by (the no-fault fee), ticked by the technician; never read from the free text
    no_fault_found = models.BooleanField(
        _("No fault found"),
        default=False,
        db_default=False,
        help_text=_("The inspection found the device working normally (at most guidance on its use)."),
    )
    parts_used = models.JSONField(_("Parts used"), default=list, blank=True)
    photo_before = models.ImageField(_("Photo before"), upload_to="tickets/photos/%Y/%m/", blank=True)
    photo_after = models.ImageField(_("Photo after"), upload_to="tickets/photos/%Y/%m/", blank=True)
    charge_amount = models.DecimalField(_("Charge to customer"), max_digits=12, decimal_places=2, default=0)
    charge_consent = models.BooleanField(_("Customer consented to the charge"), default=False)
    charge_consent_at = models.DateTimeField(_("Consent recorded"), null=True, blank=True)
    signoff_name = models.CharField(_("Customer sign-off name"), max_length=50, blank=True)
    signoff_image = models.ImageField(_("Customer signature"), upload_to="tickets/signatures/%Y/%m/", blank=True)
    signed_at = models.DateTimeField(_("Signed"), null=True, blank=True)
    callback_due_at = models.DateTimeField(_("Callback due"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("Repair ticket")
        verbose_name_plural = _("Repair ticket")
        indexes = [
            models.Index(fields=["station", "status"]),
            models.Index(fields=["device", "completed_at"]),
            # the lists, newest first (received_at, id), for HQ with no filter, by state, and by station; the
            # searches use the unique number and serial, the phone indexes and (PostgreSQL) trigram indexes
            models.Index(fields=["received_at", "id"], name="ticket_received_idx"),
            models.Index(fields=["status", "received_at", "id"], name="ticket_status_received_idx"),
            models.Index(fields=["station", "received_at", "id"], name="ticket_station_received_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES

    @property
    def scope_region_id(self) -> int | None:
        """The region ``roles.can`` checks for a regional manager while the ticket has no station."""
        return self.customer.region_id

    @property
    def inspection_result(self) -> str:
        """The repair report's outcome as the page and the PDF print it (检测结果)."""
        return _("No fault found") if self.no_fault_found else _("Fault confirmed")


class TicketRejection(models.Model):
    """A station declined a dispatched ticket; dispatch suggestions skip it afterwards."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="rejections")
    station = models.ForeignKey("stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT)
    reason = models.CharField(_("Reason"), max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    at = models.DateTimeField(_("Time"), auto_now_add=True)

    class Meta:
        ordering = ["at"]
        verbose_name = _("Dispatch rejection")
        verbose_name_plural = _("Dispatch rejection")

    def __str__(self):
        return f"{self.ticket} ← {self.station}"


class Leg(models.TextChoices):
    ACCEPT = "accept", _("Accept by station")
    ONSITE = "onsite", _("On site / repair started")
    COMPLETE = "complete", _("Completed")


class SlaPolicy(models.Model):
    """Target per priority and leg, in service-hour minutes, effective from a date (admin-editable)."""

    priority = models.CharField(_("Priority"), max_length=10, choices=Ticket.Priority.choices)
    leg = models.CharField(_("Leg"), max_length=10, choices=Leg.choices)
    minutes = models.PositiveIntegerField(_("Target (service-hour minutes)"))
    effective_from = models.DateField(_("Effective from"), default=datetime.date(2000, 1, 1))

    class Meta:
        ordering = ["priority", "leg", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "leg", "effective_from"], name="uniq_sla_policy"),
        ]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policy")

    def __str__(self):
        return f"{self.get_priority_display()} {self.get_leg_display()} {self.minutes}"


class SlaBreach(models.Model):
    """A missed deadline, recorded once per ticket and leg."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("Ticket"), on_delete=models.CASCADE, related_name="breaches")
    leg = models.CharField(_("Leg"), max_length=10, choices=Leg.choices)
    due_at = models.DateTimeField(_("Due"))
    recorded_at = models.DateTimeField(_("Recorded"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [models.UniqueConstraint(fields=["ticket", "leg"], name="uniq_sla_breach_ticket_leg")]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breach")

    def __str__(self):
        return f"{self.ticket} {self.leg}"

    @property
    def scope_station_id(self):
        return self.ticket.station_id


class Holiday(models.Model):
    """A public holiday: SLA clocks do not run on it. Loaded per year from the State Council calendar
    (``chinesecalendar``); HQ may add, change or delete days in the admin afterwards."""

    class Source(models.TextChoices):
        CALENDAR = "calendar", _("Public holiday calendar")
        ADMIN = "admin", _("Entered by HQ")

    date = models.DateField(_("Date"), unique=True)
    name = models.CharField(_("Name"), max_length=50)
    source = models.CharField(_("Source"), max_length=10, choices=Source.choices, default=Source.ADMIN)

    class Meta:
        ordering = ["date"]
        verbose_name = _("Holiday")
        verbose_name_plural = _("Holiday")

    def __str__(self):
        return f"{self.date} {self.name}"


class Callback(models.Model):
    """The 24-hour customer callback (回访) of a completed ticket — exactly one per ticket."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Repair confirmed")
        UNREACHABLE = "unreachable", _("Unreachable")
        DISPUTED = "disputed", _("Disputed")
        NOT_REPAIRED = "not_repaired", _("Not repaired")
        # the complaint opened from a disputed callback decides it (complaint_resolve)
        CONFIRMED_AFTER_DISPUTE = "confirmed_after_dispute", _("Confirmed after the dispute (complaint not upheld)")
        DISPUTE_UPHELD = "dispute_upheld", _("Dispute upheld (complaint upheld)")

    class Channel(models.TextChoices):
        AGENT = "agent", _("Hotline agent's call")
        SELF_SERVICE = "self_service", _("Customer self-service page")

    ticket = models.OneToOneField(Ticket, verbose_name=_("Ticket"), on_delete=models.CASCADE, related_name="callback")
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    # how the customer answered: an agent's call, or the self-service page (a confirmation there finishes the
    # callback; a dispute stays open for the agent, with what the customer wrote)
    channel = models.CharField(
        _("Answered via"), max_length=20, choices=Channel.choices, default=Channel.AGENT, db_default=Channel.AGENT
    )
    customer_answered_at = models.DateTimeField(_("Customer answered on the self-service page"), null=True, blank=True)
    customer_dispute = models.TextField(_("Customer's dispute (self-service)"), blank=True, db_default="")
    due_at = models.DateTimeField(_("Due"), db_index=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    escalated_at = models.DateTimeField(_("Escalated"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    outcome = models.CharField(_("Outcome"), max_length=30, choices=Outcome.choices, blank=True)
    technician_on_time = models.BooleanField(_("Technician on time"), null=True)
    charges_correct = models.BooleanField(_("Charges correct"), null=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("Satisfaction (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comments = models.TextField(_("Comments"), blank=True)
    agent = user_ref(_("Agent"), related_name=None)
    completed_at = models.DateTimeField(_("Finished"), null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="callback_satisfaction_range",
            )
        ]
        verbose_name = _("Callback")
        verbose_name_plural = _("Callback")

    def __str__(self):
        return f"{self.ticket} {self.get_status_display()}"

    @property
    def scope_station_id(self):
        return self.ticket.station_id


class SelfServiceLookup(models.Model):
    """One look-up on the customer self-service page, counted per client address and per ticket number within
    SELF_SERVICE_WINDOW_SECONDS (tickets.services.self_service_lookup). The number is kept as typed (normalised),
    whether or not a ticket has it, so a wrong pair and an unknown number are counted and answered alike."""

    ip_address = models.CharField(max_length=45)
    number = models.CharField(max_length=40)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["ip_address", "at"], name="selfservice_ip_at_idx"),
            models.Index(fields=["number", "at"], name="selfservice_number_at_idx"),
        ]
        verbose_name = _("Self-service look-up")
        verbose_name_plural = _("Self-service look-up")

    def __str__(self):
        return f"{self.number} {self.ip_address}"


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("Time"), auto_now_add=True)
    reached = models.BooleanField(_("Customer reached"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    note = models.CharField(_("Note"), max_length=200, blank=True)

    class Meta:
        ordering = ["at"]
        verbose_name = _("Callback attempt")
        verbose_name_plural = _("Callback attempt")

    def __str__(self):
        return f"{self.callback_id} {self.at}"


class Complaint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    TRANSITIONS = {
        Status.OPEN: (Status.ACKNOWLEDGED, Status.RESOLVED),
        Status.ACKNOWLEDGED: (Status.RESOLVED,),
        Status.RESOLVED: (),
    }
    VERBS = {
        "acknowledge": ("complaints.acknowledge", {Status.OPEN: Status.ACKNOWLEDGED}),
        "resolve": ("complaints.handle", {Status.OPEN: Status.RESOLVED, Status.ACKNOWLEDGED: Status.RESOLVED}),
    }

    class Category(models.TextChoices):
        SERVICE_ATTITUDE = "attitude", _("Service attitude")
        LATE = "late", _("Late or missed visit")
        QUALITY = "quality", _("Repair quality")
        CHARGES = "charges", _("Charges")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        CALL = "call", _("Customer call")
        CALLBACK = "callback", _("Callback")

    class Verdict(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        NOT_UPHELD = "not_upheld", _("Not upheld")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("Ticket"), null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), null=True, blank=True, on_delete=models.PROTECT
    )
    technician = user_ref(_("Technician"), related_name="complaints_against")
    category = models.CharField(_("Category"), max_length=20, choices=Category.choices)
    source = models.CharField(_("Source"), max_length=10, choices=Source.choices, default=Source.CALL)
    description = models.TextField(_("Description"))
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    ack_due_at = models.DateTimeField(_("Acknowledge by"))
    resolve_due_at = models.DateTimeField(_("Resolve by"))
    acknowledged_at = models.DateTimeField(_("Acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("Resolved"), null=True, blank=True)
    # Set by the deadline job when the acknowledgement / the resolution passed its deadline (escalated to HQ).
    ack_overdue_at = models.DateTimeField(_("Acknowledgement overdue since"), null=True, blank=True)
    resolve_overdue_at = models.DateTimeField(_("Resolution overdue since"), null=True, blank=True)
    investigation = models.TextField(_("Investigation notes"), blank=True)
    verdict = models.CharField(_("Verdict"), max_length=20, choices=Verdict.choices, blank=True)
    created_by = user_ref(_("Logged by"), blank=False, related_name="complaints_logged")
    created_at = models.DateTimeField(_("Created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Complaint")
        verbose_name_plural = _("Complaint")

    def __str__(self):
        return f"#{self.pk} {self.get_category_display()}"


class DailyReport(models.Model):
    """A station's day (日报): built at 23:55, remarks and submission by the coordinator."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Awaiting submission")
        SUBMITTED = "submitted", _("Submitted")

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="daily_reports"
    )
    day = models.DateField(_("Day"), db_index=True)
    received = models.PositiveIntegerField(_("Received"), default=0)
    accepted = models.PositiveIntegerField(_("Accepted"), default=0)
    completed = models.PositiveIntegerField(_("Completed"), default=0)
    open_total = models.PositiveIntegerField(_("Open"), default=0)
    open_by_age = models.JSONField(_("Open by age"), default=dict, blank=True)
    sla_breaches = models.PositiveIntegerField(_("SLA breaches"), default=0)
    parts_used = models.PositiveIntegerField(_("Parts used"), default=0)
    spares_on_loan = models.PositiveIntegerField(_("Spare machines on loan"), default=0)
    remarks = models.TextField(_("Remarks"), blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    deadline = models.DateTimeField(_("Submit by"))
    submitted_at = models.DateTimeField(_("Submitted"), null=True, blank=True)
    submitted_by = user_ref(_("Submitted by"), related_name=None)
    is_late = models.BooleanField(_("Late"), default=False)
    built_at = models.DateTimeField(_("Built"), auto_now=True)

    class Meta:
        ordering = ["-day", "station__code"]
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="uniq_daily_report_station_day")]
        verbose_name = _("Daily report")
        verbose_name_plural = _("Daily report")

    def __str__(self):
        return f"{self.station} {self.day}"


class StationDayStats(models.Model):
    """The HQ dashboard's rollup: one station's local day (Asia/Shanghai) — the tickets completed that day and
    what has happened to them since (breach, repeat repair, callback), and the complaints upheld that day.

    Derived data: ``tickets.rollup`` recomputes a row whenever one of its inputs changes and rebuilds recent
    days nightly; the sums over a window equal ``selectors.assessment_inputs(detailed=True)``.
    """

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.CASCADE, related_name="day_stats"
    )
    day = models.DateField(_("Day"))
    completed = models.PositiveIntegerField(_("Completed"), default=0)
    breached = models.PositiveIntegerField(_("With an SLA breach"), default=0)
    repeated = models.PositiveIntegerField(_("Repaired again"), default=0)
    called = models.PositiveIntegerField(_("Callback within 24 h"), default=0)
    callback_due = models.PositiveIntegerField(_("With a callback due time"), default=0)
    rated = models.PositiveIntegerField(_("Rated"), default=0)
    satisfaction_sum = models.PositiveIntegerField(_("Sum of satisfaction"), default=0)
    upheld_complaints = models.PositiveIntegerField(_("Upheld complaints"), default=0)
    refreshed_at = models.DateTimeField(_("Refreshed"), auto_now=True)

    class Meta:
        ordering = ["-day", "station_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "station"], name="uniq_station_day_stats"),
            models.CheckConstraint(
                condition=models.Q(breached__lte=models.F("completed"))
                & models.Q(repeated__lte=models.F("completed"))
                & models.Q(called__lte=models.F("completed"))
                & models.Q(callback_due__lte=models.F("completed"))
                & models.Q(rated__lte=models.F("completed"))
                & models.Q(satisfaction_sum__gte=models.F("rated"))
                & models.Q(satisfaction_sum__lte=models.F("rated") * 5),
                name="station_day_stats_consistent",
            ),
        ]
        verbose_name = _("Station day figures")
        verbose_name_plural = _("Station day figures")

    def __str__(self):
        return f"{self.station_id} {self.day}"
