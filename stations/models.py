import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    CENTRE = "centre", _("Authorised repair centre")
    STATION = "station", _("Authorised repair station")
    ACCESSORY_POINT = "accessory_point", _("Authorised accessory point")


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
    phone = models.CharField(_("Service phone"), max_length=20, blank=True)
    agreement_date = models.DateField(_("Agreement date"), null=True, blank=True)
    service_start = models.TimeField(_("Service hours start"), default=datetime.time(8, 30))
    service_end = models.TimeField(_("Service hours end"), default=datetime.time(18, 0))
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Station")
        verbose_name_plural = _("Station")

    def __str__(self):
        return f"{self.code} {self.name}"
