"""FilterSets of the settlement lists, shared by each page and its API endpoint (repairnet.filters.page_rows)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from . import services
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
    station = filters.NumberFilter(label=_("Station"), field_name="station_id")

    class Meta:
        model = Statement
        fields = ["month", "status", "station"]
