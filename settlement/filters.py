"""FilterSets of the settlement lists, shared by each page and its API endpoint (repairnet.filters.page_rows)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from stations.models import Station

from . import selectors, services
from .models import Statement


class MonthField(forms.CharField):
    """'YYYY-MM' → the month's first day; a malformed or future month is a form error (a 400 in the API)."""

    def to_python(self, value):
        value = super().to_python(value)
        return services.parse_month(value) if value else None


class MonthFilter(filters.CharFilter):
    field_class = MonthField


class StatementFilter(filters.FilterSet):
    month = MonthFilter(label=_("Month"), help_text="YYYY-MM")
    status = filters.ChoiceFilter(choices=Statement.Status.choices)
    station = filters.ModelChoiceFilter(label=_("Station"), queryset=Station.objects.all())
    overdue = filters.BooleanFilter(
        label=_("Overdue"),
        method="filter_overdue",
        help_text=_("Past its due date and not yet approved or paid."),
    )

    class Meta:
        model = Statement
        fields = ["month", "status", "station", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = selectors.overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
