from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .phones import PhoneNumberField


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

    class Meta:
        verbose_name = _("User")
        verbose_name_plural = _("User")

    def __str__(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

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
