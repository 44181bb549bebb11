"""FilterSets of the stations lists, shared by each page and its API endpoint (repairnet.filters.page_rows)."""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from repairnet.models import Region
from repairnet.services import setting

from .models import Application, Assessment, Certificate, RevocationReview, Sanction, Station, Tier


class StationFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    tier = filters.ChoiceFilter(choices=Tier.choices)
    status = filters.ChoiceFilter(choices=Station.Status.choices)
    region = filters.ModelChoiceFilter(field_name="regions", queryset=Region.objects.all(), method="filter_region")
    understaffed = filters.BooleanFilter(
        label=_("Understaffed only"), field_name="understaffed_since", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Station
        fields = ["q", "tier", "status", "region", "is_remote", "understaffed"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_region(self, queryset, name, value):
        return queryset.filter(
            Q(regions=value) | Q(regions__parent=value) | Q(regions__parent__parent=value)
        ).distinct()


class ApplicationFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = filters.ChoiceFilter(choices=Application.Status.choices)
    tier_wanted = filters.ChoiceFilter(choices=Tier.choices)

    class Meta:
        model = Application
        fields = ["q", "status", "tier_wanted", "region"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(company_name__icontains=value))


class CertificateFilter(filters.FilterSet):
    SHOW = [("valid", _("Valid")), ("expiring", _("Expiring")), ("expired", _("Expired")), ("all", _("All"))]

    # a choice of existing stations: a number filter let an absurd id reach the database (a 500)
    station = filters.ModelChoiceFilter(field_name="user__station", queryset=Station.objects.all())
    expires_before = filters.DateFilter(field_name="expires_on", lookup_expr="lte")
    show = filters.ChoiceFilter(label=_("Show"), choices=SHOW, method="filter_show")

    class Meta:
        model = Certificate
        fields = ["user", "kind", "status", "station", "expires_before", "show"]

    def filter_show(self, queryset, name, value):
        on = timezone.localdate()
        if value == "expiring":
            horizon = on + datetime.timedelta(days=setting("CERT_EXPIRY_WARNING_DAYS"))
            return queryset.filter(status="valid", expires_on__gte=on, expires_on__lte=horizon)
        if value == "expired":
            return queryset.filter(status="valid", expires_on__lt=on)
        if value == "valid":
            return queryset.filter(status="valid", expires_on__gte=on)
        return queryset


class AssessmentFilter(filters.FilterSet):
    class Meta:
        model = Assessment
        fields = ["station", "year", "quarter", "status", "suggestion"]


class SanctionFilter(filters.FilterSet):
    # Bounded so an absurd year is a 400, not a date overflow.
    year = filters.NumberFilter(field_name="raised_at", lookup_expr="year", min_value=2000, max_value=2100)
    month = filters.NumberFilter(field_name="raised_at", lookup_expr="month", min_value=1, max_value=12)

    class Meta:
        model = Sanction
        fields = ["station", "status", "rule", "year", "month"]


class RevocationReviewFilter(filters.FilterSet):
    class Meta:
        model = RevocationReview
        fields = ["station", "status"]
