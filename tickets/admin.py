from django.contrib import admin

from repairnet.admin import ReadOnlyAdmin

from .models import (
    Callback,
    Complaint,
    Customer,
    DailyReport,
    Device,
    DeviceModel,
    Holiday,
    SlaBreach,
    SlaPolicy,
    StationDayStats,
    Ticket,
)


@admin.register(DeviceModel)
class DeviceModelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "warranty_months", "manufacture_grace_months", "serial_regex", "is_active"]
    list_editable = ["warranty_months", "manufacture_grace_months", "is_active"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["priority", "leg", "minutes", "effective_from"]
    list_filter = ["priority", "leg"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "region"]
    search_fields = ["phone", "name"]
    raw_id_fields = ["region"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["serial", "model", "customer", "purchase_date", "has_invoice"]
    search_fields = ["serial"]
    raw_id_fields = ["customer"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "priority", "station", "received_at", "completed_at"]
    list_filter = ["status", "priority", "service_mode"]
    search_fields = ["number"]
    list_select_related = ["station"]


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "leg", "due_at", "recorded_at"]


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "status", "due_at", "attempts", "outcome"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["pk", "ticket", "station", "category", "status", "verdict"]


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    list_display = ["day", "station", "status", "is_late", "received", "completed"]


@admin.register(StationDayStats)
class StationDayStatsAdmin(ReadOnlyAdmin):
    """The dashboard's per-station daily counts: kept by the services, recounted nightly (dashboard_rebuild)."""

    list_display = ["day", "station", "completed", "breached", "repeated", "called", "rated", "upheld_complaints"]
    list_filter = ["day"]
    raw_id_fields = ["station"]
