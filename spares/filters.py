"""FilterSets of the spares lists, shared by each page and its API endpoint (repairnet.filters.page_rows).

Each FilterSet takes the parameters the API took before (``filterset_fields``) and the page's own; both call
the same selector for their base rows, so one query string gives the same rows on the page and in the API.
"""

from django_filters import rest_framework as filters

from .models import Item, Movement, Obligation, Shipment, StocktakeProposal, WriteOff


class ItemFilter(filters.FilterSet):
    class Meta:
        model = Item
        fields = ["kind", "code"]


class ShipmentFilter(filters.FilterSet):
    class Meta:
        model = Shipment
        fields = ["status", "station"]


class MovementFilter(filters.FilterSet):
    class Meta:
        model = Movement
        fields = ["type", "item", "station", "ticket_id"]


class ObligationFilter(filters.FilterSet):
    class Meta:
        model = Obligation
        fields = ["status", "station"]


class WriteOffFilter(filters.FilterSet):
    class Meta:
        model = WriteOff
        fields = ["status", "station"]


class StocktakeFilter(filters.FilterSet):
    class Meta:
        model = StocktakeProposal
        fields = ["status", "station"]
