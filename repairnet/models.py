from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .phones import PhoneNumberField
from .tokens import user_tokens_revoke


class RegionQuerySet(models.QuerySet):
    def within(self, regions):
        """The given regions and all their descendants (province → city → district: three levels, so two joins
        up the parents, in one SQL query). ``regions``: a queryset, or a list of regions or ids."""
        if not isinstance(regions, models.QuerySet):
            regions = [getattr(r, "pk", r) for r in regions]  # ``pk__in`` takes ids, not model instances
        return self.filter(
            models.Q(pk__in=regions) | models.Q(parent__in=regions) | models.Q(parent__parent__in=regions)
        )


class Region(models.Model):
    """Administrative region (行政区域): province → city → district/county, GB/T 2260 codes."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District/county")

    code = models.CharField(_("Division code"), max_length=6, unique=True)
    name = models.CharField(_("Name"), max_length=50)
    level = models.CharField(_("Level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("Parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("Region")
        verbose_name_plural = _("Region")

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        parts, node = [], self
        while node is not None:
            parts.append(node.name)
            node = node.parent
        return "".join(reversed(parts))

    def ancestor_ids(self) -> list[int]:
        ids, node = [], self
        while node is not None:
            ids.append(node.pk)
            node = node.parent
        return ids


class User(AbstractUser):
    """A person who logs in. Roles are auth groups (repairnet.roles); station staff belong to one station."""

    phone = PhoneNumberField(_("Mobile phone"), blank=True)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("Station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # a regional manager's provinces or cities (repairnet.roles.is_regional): their stations and those below
    managed_regions = models.ManyToManyField(
        Region,
        verbose_name=_("Managed regions"),
        blank=True,
        related_name="managers",
        limit_choices_to={"level__in": ["province", "city"]},
    )

    class Meta:
        verbose_name = _("User")
        verbose_name_plural = _("User")

    def __str__(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._stored_credentials = user._credentials()
        return user

    def save(self, *args, **kwargs):
        """Saves, and ends the user's API tokens when this save changes the password or deactivates the user.

        The one place every path crosses — the password change and reset pages, the admin, forced resets and
        staff services all call ``set_password``/``is_active`` then ``save``. (A queryset ``update()`` does not.)
        Sessions end by themselves: Django checks each session against the password hash.
        """
        update_fields = kwargs.get("update_fields")
        stored = getattr(self, "_stored_credentials", None)
        revoke = False
        if stored is not None:
            password, active = stored
            written = set(update_fields) if update_fields is not None else {"password", "is_active"}
            revoke = ("password" in written and password is not None and self.password != password) or (
                "is_active" in written and active and not self.is_active
            )
        super().save(*args, **kwargs)
        if revoke:
            user_tokens_revoke(user=self)
        self._stored_credentials = self._credentials()

    def _credentials(self) -> tuple:
        return self.__dict__.get("password"), self.__dict__.get("is_active")

    @property
    def display_name(self) -> str:
        return str(self)


class AuditEvent(models.Model):
    """Who changed what, when and why — one append-only table for every aggregate.

    Written by services (repairnet.services.audit_record), never by signals, so bulk updates
    done through services are recorded too.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    verb = models.CharField(_("Action"), max_length=64)
    from_state = models.CharField(_("From state"), max_length=32, blank=True)
    to_state = models.CharField(_("To state"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("By"), null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("Time"), auto_now_add=True, db_index=True)
    note = models.TextField(_("Reason / note"), blank=True)
    data = models.JSONField(_("Details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit event")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.content_type.model}#{self.object_id}"


class JobRun(models.Model):
    """One run of a background job: HQ sees when each job last ran and what it did."""

    name = models.CharField(_("Job"), max_length=100, db_index=True)
    # The job's title as an untranslated message id, shown in the reader's language on /jobs/.
    label = models.CharField(_("Title"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("Started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Finished"), null=True, blank=True)
    ok = models.BooleanField(_("Succeeded"), null=True)
    # What the run did, as counts ({"created": 3}) that /jobs/ words in the reader's language.
    counts = models.JSONField(_("Counts"), default=dict, blank=True)
    result = models.TextField(_("Result"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("Job run")
        verbose_name_plural = _("Job run")

    def __str__(self):
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"


class IdempotentRequest(models.Model):
    """A write done once per caller and key (repairnet.idempotency): its response, to answer a retry with."""

    scope = models.CharField(max_length=80)  # the caller: a token's hash, a user or a session
    key = models.CharField(max_length=110)
    fingerprint = models.CharField(max_length=64, blank=True)  # method, path and body
    status = models.PositiveSmallIntegerField(null=True)  # None while the first request is being done
    body = models.BinaryField(default=bytes)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="uniq_idempotent_request")]

    def __str__(self):
        return f"{self.key} → {self.status}"


class RuleVersion(models.Model):
    """A business number HQ changes from a date on (admin): each decision reads the version in force on its
    own date (an exam on its exam day, an inspection on its visit, an assessment on its quarter's last day),
    so changing a rule never rewrites a past result. Without a row the default in settings.REPAIRNET holds."""

    class Key(models.TextChoices):
        EXAM_PASS_EACH = "EXAM_PASS_EACH", _("Exam: pass mark in theory and in practice")
        EXAM_PASS_AVERAGE = "EXAM_PASS_AVERAGE", _("Exam: pass mark on average")
        GRADE_THRESHOLDS = "GRADE_THRESHOLDS", _("Inspection: minimum points for grades A, B and C")
        ASSESSMENT_WEIGHTS = "ASSESSMENT_WEIGHTS", _("Assessment: weights in % (sum 100)")
        ASSESSMENT_THRESHOLDS = "ASSESSMENT_THRESHOLDS", _("Assessment: scores for upgrade, downgrade, revocation")

    key = models.CharField(_("Rule"), max_length=40, choices=Key.choices)
    effective_from = models.DateField(_("Effective from"))
    value = models.JSONField(
        _("Value"), help_text=_('A number, or for several numbers e.g. {"A": 90, "B": 80, "C": 60}.')
    )
    note = models.CharField(_("Why"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Set by"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["key", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="rule_version_one_a_day")]
        verbose_name = _("Rule version")
        verbose_name_plural = _("Rule versions")

    def __str__(self):
        return f"{self.get_key_display()} ({self.effective_from:%Y-%m-%d})"


class PasswordResetRequest(models.Model):
    """One accepted request for a password-reset e-mail, counted per client address and per e-mail address
    (repairnet.services.password_reset_request_allow). The address is kept only as a hash: a request for an
    address nobody has is counted the same way, and its owner is not recorded."""

    ip_address = models.CharField(max_length=45, db_index=True)
    email_digest = models.CharField(max_length=64, db_index=True)
    requested_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("Password reset request")
        verbose_name_plural = _("Password reset request")

    def __str__(self):
        return f"{self.ip_address} {self.requested_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """One in-app notice to one person (站内通知): a new dispatch, a rejection, an SLA about to breach, a
    rectification due, a statement issued. Raised by the services of the area the event belongs to, in the
    same transaction as the event; ``key`` names the event, so a retried action never raises it twice."""

    class Kind(models.TextChoices):
        TICKET_DISPATCHED = "ticket_dispatched", _("Ticket dispatched")
        TICKET_REJECTED = "ticket_rejected", _("Ticket rejected")
        SLA_DUE_SOON = "sla_due_soon", _("SLA about to breach")
        RECTIFICATION_DUE = "rectification_due", _("Rectification due")
        STATEMENT_ISSUED = "statement_issued", _("Statement issued")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("Kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(_("Event key"), max_length=150)
    params = models.JSONField(_("Parameters"), default=dict, blank=True)
    url = models.CharField(_("Link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("Read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_event")]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            )
        ]
        verbose_name = _("Notification")
        verbose_name_plural = _("Notification")

    def __str__(self):
        return f"{self.recipient_id} {self.key}"

    @property
    def message(self) -> str:
        """The text in the reader's language, from the kind's message and the event's parameters."""
        template = NOTIFICATION_MESSAGES.get(self.kind)
        if template is None:
            return self.get_kind_display()
        params = dict(self.params)
        if "leg" in params:
            params["leg"] = str(NOTIFICATION_LEGS.get(params["leg"], params["leg"]))
        try:
            return str(template) % params
        except (KeyError, TypeError, ValueError):
            return self.get_kind_display()


NOTIFICATION_MESSAGES = {
    Notification.Kind.TICKET_DISPATCHED: _("New ticket %(number)s dispatched to your station."),
    Notification.Kind.TICKET_REJECTED: _("Station %(station)s rejected ticket %(number)s: %(reason)s"),
    Notification.Kind.SLA_DUE_SOON: _("Ticket %(number)s: the %(leg)s deadline is at %(due)s"),
    Notification.Kind.RECTIFICATION_DUE: _("Rectification due on %(deadline)s: %(item)s"),
    Notification.Kind.STATEMENT_ISSUED: _("Statement for %(month)s issued: net %(net)s yuan"),
}
NOTIFICATION_LEGS = {"accept": _("accept"), "onsite": _("on-site"), "complete": _("completion")}


class OutboxEvent(models.TextChoices):
    """What a message tells (发送事件): customer-facing first, then the station's and HQ's."""

    TICKET_LOGGED = "ticket_logged", _("Ticket logged")
    CUSTOMER_DISPATCHED = "customer_dispatched", _("Ticket dispatched (customer)")
    APPOINTMENT_SET = "appointment_set", _("Appointment set")
    TECHNICIAN_ON_THE_WAY = "technician_on_the_way", _("Technician on the way")
    TICKET_COMPLETED = "ticket_completed", _("Repair completed")
    CALLBACK_DUE = "callback_due", _("Callback due")
    TICKET_DISPATCHED = "ticket_dispatched", _("Ticket dispatched to the station")
    TICKET_REJECTED = "ticket_rejected", _("Ticket rejected")
    SLA_DUE_SOON = "sla_due_soon", _("SLA about to breach")
    RECTIFICATION_DUE = "rectification_due", _("Rectification due")
    STATEMENT_ISSUED = "statement_issued", _("Statement issued")


class OutboxChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat template message")
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In-app")


class OutboxMessage(models.Model):
    """One message to one recipient on one channel (通知发件箱), written in the business action's transaction by
    ``repairnet.outbox.enqueue`` and delivered later by the delivery sweep (``repairnet.outbox.outbox_deliver_due``).

    (key, channel, recipient) is unique, so a retried action adds nothing; a row moves pending → sending →
    sent, back to pending with a later ``next_attempt_at`` after a failure, failed after the last attempt, or
    skipped (the customer opted out, or no template)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    event = models.CharField(_("Event"), max_length=30, choices=OutboxEvent.choices)
    channel = models.CharField(_("Channel"), max_length=10, choices=OutboxChannel.choices)
    key = models.CharField(_("Event key"), max_length=150)
    recipient = models.CharField(_("Recipient"), max_length=40)  # "user:<id>" or "phone:<E.164>"
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("User"), null=True, blank=True, on_delete=models.CASCADE
    )
    address = models.CharField(_("Address"), max_length=254, blank=True)  # phone or e-mail address
    context = models.JSONField(_("Parameters"), default=dict, blank=True)
    url = models.CharField(_("Link"), max_length=300, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("Next attempt"))
    locked_at = models.DateTimeField(_("Sending since"), null=True, blank=True)
    last_error = models.CharField(_("Last error"), max_length=500, blank=True)
    subject = models.CharField(_("Subject"), max_length=200, blank=True)
    body = models.TextField(_("Text sent"), blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("Sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key", "channel", "recipient"], name="outbox_once_per_event"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["status", "created_at"], name="outbox_status_idx"),
        ]
        verbose_name = _("Outbox message")
        verbose_name_plural = _("Outbox messages")

    def __str__(self):
        return f"{self.event} {self.channel} {self.recipient}"


class MessageTemplate(models.Model):
    """The text of one event on one channel (消息模板), in Django's template language over the event's parameters
    (e.g. ``{{ number }}``); HQ edits it in the admin, and the next delivery uses it. In-app notices are the
    exception: they are shown in the reader's language from ``NOTIFICATION_MESSAGES``."""

    event = models.CharField(_("Event"), max_length=30, choices=OutboxEvent.choices)
    channel = models.CharField(_("Channel"), max_length=10, choices=OutboxChannel.choices)
    subject = models.CharField(_("Subject (e-mail)"), max_length=200, blank=True)
    body = models.TextField(_("Text"))
    wechat_template_id = models.CharField(_("WeChat template ID"), max_length=64, blank=True)
    is_active = models.BooleanField(_("Active"), default=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["event", "channel"]
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="message_template_one_per_channel")]
        verbose_name = _("Message template")
        verbose_name_plural = _("Message templates")

    def __str__(self):
        return f"{self.get_event_display()} · {self.get_channel_display()}"


class MessageOptOut(models.Model):
    """A customer's phone number that asked for no more messages (退订): what is enqueued for it is recorded as
    skipped, never sent. Kept by number because a customer is known to the network by phone."""

    phone = PhoneNumberField(_("Phone"), unique=True)
    reason = models.CharField(_("Why"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Message opt-out")
        verbose_name_plural = _("Message opt-outs")

    def __str__(self):
        return self.phone
