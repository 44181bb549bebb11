from django.contrib.contenttypes.models import ContentType

from .models import AuditEvent, Region


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
