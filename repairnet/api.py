"""API plumbing shared by every area: pagination, JSON errors, the role/scope permission class."""

import functools

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, pagination, permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import roles


def validated(serializer_class, request) -> dict:
    """The request body checked by ``serializer_class``; a 400 with the messages otherwise."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def service_action(body, answer, *, code=status.HTTP_200_OK, **action_options):
    """A POST action on one object, the one way every area writes it.

    The decorated method is ``fn(self, obj, actor, data) -> result`` and only calls the service. Around it:
    the object through the view's scoped queryset and object permission (404/403 first), the body checked by
    ``body`` (400; ``None`` for no body), then the result serialised by ``answer`` with the view's context.
    The service locks the row and checks its actor itself. A result of the view's own model is re-read
    through the queryset so its joins and annotations are there; a ``Response`` is passed through.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def view(self, request, pk=None, **kwargs):
            obj = self.get_object()
            data = validated(body, request) if body is not None else {}
            result = fn(self, obj, request.user, data, **kwargs)
            if isinstance(result, Response):
                return result
            queryset = self.get_queryset()
            if isinstance(result, queryset.model):
                # The action may move the row out of the actor's scope (a rejected dispatch): answer what was done.
                result = queryset.filter(pk=result.pk).first() or result
            return Response(answer(result, context=self.get_serializer_context()).data, status=code)

        view = action(detail=True, methods=["post"], **action_options)(view)
        return extend_schema(request=body, responses={code: answer})(view)

    return decorate


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in errs[0].messages] if errs else [] for field, errs in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
        return ""
    if isinstance(detail, list | tuple):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def exception_handler(exc, context):
    """Every error is JSON: {"detail": message, "errors": {field: [messages]}} — never an HTML 500 page."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": _first_message(errors) or _("Invalid input."), "errors": errors}
    elif not isinstance(data, dict) or "detail" not in data:
        response.data = {"detail": _first_message(data)}
    return response


def read_actions(rule: str, **actions: str) -> dict[str, str]:
    """``permission_actions`` of a view whose list and detail both need ``rule``, with its other actions."""
    return {"list": rule, "retrieve": rule, **actions}


class ActionPermission(permissions.BasePermission):
    """Maps each view action to a rule in repairnet.roles and checks station scope on objects.

    Views declare ``permission_actions = {"list": "tickets.view", "accept": "tickets.accept", ...}``;
    ``"*"`` is the fallback. An action with no entry is refused.
    """

    def _rule(self, view):
        table = getattr(view, "permission_actions", {})
        action = getattr(view, "action", None) or view.request.method.lower()
        return table.get(action) or table.get("*")

    def has_permission(self, request, view):
        rule = self._rule(view)
        if rule == "public":
            return True
        if not request.user or not request.user.is_authenticated:
            return False
        return bool(rule) and roles.can(request.user, rule)

    def has_object_permission(self, request, view, obj):
        rule = self._rule(view)
        if rule == "public":
            return True
        return roles.can(request.user, rule, obj)


def message_response(message: str, status: int = 200) -> Response:
    return Response({"detail": message}, status=status)
