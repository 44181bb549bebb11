"""FilterSets of the ticket-area lists, shared by each page and its API endpoint (repairnet.filters.page_rows)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from . import selectors
from .models import Callback, Complaint, DailyReport, Ticket


class TicketFilter(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        max_length=100,
        help_text=_("Ticket number, serial or phone prefix; name or address"),
    )

    class Meta:
        model = Ticket
        fields = ["q", "status", "station", "priority", "service_mode", "in_warranty", "is_repeat_repair"]

    def filter_q(self, queryset, name, value):
        return selectors.ticket_search(queryset, value)


class CallbackFilter(filters.FilterSet):
    class Meta:
        model = Callback
        fields = ["status", "outcome"]


class ComplaintFilter(filters.FilterSet):
    overdue = filters.BooleanFilter(label=_("Past a deadline"), method="filter_overdue")

    class Meta:
        model = Complaint
        fields = ["status", "verdict", "station", "technician", "overdue"]

    def filter_overdue(self, queryset, name, value):
        """Escalated by the deadline job: its acknowledgement or resolution passed the deadline."""
        late = Q(ack_overdue_at__isnull=False) | Q(resolve_overdue_at__isnull=False)
        return queryset.filter(late) if value else queryset.exclude(late)


class DailyReportFilter(filters.FilterSet):
    class Meta:
        model = DailyReport
        fields = ["day", "station", "status", "is_late"]
