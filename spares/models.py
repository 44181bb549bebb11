"""Spare machines and parts: catalogue, deposit ledger, append-only stock journal and its cached balances.

The journal (``Movement``) and the deposit ledger (``DepositEntry``) are append-only: rows are
inserted by services and never updated or deleted (``save()``/``delete()``/queryset ``update()`` and
``delete()`` refuse; on PostgreSQL a trigger refuses too). A correction is a reversing movement.
``StockBalance`` caches the sum of the journal per (location, item) and can never go below zero.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from repairnet.fields import user_ref


class AppendOnlyError(Exception):
    """Raised when code tries to edit or delete a ledger row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class Item(models.Model):
    """A catalogue item: spare machine (serial-tracked), part or accessory (counted)."""

    class Kind(models.TextChoices):
        MACHINE = "machine", _("Spare machine")
        PART = "part", _("Spare part")
        ACCESSORY = "accessory", _("Accessory")

    code = models.CharField(_("Item code"), max_length=30, unique=True)
    name = models.CharField(_("Name"), max_length=100)
    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices, db_index=True)
    unit = models.CharField(_("Unit"), max_length=10, default="个")
    compatible_models = models.CharField(
        _("Compatible device models"), max_length=300, blank=True, help_text=_("Comma-separated model names.")
    )
    is_active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Catalogue item")
        verbose_name_plural = _("Catalogue item")

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def serial_tracked(self) -> bool:
        return self.kind == self.Kind.MACHINE

    def fits(self, model_code: str) -> bool:
        """Whether the item is approved for a device model: listed in ``compatible_models`` (blank: every model)."""
        listed = {m.strip().upper() for m in self.compatible_models.replace("，", ",").split(",") if m.strip()}
        return not listed or (model_code or "").strip().upper() in listed


