"""One input discipline for every write, before any view sees it: text may not hold NUL or other control
characters (PostgreSQL refuses NUL; the others corrupt exports and PDFs), and no text field is longer than
INPUT_MAX_CHARS. Refused with a 400 in the user's language: JSON under /api/, the error page elsewhere.
Forms and serializers still check each field's own limits; this is the floor under all of them."""

import json
import re

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .services import setting

WRITES = ("POST", "PUT", "PATCH")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Fields that carry encoded data, not text: the drawn signature (a PNG data URL).
DATA_FIELDS = frozenset({"signature"})


def _strings(value, key=""):
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


def _fields(request):
    if request.content_type == "application/json":
        try:
            return list(_strings(json.loads(request.body or b"null")))
        except (ValueError, UnicodeDecodeError):
            return []  # the serializer answers a malformed body
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return [(k, v) for k, values in request.POST.lists() for v in values]
    return []


def problem(request) -> str | None:
    """What is wrong with the request's text, or None."""
    limit = setting("INPUT_MAX_CHARS")
    for key, text in _fields(request):
        if key in DATA_FIELDS:
            continue
        if CONTROL.search(text):
            return _("“%(field)s” contains control characters; remove them and send it again.") % {"field": key}
        if len(text) > limit:
            return _("“%(field)s” is longer than %(n)s characters.") % {"field": key, "n": limit}
    return None


class InputDisciplineMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in WRITES:
            message = problem(request)
            if message:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=400)
                return render(request, "errors/400.html", {"message": message}, status=400)
        return self.get_response(request)
