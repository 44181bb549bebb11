from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from repairnet.admin import ReadOnlyAdmin
from repairnet.forms import error_text
from repairnet.phones import phone_display, phone_prefix

from . import selectors, services
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
    list_display = ["name", "phone_shown", "region"]
    search_fields = ["name"]
    raw_id_fields = ["region"]
    actions = ["merge_duplicates"]

    @admin.display(description=gettext_lazy("Phone"), ordering="phone")
    def phone_shown(self, customer):
        return phone_display(customer.phone)

    def get_search_results(self, request, queryset, search_term):
        """A number in any format finds the customers whose phones start with it; other text searches names."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        prefix = phone_prefix(search_term)
        if prefix is not None:
            found |= queryset.filter(selectors.customer_phone_match(prefix))
        return found, may_have_duplicates

    @admin.action(description=gettext_lazy("Merge into the older customer of the same name and number"))
    def merge_duplicates(self, request, queryset):
        try:
            merged = services.customers_merge_duplicates(
                actor=request.user,
                reason=_("Merged in the admin: the same name and phone number."),
                ids=list(queryset.values_list("pk", flat=True)),
            )
        except ValidationError as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, _("%(n)s duplicate customer(s) merged.") % {"n": merged}, messages.SUCCESS)


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
