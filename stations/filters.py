"""django-filter FilterSets of the stations API."""

import django_filters
from django.db.models import Q

from repairnet.models import Region

from .models import Application, Assessment, Certificate, Sanction, Station, Tier


class StationFilter(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    status = django_filters.ChoiceFilter(choices=Station.Status.choices)
    region = django_filters.ModelChoiceFilter(
        field_name="regions", queryset=Region.objects.all(), method="filter_region"
    )
    understaffed = django_filters.BooleanFilter(field_name="understaffed_since", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Station
        fields = ["tier", "status", "region", "is_remote"]

    def filter_region(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(regions=value) | Q(regions__parent=value) | Q(regions__parent__parent=value)
        ).distinct()


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Application.Status.choices)
    tier_wanted = django_filters.ChoiceFilter(choices=Tier.choices)

    class Meta:
        model = Application
        fields = ["status", "tier_wanted", "region"]


class CertificateFilter(django_filters.FilterSet):
    station = django_filters.NumberFilter(field_name="user__station")
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte")

    class Meta:
        model = Certificate
        fields = ["user", "kind", "status", "station", "expires_before"]


class AssessmentFilter(django_filters.FilterSet):
    class Meta:
        model = Assessment
        fields = ["station", "year", "quarter", "status", "suggestion"]


class SanctionFilter(django_filters.FilterSet):
    # Bounded so an absurd year is a 400, not a date overflow.
    year = django_filters.NumberFilter(field_name="raised_at", lookup_expr="year", min_value=2000, max_value=2100)
    month = django_filters.NumberFilter(field_name="raised_at", lookup_expr="month", min_value=1, max_value=12)

    class Meta:
        model = Sanction
        fields = ["station", "status", "rule", "year", "month"]
