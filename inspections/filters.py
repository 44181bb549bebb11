"""FilterSets of the inspections lists, shared by each page and its API endpoint (repairnet.filters.page_rows)."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from stations.models import Station

from .models import Inspection, Rectification


class InspectionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Inspection.Status.choices)
    # A choice of existing stations, like every other list's: a number filter let an absurd id reach the database.
    station = filters.ModelChoiceFilter(label=_("Station"), queryset=Station.objects.all())

    class Meta:
        model = Inspection
        fields = ["status", "station"]


class RectificationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Rectification.Status.choices)
    overdue = filters.BooleanFilter(label=_("Overdue only"), method="filter_overdue")
    mine = filters.BooleanFilter(label=_("Mine only"), method="filter_mine")

    class Meta:
        model = Rectification
        fields = ["status", "overdue", "mine"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(is_overdue=True) if value else queryset

    def filter_mine(self, queryset, name, value):
        """Items raised on inspections the requesting user is the (assigned) inspector of."""
        return queryset.filter(inspection__inspector=self.request.user) if value else queryset
