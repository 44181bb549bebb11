"""Fraud signals (欺诈信号): rules HQ tunes, and the signals their nightly evaluation raises with evidence."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from repairnet.fields import user_ref


class RuleCode(models.TextChoices):
    SERIAL_TWO_STATIONS = "serial_two_stations", _("Same serial claimed at two stations")
    CLAIM_SPIKE = "claim_spike", _("In-warranty claims far above the station's history")
    TECHNICIAN_HOP = "technician_hop", _("Technician completing in different districts minutes apart")
    NO_ARRIVAL = "no_arrival", _("Completed without a real arrival step")
    REPEAT_REPAIR = "repeat_repair", _("Same serial repaired again soon")
    NOBODY_CAME = "nobody_came", _("Customer says nobody came")
    DEFECTIVE_NOT_RETURNED = "defective_not_returned", _("Defective part never returned")


# rule -> (threshold, window days, weight): the defaults a missing row is created with (HQ edits them in the admin)
RULE_DEFAULTS = {
    RuleCode.SERIAL_TWO_STATIONS: (Decimal("0"), 30, 30),
    RuleCode.CLAIM_SPIKE: (Decimal("3"), 180, 20),
    RuleCode.TECHNICIAN_HOP: (Decimal("20"), 1, 25),  # minutes between completions in different districts
    RuleCode.NO_ARRIVAL: (Decimal("3"), 1, 15),  # minutes between arrival and completion
    RuleCode.REPEAT_REPAIR: (Decimal("0"), 30, 10),
    RuleCode.NOBODY_CAME: (Decimal("0"), 1, 40),
    RuleCode.DEFECTIVE_NOT_RETURNED: (Decimal("0"), 15, 15),  # days past the return due date
}


class FraudRule(models.Model):
    """One rule's configuration (admin-editable): on/off, threshold, look-back window, weight in the risk score."""

    code = models.CharField(_("Rule"), max_length=30, choices=RuleCode.choices, unique=True)
    enabled = models.BooleanField(_("Enabled"), default=True)
    threshold = models.DecimalField(
        _("Threshold"),
        max_digits=8,
        decimal_places=2,
        default=0,
        help_text=_("Minutes, a multiple of the history or days, as the rule's description says."),
    )
    window_days = models.PositiveSmallIntegerField(_("Window (days)"), default=30)
    weight = models.PositiveSmallIntegerField(_("Weight in the risk score"), default=10)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Fraud rule")
        verbose_name_plural = _("Fraud rule")

    def __str__(self):
        return self.get_code_display()


class FraudSignal(models.Model):
    """What one rule found about one ticket (or one station and month), with its evidence; HQ decides it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    TRANSITIONS = {
        Status.OPEN: (Status.CONFIRMED, Status.DISMISSED),
        Status.CONFIRMED: (),
        Status.DISMISSED: (),
    }

    rule = models.CharField(_("Rule"), max_length=30, choices=RuleCode.choices)
    # "ticket:<id>" or "station:<id>:<yyyy-mm>": one signal per rule and key, whatever its status, so a dismissed
    # signal is not raised again by the next evaluation
    key = models.CharField(_("Key"), max_length=60)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("Ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fraud_signals",
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="fraud_signals"
    )
    technician = user_ref(_("Technician"))
    weight = models.PositiveSmallIntegerField(_("Weight"), default=10)
    evidence = models.JSONField(_("Evidence"), default=dict, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    decided_by = user_ref(_("Decided by"))
    decided_at = models.DateTimeField(_("Decided"), null=True, blank=True)
    reason = models.TextField(_("Reason"), blank=True)
    sanction_raised = models.BooleanField(_("Fabricated-ticket penalty raised"), default=False)
    created_at = models.DateTimeField(_("Raised"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="fraud_signal_once_per_rule_key")]
        indexes = [models.Index(fields=["station", "status"], name="fraud_signal_station_idx")]
        verbose_name = _("Fraud signal")
        verbose_name_plural = _("Fraud signal")

    def __str__(self):
        return f"{self.get_rule_display()} {self.key}"

    @property
    def scope_station_id(self):
        return self.station_id
