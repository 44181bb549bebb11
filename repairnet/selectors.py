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


def region_covering_ids(*, region: Region) -> list[int]:
    """The region and its ancestors: a station authorised for any of them covers ``region``."""
    return region.ancestor_ids()
