"""Bulk actions (many tickets dispatched to one station, certificates renewed, statements issued, sanctions
approved): the single-item service is called once per chosen row, each in its own transaction, so every rule
stays with its one owner. Each row's outcome is reported in the reader's language; one row's refusal does not
stop the others and is never a 500.

Scope: the ids are looked up through the list's own scoped queryset, so a row the user may not see is reported
as not found (its existence is not revealed) and the service, which checks role and scope itself, is never
called for it. A double submit is answered once: pages carry the one-time form token (``_once``) and the API
honours ``Idempotency-Key`` (``repairnet.idempotency``).
"""

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from .api import validated
from .forms import error_text
from .redirects import redirect_next

BULK_MAX = 200


@dataclass(frozen=True)
class BulkItemResult:
    id: int
    label: str
    ok: bool
    message: str


def bulk_apply(*, ids: list[int], queryset, call: Callable, label: Callable = str) -> list[BulkItemResult]:
    """``call(obj)`` for each id (in the order given, each once), through ``queryset`` (the user's scope)."""
    ids = list(dict.fromkeys(ids))
    found = queryset.in_bulk(ids)
    results = []
    for pk in ids:
        obj = found.get(pk)
        if obj is None:
            results.append(BulkItemResult(pk, f"#{pk}", False, _("Not found, or not yours to change.")))
            continue
        name = label(obj)
        try:
            call(obj)
        except ValidationError as exc:
            results.append(BulkItemResult(pk, name, False, error_text(exc)))
        except PermissionDenied:
            results.append(BulkItemResult(pk, name, False, _("You may not do this.")))
        else:
            results.append(BulkItemResult(pk, name, True, _("Done.")))
    return results


# --- pages -------------------------------------------------------------------------------------------------


class IdsField(forms.Field):
    """The rows ticked on a list page (``<input type="checkbox" name="ids" value="…">``)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Tick at least one row."),
        "invalid": gettext_lazy("Invalid selection."),
        "too_many": gettext_lazy("At most %(max)s rows at once."),
    }

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        try:
            ids = [int(v) for v in value]
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(pk < 1 or pk > 2**31 - 1 for pk in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if len(ids) > BULK_MAX:
            raise ValidationError(self.error_messages["too_many"] % {"max": BULK_MAX}, code="too_many")
        return ids


class BulkForm(forms.Form):
    ids = IdsField()


def bulk_page(request, *, form: forms.Form, queryset, call: Callable, default: str, label: Callable = str):
    """A list page's bulk POST: validate, ``bulk_apply``, one message per refused row and one for the rest,
    back to the list (``next``: the list with its filters)."""
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect_next(request, default)
    results = bulk_apply(ids=form.cleaned_data["ids"], queryset=queryset, call=call, label=label)
    done = sum(r.ok for r in results)
    if done:
        messages.success(request, _("%(done)s of %(total)s done.") % {"done": done, "total": len(results)})
    for r in results:
        if not r.ok:
            messages.error(request, f"{r.label}: {r.message}")
    return redirect_next(request, default)


# --- API -----------------------------------------------------------------------------------------------------


class BulkSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), min_length=1, max_length=BULK_MAX
    )


class BulkItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkItemSerializer(many=True)


def bulk_response(results: list[BulkItemResult]) -> Response:
    """200 with each row's outcome (a partial failure is an answer, not an error)."""
    done = sum(r.ok for r in results)
    return Response(
        {"succeeded": done, "failed": len(results) - done, "results": [asdict(r) for r in results]}, status=200
    )


def bulk_action(body, *, url_path: str, label: Callable = str):
    """A POST ``<list>/<url_path>/`` API action doing ``fn(self, obj, actor, data)`` for each of ``ids``.

    The rows come through the view's scoped ``get_queryset()``, the body is checked by ``body`` (a
    ``BulkSerializer``; 400 otherwise), the role by the view's ``permission_actions`` (403 first)."""

    def decorate(fn):
        @functools.wraps(fn)
        def view(self, request, **kwargs):
            data = validated(body, request)
            results = bulk_apply(
                ids=data["ids"],
                queryset=self.get_queryset(),
                call=lambda obj: fn(self, obj, request.user, data),
                label=label,
            )
            return bulk_response(results)

        view = action(detail=False, methods=["post"], url_path=url_path)(view)
        return extend_schema(request=body, responses={200: BulkResultSerializer})(view)

    return decorate
