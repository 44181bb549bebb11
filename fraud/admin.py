from django.contrib import admin

from .models import FraudRule, FraudSignal


@admin.register(FraudRule)
class FraudRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "enabled", "threshold", "window_days", "weight", "updated_at")
    list_editable = ("enabled", "threshold", "window_days", "weight")
    readonly_fields = ("code",)

    def has_add_permission(self, request):
        return False  # one row per rule, created with its defaults

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FraudSignal)
class FraudSignalAdmin(admin.ModelAdmin):
    """Signals are shown here; they are decided on the signals page (through the services)."""

    list_display = ("rule", "key", "station", "weight", "status", "created_at")
    list_filter = ("rule", "status")
    search_fields = ("key", "ticket__number")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
