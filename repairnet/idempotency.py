"""Nothing books twice on a retry (issue: double submits).

API: a write sent with an ``Idempotency-Key`` header is done once per caller and key. The same key and body
within ``IDEMPOTENCY_HOURS`` answer the first response again; the same key with another body is a 422; while
the first is still being done, a 409.

Pages: ``static/js/forms.js`` gives every POST form a one-time token (``_once``) when it is shown. A second
submit of the same form (a double click, a browser resend) is not done again: it is sent to where the first
went, with a message.

The database is the record (``IdempotentRequest``, unique per caller and key), so it holds across web nodes,
and two identical requests at the same moment are one insert that wins and one that does not.
"""

import datetime
import hashlib

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotentRequest
from .services import setting

WRITES = ("POST", "PUT", "PATCH", "DELETE")
HEADER = "HTTP_IDEMPOTENCY_KEY"
FORM_FIELD = "_once"


def _caller(request) -> str:
    """Who is asking, before DRF authenticates: the token, else the session's user, else the session."""
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth:
        return "auth:" + hashlib.sha256(auth.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "session:" + (request.session.session_key or "") if hasattr(request, "session") else "anonymous"


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":  # uploads are not read into memory a second time
        digest.update(request.META.get("CONTENT_LENGTH", "").encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _claim(*, scope: str, key: str, fingerprint: str):
    """(row, fresh): the row for this key, created now when ``fresh``. A key older than IDEMPOTENCY_HOURS is
    forgotten when it is sent again (the daily purge forgets the rest), so the usual first use is one insert."""
    since = timezone.now() - datetime.timedelta(hours=setting("IDEMPOTENCY_HOURS"))
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(scope=scope, key=key, fingerprint=fingerprint), True
        except IntegrityError:
            row = IdempotentRequest.objects.filter(scope=scope, key=key).first()
            if row is not None and row.created_at >= since:
                return row, False
            if row is not None:  # expired: forgotten, and this request claims the key anew
                IdempotentRequest.objects.filter(pk=row.pk, created_at__lt=since).delete()
    return IdempotentRequest.objects.filter(scope=scope, key=key).first(), False


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in WRITES:
            return self.get_response(request)
        if request.path.startswith("/api/") and request.META.get(HEADER):
            return self._api(request, request.META[HEADER][:100])
        if request.method == "POST" and request.content_type != "application/json":
            token = request.POST.get(FORM_FIELD, "")[:100]
            if token:
                return self._page(request, token)
        return self.get_response(request)

    def _api(self, request, key):
        fingerprint = _fingerprint(request)
        row, fresh = _claim(scope=_caller(request), key=key, fingerprint=fingerprint)
        if row is None:  # expired and removed between the two statements: treat as new
            return self.get_response(request)
        if not fresh:
            if row.fingerprint != fingerprint:
                body = {"detail": _("This Idempotency-Key was used for a different request.")}
                return JsonResponse(body, status=422)
            if row.status is None:
                body = {"detail": _("A request with this Idempotency-Key is still being processed.")}
                return JsonResponse(body, status=409)
            replay = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = self.get_response(request)
        if response.status_code >= 500 or getattr(response, "streaming", False):
            row.delete()  # not done: a retry may do it
            return response
        row.status, row.body, row.content_type = (
            response.status_code,
            response.content,
            response.get("Content-Type", ""),
        )
        row.save(update_fields=["status", "body", "content_type"])
        return response

    def _page(self, request, token):
        row, fresh = _claim(scope=_caller(request), key=f"form:{token}", fingerprint="")
        if row is None:
            return self.get_response(request)
        if not fresh:
            messages.info(request, _("This form was already sent; it was not sent again."))
            return HttpResponseRedirect(row.location or request.get_full_path())
        response = self.get_response(request)
        if response.status_code in (301, 302, 303) and response.get("Location"):
            row.status, row.location = response.status_code, response["Location"][:500]
            row.save(update_fields=["status", "location"])
        else:  # the form was shown again (an error): the same token may be sent once more
            row.delete()
        return response


def idempotency_purge(*, now: datetime.datetime | None = None) -> int:
    """Daily: forget keys older than IDEMPOTENCY_HOURS."""
    since = (now or timezone.now()) - datetime.timedelta(hours=setting("IDEMPOTENCY_HOURS"))
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=since).delete()
    return deleted
