from django.contrib import admin

from repairnet.admin import ReadOnlyAdmin

from .models import (
    Adjustment,
    ExcludedTicket,
    FeeRule,
    OverdueReminder,
    SettlementRun,
    Statement,
    StatementLine,
    WithheldTicket,
)


@admin.register(FeeRule)
class FeeRuleAdmin(admin.ModelAdmin):
    """Fee rules are configuration: editable, each with its validity period."""

    list_display = ("kind", "amount", "remote_allowance", "effective_from", "effective_to", "note")
    list_filter = ("kind",)


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin):
    list_display = ("month", "status", "progress", "created_at", "finished_at", "drafts_count", "lines_count")


class LineInline(admin.TabularInline):
    model = StatementLine
    fields = ("ticket_number", "completed_at", "fee_kind", "fee", "allowance", "amount", "basis")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


class AdjustmentInline(admin.TabularInline):
    model = Adjustment
    fields = ("kind", "amount", "description", "source_ref")
    readonly_fields = fields
    extra = 0
    can_delete = False


class ExcludedInline(admin.TabularInline):
    model = ExcludedTicket
    fields = ("ticket_number", "completed_at", "reason", "complaint", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("month", "station", "status", "lines_count", "gross", "deductions", "net")
    list_filter = ("status", "month")
    search_fields = ("station__code", "station__name")
    inlines = [LineInline, AdjustmentInline, ExcludedInline]


@admin.register(WithheldTicket)
class WithheldTicketAdmin(ReadOnlyAdmin):
    """Tickets never paid again (approved fabricated or duplicate-ticket records); written by the run only."""

    list_display = ("ticket", "station", "sanction", "created_at")
    search_fields = ("ticket__number", "station__code")


@admin.register(OverdueReminder)
class OverdueReminderAdmin(ReadOnlyAdmin):
    """What the daily reminder e-mailed finance, one row per statement and day."""

    list_display = ("day", "statement", "due_on", "status", "sent_at")
    list_filter = ("day",)
