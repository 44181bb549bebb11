from django.contrib.contenttypes.models import ContentType

from . import roles
from .models import AuditEvent, Notification, OutboxMessage, Region, User


def audit_list_for_object(*, obj):
    return (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
        )
        .select_related("actor")
        .order_by("at", "pk")
    )


# model label ("tickets.ticket") → audit verb → its label; each area registers its own in AppConfig.ready()
_VERB_LABELS: dict[str, dict] = {}


def audit_verb_labels_register(*, model_label: str, labels: dict) -> None:
    """An area names the verbs it writes on its objects' history (e.g. ``parts_used`` → 使用备件)."""
    _VERB_LABELS.setdefault(model_label.lower(), {}).update(labels)


def audit_verb_label(*, obj, verb: str) -> str:
    """The verb as a person reads it on the history page; an unregistered verb as it was written."""
    return str(_VERB_LABELS.get(obj._meta.label_lower, {}).get(verb, verb))


def region_covering_ids(*, region: Region) -> list[int]:
    """The region and its ancestors: a station authorised for any of them covers ``region``."""
    return region.ancestor_ids()


def notification_list_for(*, user, unread_only: bool = False):
    """A person's own notifications, newest first (nobody reads anyone else's, whatever the role)."""
    qs = Notification.objects.filter(recipient_id=user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_recipient_ids(*, role_names, station_id: int | None = None) -> list[int]:
    """The active users holding any of ``role_names`` (of one station when given): whom an event concerns."""
    qs = User.objects.filter(is_active=True, groups__name__in=list(role_names))
    if station_id is not None:
        qs = qs.filter(station_id=station_id)
    return sorted(set(qs.values_list("pk", flat=True)))


def station_staff_ids(*, station_id: int) -> list[int]:
    return notification_recipient_ids(role_names=roles.STATION_ROLES, station_id=station_id)


def outbox_list(*, user):
    """Every outbox message, newest first, for HQ (station staff are refused before this: it names customers)."""
    roles.require(user, "outbox.view")
    return OutboxMessage.objects.select_related("user").order_by("-created_at", "-pk")
