"""Cross-cutting write services: the audit trail, the one state-transition helper, the one settings reader."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .models import AuditEvent


class InvalidTransition(ValidationError):
    """A move the state machine does not allow; its message is shown to the user as is."""

    def __init__(self, obj, from_state: str, to_state: str):
        labels = dict(type(obj).Status.choices)
        super().__init__(
            _("Cannot change from “%(from)s” to “%(to)s”.")
            % {"from": labels.get(from_state, from_state), "to": labels.get(to_state, to_state)},
            code="invalid_transition",
        )


def audit_record(
    *,
    obj: models.Model,
    verb: str,
    actor=None,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one audit event: who (actor), what (verb, states, data), when (now), why (note)."""
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        verb=verb,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        data=data or {},
    )


def apply_transition(
    obj: models.Model,
    *,
    to: str,
    actor,
    note: str = "",
    verb: str = "",
    field: str = "status",
    extra_update_fields: tuple[str, ...] = (),
    data: dict | None = None,
    require_note: bool = False,
) -> models.Model:
    """Move a row that the caller has already locked (select_for_update, inside a transaction).

    Checks ``type(obj).TRANSITIONS``, writes the audit event and saves with update_fields. Verb
    services add their own preconditions, then call this.
    """
    current = getattr(obj, field)
    if to not in type(obj).TRANSITIONS.get(current, ()):
        raise InvalidTransition(obj, current, to)
    if require_note and not note.strip():
        raise ValidationError(_("Please give a reason."), code="reason_required")
    setattr(obj, field, to)
    update_fields = [field, *extra_update_fields]
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        update_fields.append("updated_at")
    obj.save(update_fields=update_fields)
    audit_record(obj=obj, verb=verb or to, actor=actor, note=note, from_state=current, to_state=to, data=data)
    return obj


def ensure(condition: bool, message: str, code: str = "invalid", *, field: str | None = None) -> None:
    """Raise a user-facing ValidationError unless ``condition`` holds; on ``field`` when it names the input."""
    if not condition:
        error = ValidationError(message, code=code)
        raise ValidationError({field: error}) if field else error


def ensure_permitted(condition: bool, message: str = "") -> None:
    if not condition:
        raise PermissionDenied(message or _("You do not have permission to do this."))


def setting(name: str):
    """A business rule's number: settings.REPAIRNET, where each has its one default (a missing name raises)."""
    return settings.REPAIRNET[name]
