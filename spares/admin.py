from django.contrib import admin

from repairnet.admin import ReadOnlyAdmin

from .models import (
    DepositEntry,
    Item,
    ItemPrice,
    Location,
    Movement,
    Obligation,
    SerialUnit,
    Shipment,
    StockBalance,
    StocktakeProposal,
    WriteOff,
)


class ItemPriceInline(admin.TabularInline):
    model = ItemPrice
    extra = 1


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "compatible_models", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "compatible_models")
    inlines = [ItemPriceInline]


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "type", "item", "quantity", "serial_unit", "from_location", "to_location")
    list_filter = ("type",)
    search_fields = ("item__code", "serial_unit__serial", "ticket_number")
    list_select_related = ("item", "serial_unit", "from_location__station", "to_location__station")


@admin.register(DepositEntry)
class DepositEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "station", "kind", "signed_amount", "paid_on", "bank_reference", "note")
    list_filter = ("kind",)
    search_fields = ("station__code", "bank_reference")
    list_select_related = ("station",)


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    list_display = ("location", "item", "on_hand", "updated_at")
    list_select_related = ("location__station", "item")


@admin.register(SerialUnit)
class SerialUnitAdmin(ReadOnlyAdmin):
    list_display = ("serial", "item", "location", "is_defective", "ticket_number")
    search_fields = ("serial",)
    list_select_related = ("item", "location__station")


@admin.register(Location)
class LocationAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "station")


@admin.register(Shipment, Obligation, WriteOff, StocktakeProposal)
class DocumentAdmin(ReadOnlyAdmin):
    pass
