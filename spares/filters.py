"""FilterSets of the spares lists, shared by each page and its API endpoint (repairnet.filters.page_rows).

Each FilterSet takes the parameters the API took before (``filterset_fields``) and the page's own; both call
the same selector for their base rows, so one query string gives the same rows on the page and in the API.
"""

from django_filters import rest_framework as filters
from django_filters.filterset import filterset_factory

from .models import Item, Movement, Obligation, Replenishment, Shipment, StocktakeProposal, WriteOff

# Each an exact match on the model's own fields (what ``filterset_fields`` gave the API).
ItemFilter = filterset_factory(Item, filters.FilterSet, ["kind", "code"])
ShipmentFilter = filterset_factory(Shipment, filters.FilterSet, ["status", "station"])
MovementFilter = filterset_factory(Movement, filters.FilterSet, ["type", "item", "station", "ticket_id"])
ObligationFilter = filterset_factory(Obligation, filters.FilterSet, ["status", "station"])
WriteOffFilter = filterset_factory(WriteOff, filters.FilterSet, ["status", "station"])
StocktakeFilter = filterset_factory(StocktakeProposal, filters.FilterSet, ["status", "station"])
ReplenishmentFilter = filterset_factory(Replenishment, filters.FilterSet, ["status", "station"])
