"""Reads of the inspections area, including the assessment feed for stations."""

import datetime
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from repairnet import roles

from .models import ChecklistItem, ChecklistSection, ChecklistTemplate, Inspection, ItemScore, Rectification


def template_current() -> ChecklistTemplate | None:
    """The newest version in use whose maximum scores total 100."""
    for template in ChecklistTemplate.objects.filter(is_active=True).order_by("-version"):
        if template.total_max_score() == 100:
            return template
    return None


def template_list() -> QuerySet[ChecklistTemplate]:
    items = ChecklistSection.objects.prefetch_related("items").order_by("position")
    return ChecklistTemplate.objects.prefetch_related(Prefetch("sections", queryset=items))


def inspection_list_visible_to(user) -> QuerySet[Inspection]:
    """HQ side sees every inspection; station staff see their own station's submitted ones only."""
    qs = Inspection.objects.select_related("station", "inspector")
    qs = roles.scope_queryset(user, qs)
    if roles.is_station_staff(user):
        qs = qs.filter(status=Inspection.Status.SUBMITTED)
    return qs


def inspection_get_visible(*, user, inspection_id: int, action: str = "inspections.view") -> Inspection:
    inspection = inspection_list_visible_to(user).filter(pk=inspection_id).first()
    if inspection is None:
        raise Http404
    roles.require(user, action, inspection)
    return inspection


def inspection_upcoming_for(*, inspector) -> QuerySet[Inspection]:
    return (
        Inspection.objects.filter(inspector=inspector, status=Inspection.Status.DRAFT)
        .select_related("station")
        .annotate(
            scored=Count("scores", filter=Q(scores__score__isnull=False)),
            items=Count("scores"),
        )
        .order_by("scheduled_for", "id")
    )


def inspection_lines(inspection: Inspection) -> list[ItemScore]:
    return list(inspection.scores.select_related("rectification").order_by("section_position", "position"))


def rectification_list_visible_to(user) -> QuerySet[Rectification]:
    qs = Rectification.objects.select_related("station", "item_score", "inspection", "inspection__inspector")
    qs = roles.scope_queryset(user, qs)
    return qs


def rectification_order_for_work(qs: QuerySet[Rectification]) -> QuerySet[Rectification]:
    """Open items first (overdue ones on top), then answered, then confirmed; by deadline within each."""
    rank = Case(
        When(status=Rectification.Status.OPEN, then=Value(0)),
        When(status=Rectification.Status.ANSWERED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(work_rank=rank).order_by("work_rank", "-is_overdue", "deadline", "id")


def rectification_get_visible(*, user, rectification_id: int) -> Rectification:
    rect = rectification_list_visible_to(user).filter(pk=rectification_id).first()
    if rect is None:
        raise Http404
    roles.require(user, "rectifications.view", rect)
    return rect


def latest_inspection_scores(*, station_ids, on: datetime.date) -> dict[int, Decimal]:
    """Assessment feed: each station's latest submitted inspection total on or before ``on``.

    Stations without one are left out (the assessment uses its neutral value).
    """
    rows = (
        Inspection.objects.filter(
            station_id__in=list(station_ids),
            status=Inspection.Status.SUBMITTED,
            scheduled_for__lte=on,
        )
        .order_by("station_id", "-scheduled_for", "-submitted_at", "-id")
        .values_list("station_id", "total")
    )
    result: dict[int, Decimal] = {}
    for station_id, total in rows:
        if station_id not in result:
            result[station_id] = Decimal(total)
    return result


def overview_latest_per_station() -> list[Inspection]:
    """The latest submitted inspection of every station (one query)."""
    rows = (
        Inspection.objects.filter(status=Inspection.Status.SUBMITTED)
        .select_related("station", "inspector")
        .annotate(open_rectifications=Count("rectifications", filter=~Q(rectifications__status="confirmed")))
        .order_by("station__code", "-scheduled_for", "-id")
    )
    latest: dict[int, Inspection] = {}
    for row in rows:
        latest.setdefault(row.station_id, row)
    return list(latest.values())


def overview_trend(*, station_id: int, limit: int = 12) -> list[dict]:
    rows = (
        Inspection.objects.filter(station_id=station_id, status=Inspection.Status.SUBMITTED)
        .order_by("-scheduled_for", "-id")
        .values("id", "scheduled_for", "total", "grade")[:limit]
    )
    return list(reversed(list(rows)))


def overview_most_failed_items(*, limit: int = 10, since: datetime.date | None = None) -> list[dict]:
    """Checklist items most often scored below their maximum across the network."""
    qs = ItemScore.objects.filter(inspection__status=Inspection.Status.SUBMITTED, score__lt=F("max_score"))
    if since:
        qs = qs.filter(inspection__scheduled_for__gte=since)
    return list(
        qs.values("item_code")
        .annotate(failures=Count("id"), stations=Count("inspection__station", distinct=True))
        .order_by("-failures", "item_code")[:limit]
    )


def item_texts_by_code(codes) -> dict[str, str]:
    """The latest wording of each item code (for the most-failed list)."""
    rows = ChecklistItem.objects.filter(code__in=list(codes)).order_by("section__template__version")
    return dict(rows.values_list("code", "text"))
