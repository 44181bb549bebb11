"""The data version: a token in the shared cache that changes after every commit that wrote to the database,
and the response cache that keys on it (``cached_list``).

Every statement Django runs passes ``_watch`` (an execute wrapper on every connection): the ORM, bulk updates
and raw SQL alike, so no write path can forget to change the version. A write changes it when its transaction
commits (at once in autocommit). A cached answer is keyed by the version it was built under, so after a commit
it is never served again: a reader that read the old version before the commit either saw the old rows or
raced the commit itself. A connection holding uncommitted writes bypasses the cache, so a transaction reads
its own writes. Writes to the tables listed in ``UNRELATED`` (audit, sessions, logins, jobs) change nothing a
cached answer shows and leave the version alone.

The version needs a cache every process shares (Redis): ``RESPONSE_CACHE_SECONDS`` is 0, the cache off,
without ``REDIS_URL``. When the cache cannot be reached, answers are built as if there were none.
"""

import datetime
import hashlib
import logging
import re
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.utils import timezone, translation

log = logging.getLogger("repairnet.dataversion")

KEY = "dataversion"
UNRELATED = (
    "repairnet_auditevent", "repairnet_idempotentrequest", "repairnet_jobrun", "repairnet_passwordresetrequest",
    "django_session", "django_admin_log", "django_celery_beat_", "axes_", "knox_authtoken",
    "tickets_stationdaystats",
)  # fmt: skip
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET ", "SHOW", "EXPLAIN", "PRAGMA")
_TARGET = re.compile(r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.IGNORECASE)


def _changes_data(sql: str) -> bool:
    """Whether ``sql`` may change what a cached answer shows: any write, unless every table it writes is
    unrelated. A write whose target cannot be read (TRUNCATE, COPY, DO …) counts."""
    if sql.lstrip()[:10].upper().startswith(_READS):
        return False
    targets = _TARGET.findall(sql)
    return not targets or not all(t.split(".")[-1].startswith(UNRELATED) for t in targets)


def bump() -> None:
    """A new version: every answer cached so far is stale. A failure is logged, not raised: the write it
    follows has committed; cached answers then live at most RESPONSE_CACHE_SECONDS."""
    try:
        cache.set(KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        log.exception("the data version could not be changed; cached answers may be stale for a while")


def _pending(connection) -> bool:
    """Whether ``connection`` holds writes that will change the version on commit."""
    return connection.in_atomic_block and any(func is bump for _sids, func, _robust in connection.run_on_commit)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and _changes_data(sql):
        connection = context["connection"]
        if not connection.in_atomic_block:
            bump()
        elif not _pending(connection):
            connection.on_commit(bump)
    return result


@receiver(connection_created)
def _install(sender, connection, **kwargs):
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def current() -> str | None:
    """The version now, or None when there is no shared cache or it cannot be reached (then: do not cache)."""
    if not settings.RESPONSE_CACHE_SECONDS:
        return None
    try:
        version = cache.get(KEY)
        if version is None:
            cache.add(KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(KEY)
    except Exception:
        log.warning("the data version could not be read; answering without the cache", exc_info=True)
        return None
    return version


def cached_list(view, request, build):
    """A DRF list answered from the cache when the data and the clock give the same answer.

    ``build()`` returns ``(response, valid_until)``: the view's normal answer and the instant its content would
    read differently because of the clock alone (an SLA turning late, a late count gaining a minute), or None.
    The entry is keyed by the data version, the user, their time zone and language, and the full address, and
    kept at most RESPONSE_CACHE_SECONDS. Only JSON answers to GET are cached.
    """
    from django.db import connection
    from django.http import HttpResponse

    usable = request.method == "GET" and request.accepted_renderer.format == "json" and not _pending(connection)
    if not settings.RESPONSE_CACHE_SECONDS or not usable:
        return build()[0]
    parts = (
        str(request.user.pk), timezone.get_current_timezone_name(), translation.get_language() or "",
        request.build_absolute_uri(),
    )  # fmt: skip
    key = f"answer:{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()}"
    now = timezone.now()
    try:  # the version and the entry in one round trip; the entry counts only if built under this version
        found = cache.get_many([KEY, key])
    except Exception:
        log.warning("the data version could not be read; answering without the cache", exc_info=True)
        return build()[0]
    version, hit = found.get(KEY) or current(), found.get(key)
    if version is None:
        return build()[0]
    if hit is not None and hit["version"] == version and hit["from"] <= now < hit["until"]:
        return HttpResponse(hit["content"], content_type=hit["type"])
    response, until = build()
    if response.status_code != 200:
        return response
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = view.get_renderer_context()
    response.render()
    cap = now + datetime.timedelta(seconds=settings.RESPONSE_CACHE_SECONDS)
    until = min(until, cap) if until else cap
    seconds = int((until - timezone.now()).total_seconds())
    if seconds >= 1:
        entry = {"version": version, "content": response.content, "type": response["Content-Type"]}
        entry |= {"from": now, "until": until}
        try:
            cache.set(key, entry, timeout=seconds)
        except Exception:
            log.warning("an answer could not be cached", exc_info=True)
    return response