class ItemPrice(models.Model):
    """HQ unit cost and customer retail price of an item from a date on (effective-dated)."""

    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="prices")
    effective_from = models.DateField(_("Effective from"))
    unit_cost = models.DecimalField(_("HQ unit cost"), max_digits=12, decimal_places=2)
    retail_price = models.DecimalField(_("Retail price"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["item", "-effective_from"]
        verbose_name = _("Item price")
        verbose_name_plural = _("Item price")
        constraints = [
            models.UniqueConstraint(fields=["item", "effective_from"], name="spares_price_unique_per_day"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0) & Q(retail_price__gte=0), name="spares_price_nonneg"),
        ]

    def __str__(self):
        return f"{self.item.code} {self.effective_from} {self.unit_cost}/{self.retail_price}"


class Location(models.Model):
    """Where stock can be. HQ and scrap are single; the others exist once per station.

    ``external`` is the outside world (supplier, parts fitted into customers' devices, stocktake
    gains and losses): it has no balance.
    """

    class Kind(models.TextChoices):
        HQ = "hq", _("HQ warehouse")
        HQ_DEFECTIVE = "hq_defective", _("HQ defective store")
        TRANSIT = "transit", _("In transit to station")
        STATION = "station", _("Station stock")
        LOAN = "loan", _("On loan to customers")
        CUSTOMER = "customer", _("With customers (swapped)")
        DEFECTIVE = "defective", _("Defectives at station")
        RETURN_TRANSIT = "return_transit", _("Defectives in transit to HQ")
        SCRAPPED = "scrapped", _("Scrapped")
        EXTERNAL = "external", _("Outside the network")

    STATION_KINDS = (Kind.TRANSIT, Kind.STATION, Kind.LOAN, Kind.CUSTOMER, Kind.DEFECTIVE, Kind.RETURN_TRANSIT)
    # Stock that counts against the station's deposit (HQ-owned goods the station holds).
    VALUED_KINDS = (Kind.TRANSIT, Kind.STATION, Kind.LOAN)

    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("Station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spares_locations",
    )

    class Meta:
        ordering = ["station_id", "kind"]
        verbose_name = _("Stock location")
        verbose_name_plural = _("Stock location")
        constraints = [
            models.UniqueConstraint(fields=["kind", "station"], name="spares_location_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(station__isnull=True), name="spares_location_unique_global"
            ),
        ]

    def __str__(self):
        label = self.get_kind_display()
        return f"{self.station.code} · {label}" if self.station_id else str(label)

    @property
    def has_balance(self) -> bool:
        return self.kind != self.Kind.EXTERNAL


class StockBalance(models.Model):
    """Cached on-hand quantity per (location, item) = sum of the journal; never below zero."""

    location = models.ForeignKey(Location, verbose_name=_("Location"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="balances")
    on_hand = models.IntegerField(_("On hand"), default=0)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["location_id", "item_id"]
        verbose_name = _("Stock balance")
        verbose_name_plural = _("Stock balance")
        constraints = [
            models.UniqueConstraint(fields=["location", "item"], name="spares_balance_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="spares_balance_on_hand_nonneg"),
        ]

    def __str__(self):
        return f"{self.location} {self.item.code}: {self.on_hand}"


class SerialUnit(models.Model):
    """One serial-tracked spare machine, in exactly one location at a time."""

    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="units")
    serial = models.CharField(_("Serial number"), max_length=40, unique=True)
    location = models.ForeignKey(Location, verbose_name=_("Location"), on_delete=models.PROTECT, related_name="units")
    is_defective = models.BooleanField(_("Defective"), default=False)
    ticket_id = models.BigIntegerField(_("Ticket id"), null=True, blank=True)
    ticket_number = models.CharField(_("Ticket"), max_length=20, blank=True)
    moved_at = models.DateTimeField(_("Last moved"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("Serial unit")
        verbose_name_plural = _("Serial unit")

    def __str__(self):
        return self.serial

    @property
    def scope_station_id(self):
        return self.location.station_id


class Shipment(models.Model):
    """HQ ships stock to a station (in transit) and the station confirms what arrived."""

    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        RECEIVED = "received", _("Received")

    TRANSITIONS = {Status.IN_TRANSIT: (Status.RECEIVED,), Status.RECEIVED: ()}

    number = models.CharField(_("Shipment number"), max_length=20, unique=True)
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="shipments"
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.IN_TRANSIT, db_index=True
    )
    note = models.CharField(_("Note"), max_length=200, blank=True)
    created_by = user_ref(_("Shipped by"), blank=False)
    created_at = models.DateTimeField(_("Shipped at"), auto_now_add=True)
    received_by = user_ref(_("Received by"))
    received_at = models.DateTimeField(_("Received at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Shipment")
        verbose_name_plural = _("Shipment")

    def __str__(self):
        return self.number


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, verbose_name=_("Shipment"), on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="+")
    serial_unit = models.ForeignKey(
        SerialUnit, verbose_name=_("Serial unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("Quantity shipped"))
    received_quantity = models.PositiveIntegerField(_("Quantity received"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Shipment line")
        verbose_name_plural = _("Shipment line")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="spares_shipline_qty_pos")]

    def __str__(self):
        return f"{self.shipment.number} {self.item.code} × {self.quantity}"

    @property
    def scope_station_id(self):
        return self.shipment.station_id


class Movement(AppendOnlyModel):
    """One entry of the stock journal: ``quantity`` of ``item`` moved from one location to another."""

    class Type(models.TextChoices):
        HQ_RECEIPT = "hq_receipt", _("HQ stock receipt")
        SHIP = "ship", _("HQ ships to station")
        RECEIVE = "receive", _("Station receives")
        USE = "use", _("Used in a repair")
        DEFECTIVE_COLLECTED = "defective_collected", _("Defective collected from repair")
        LEND = "lend", _("Spare machine lent to customer")
        LOAN_RETURN = "loan_return", _("Spare machine returned from loan")
        SWAP_OUT = "swap_out", _("Swap: good unit to customer")
        SWAP_IN = "swap_in", _("Swap: defective unit taken in")
        RETURN_DEFECTIVE = "return_defective", _("Defective returned to HQ")
        HQ_RECEIVE_DEFECTIVE = "hq_receive_defective", _("HQ receives defective")
        SELL = "sell", _("Sold to customer")
        WRITE_OFF = "write_off", _("Written off")
        STOCKTAKE = "stocktake", _("Stocktake adjustment")
        REVERSAL = "reversal", _("Reversal")

    type = models.CharField(_("Movement type"), max_length=30, choices=Type.choices, db_index=True)
    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="movements")
    quantity = models.PositiveIntegerField(_("Quantity"))
    serial_unit = models.ForeignKey(
        SerialUnit,
        verbose_name=_("Serial unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    from_location = models.ForeignKey(
        Location, verbose_name=_("From"), on_delete=models.PROTECT, related_name="movements_out"
    )
    to_location = models.ForeignKey(
        Location, verbose_name=_("To"), on_delete=models.PROTECT, related_name="movements_in"
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("Station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spares_movements",
    )
    unit_cost = models.DecimalField(_("Unit cost"), max_digits=12, decimal_places=2, default=0)
    chargeable = models.BooleanField(_("Charged to station"), default=False)
    ticket_id = models.BigIntegerField(_("Ticket id"), null=True, blank=True, db_index=True)
    ticket_number = models.CharField(_("Ticket"), max_length=20, blank=True)
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("Shipment"), null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    reversal_of = models.OneToOneField(
        "self",
        verbose_name=_("Reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    actor = user_ref(_("By"))
    note = models.CharField(_("Note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("Recorded at"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Stock movement")
        verbose_name_plural = _("Stock movement")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="spares_movement_qty_pos"),
            models.CheckConstraint(
                condition=~Q(from_location=models.F("to_location")), name="spares_movement_distinct_locations"
            ),
        ]
        indexes = [
            models.Index(fields=["station", "type", "created_at"], name="spares_mov_station_type"),
            models.Index(fields=["from_location", "item"], name="spares_mov_from"),
            models.Index(fields=["to_location", "item"], name="spares_mov_to"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_type_display()} {self.item_id} × {self.quantity}"


class DepositEntry(AppendOnlyModel):
    """Money ledger of a station's deposit (备机备件保证金); the balance is the signed sum."""

    class Kind(models.TextChoices):
        PAID = "paid", _("Deposit paid")
        TOP_UP = "top_up", _("Deposit topped up")
        REFUND = "refund", _("Deposit refunded")
        FORFEIT = "forfeit", _("Deposit forfeited")

    CREDIT_KINDS = (Kind.PAID, Kind.TOP_UP)
    # Entries that move money through the bank (a forfeit keeps what HQ already holds).
    MONEY_KINDS = (Kind.PAID, Kind.TOP_UP, Kind.REFUND)

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="deposit_entries"
    )
    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("Amount"), max_digits=12, decimal_places=2)
    signed_amount = models.DecimalField(_("Signed amount"), max_digits=12, decimal_places=2)
    note = models.CharField(_("Note"), max_length=200, blank=True)
    # The money itself: the day it was received (paid, top-up) or paid out (refund) and the bank's
    # reference of the transfer. Entries booked before these fields existed have neither.
    paid_on = models.DateField(_("Payment date"), null=True, blank=True)
    bank_reference = models.CharField(_("Bank reference"), max_length=64, blank=True, default="")
    actor = user_ref(_("By"))
    created_at = models.DateTimeField(_("Recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Deposit entry")
        verbose_name_plural = _("Deposit entry")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="spares_deposit_amount_pos"),
            models.CheckConstraint(
                condition=(Q(kind__in=["paid", "top_up"]) & Q(signed_amount=models.F("amount")))
                | (Q(kind__in=["refund", "forfeit"]) & Q(signed_amount=-models.F("amount"))),
                name="spares_deposit_sign_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.station_id} {self.get_kind_display()} {self.signed_amount}"


class Obligation(models.Model):
    """The station must return the defective part (or swapped-in machine) to HQ by ``due_date``."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        OVERDUE = "overdue", _("Overdue")
        RETURNED = "returned", _("Returned")
        RECEIVED = "received", _("Received by HQ")
        CANCELLED = "cancelled", _("Cancelled (usage reversed)")

    TRANSITIONS = {
        Status.OPEN: (Status.OVERDUE, Status.RETURNED, Status.CANCELLED),
        Status.OVERDUE: (Status.RETURNED, Status.CANCELLED),
        Status.RETURNED: (Status.RECEIVED,),
        Status.RECEIVED: (),
        Status.CANCELLED: (),
    }

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="spares_obligations"
    )
    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("Quantity"), default=1)
    serial_unit = models.ForeignKey(
        SerialUnit, verbose_name=_("Serial unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    use_movement = models.OneToOneField(
        Movement, verbose_name=_("Usage"), on_delete=models.PROTECT, related_name="obligation"
    )
    return_movement = models.ForeignKey(
        Movement, verbose_name=_("Return"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ticket_id = models.BigIntegerField(_("Ticket id"), null=True, blank=True)
    ticket_number = models.CharField(_("Ticket"), max_length=20, blank=True)
    unit_cost = models.DecimalField(_("Unit cost"), max_digits=12, decimal_places=2)
    due_date = models.DateField(_("Return due"), db_index=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    overdue_at = models.DateTimeField(_("Marked overdue"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("Defective-return obligation")
        verbose_name_plural = _("Defective-return obligation")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="spares_obligation_qty_pos")]

    def __str__(self):
        return f"{self.station_id} {self.item_id} due {self.due_date}"

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.status in (self.Status.OPEN, self.Status.OVERDUE) and self.due_date < day


class WriteOff(models.Model):
    """A station's request to write stock off; HQ approves (then a movement is recorded) or rejects."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {Status.PENDING: (Status.APPROVED, Status.REJECTED), Status.APPROVED: (), Status.REJECTED: ()}

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="spares_write_offs"
    )
    location = models.ForeignKey(Location, verbose_name=_("Location"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="+")
    serial_unit = models.ForeignKey(
        SerialUnit, verbose_name=_("Serial unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("Quantity"))
    reason = models.CharField(_("Reason"), max_length=200)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    requested_by = user_ref(_("Requested by"), blank=False)
    decided_by = user_ref(_("Decided by"))
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    movement = models.ForeignKey(
        Movement, verbose_name=_("Movement"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Write-off request")
        verbose_name_plural = _("Write-off request")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="spares_writeoff_qty_pos")]

    def __str__(self):
        return f"{self.station_id} {self.item_id} × {self.quantity}"


class Replenishment(models.Model):
    """A station's request for parts and spare machines (补货申请), its quantities suggested from usage and
    turnover; HQ approves it into a shipment in one action, or rejects it with a note."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved and shipped")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {Status.PENDING: (Status.APPROVED, Status.REJECTED), Status.APPROVED: (), Status.REJECTED: ()}

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="replenishments"
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    note = models.CharField(_("Note"), max_length=200, blank=True)
    requested_by = user_ref(_("Requested by"), blank=False)
    decided_by = user_ref(_("Decided by"))
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    shipment = models.OneToOneField(
        Shipment,
        verbose_name=_("Shipment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replenishment",
    )
    created_at = models.DateTimeField(_("Requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Replenishment request")
        verbose_name_plural = _("Replenishment request")
        constraints = [
            # one open request per station: a double-submitted form or a retried call cannot ask twice
            models.UniqueConstraint(
                fields=["station"], condition=Q(status="pending"), name="spares_replenishment_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.station} #{self.pk}"


class ReplenishmentLine(models.Model):
    replenishment = models.ForeignKey(
        Replenishment, verbose_name=_("Replenishment request"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("Quantity requested"))
    suggested = models.PositiveIntegerField(_("Quantity suggested"), default=0)
    shipped = models.PositiveIntegerField(_("Quantity shipped"), null=True, blank=True)

    class Meta:
        verbose_name = _("Replenishment line")
        verbose_name_plural = _("Replenishment line")
        constraints = [
            models.UniqueConstraint(fields=["replenishment", "item"], name="spares_replenishment_line_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="spares_replenishment_qty_pos"),
        ]

    def __str__(self):
        return f"{self.item_id} × {self.quantity}"


class StocktakeProposal(models.Model):
    """A counted quantity that differs from the ledger; HQ approves before any adjustment movement."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {Status.PENDING: (Status.APPROVED, Status.REJECTED), Status.APPROVED: (), Status.REJECTED: ()}

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("Station"), on_delete=models.PROTECT, related_name="stocktake_proposals"
    )
    item = models.ForeignKey(Item, verbose_name=_("Item"), on_delete=models.PROTECT, related_name="+")
    expected_quantity = models.IntegerField(_("Ledger quantity"))
    counted_quantity = models.PositiveIntegerField(_("Counted quantity"))
    source_ref = models.CharField(_("Source"), max_length=60)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    proposed_by = user_ref(_("Proposed by"), blank=False)
    decided_by = user_ref(_("Decided by"))
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    movement = models.ForeignKey(
        Movement, verbose_name=_("Movement"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Proposed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Stocktake proposal")
        verbose_name_plural = _("Stocktake proposal")
        constraints = [
            models.UniqueConstraint(fields=["source_ref", "station", "item"], name="spares_stocktake_unique_source")
        ]

    def __str__(self):
        return f"{self.station_id} {self.item_id}: {self.expected_quantity} → {self.counted_quantity}"

    @property
    def difference(self) -> int:
        return self.counted_quantity - self.expected_quantity
