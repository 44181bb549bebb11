"""The notification outbox (通知发件箱): every customer- or station-facing event becomes rows here, in the event's
own transaction (``enqueue``); the delivery sweep (``outbox_deliver_due``, a Celery task run by beat every
minute and kicked after each commit) sends them through the configured channels.

So a request never waits on a gateway, a rolled-back action sends nothing, and a gateway that is down costs
retries, not the action. Delivery claims each row with ``SELECT … FOR UPDATE SKIP LOCKED`` and a guarded status
move, so two sweeps at once never send one message twice; a sweep whose worker died leaves rows "sending",
which the next sweep hands back after ``OUTBOX_SENDING_TIMEOUT_SECONDS``."""

import datetime
import functools
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.template import engines
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import MessageOptOut, MessageTemplate, OutboxChannel, OutboxEvent, OutboxMessage, User
from .services import setting

log = logging.getLogger("repairnet.outbox")
M = OutboxMessage.Status
CUSTOMER_CHANNELS = (OutboxChannel.SMS, OutboxChannel.WECHAT)
OPTED_OUT = "opted out"


@functools.cache
def _channel_class(path: str):
    return import_string(path)


def channel_for(name: str):
    """The configured channel object for ``name`` (settings.OUTBOX_CHANNELS; a missing one is an error)."""
    return _channel_class(settings.OUTBOX_CHANNELS[name])()


def enqueue(
    *,
    event: str,
    key: str,
    user_ids=(),
    phones=(),
    context: dict | None = None,
    url: str = "",
    now: datetime.datetime | None = None,
) -> int:
    """Write the messages of one event: in-app (and e-mail, for those with an address) to each user, SMS and
    WeChat to each customer phone. Call it inside the action's transaction. ``key`` names the event (e.g.
    ``ticket_logged:42``): a retried action writes nothing more. Returns how many rows this call added.

    An opted-out phone's messages are recorded as skipped; an immediate channel (in-app) is delivered here."""
    if event not in OutboxEvent.values:
        raise ValueError(f"unknown outbox event {event!r}")
    if not key or len(key) > 150:
        raise ValueError(f"an outbox key is 1–150 characters: {key!r}")
    now = now or timezone.now()
    context = context or {}
    rows = []
    users = User.objects.filter(pk__in=set(user_ids), is_active=True).values_list("pk", "email").order_by("pk")
    for uid, email in users:
        rows.append(_row(event, key, OutboxChannel.IN_APP, f"user:{uid}", "", context, url, now, user_id=uid))
        if email:
            rows.append(_row(event, key, OutboxChannel.EMAIL, f"user:{uid}", email, context, url, now, user_id=uid))
    phones = sorted({p for p in phones if p})
    for phone in phones:
        for channel in CUSTOMER_CHANNELS:
            rows.append(_row(event, key, channel, f"phone:{phone}", phone, context, url, now))
    if not rows:
        return 0
    added = _insert(rows)  # one statement: a retried action's rows conflict and are not returned
    immediate = [pk for pk, channel, status in added if status == M.PENDING and channel_for(channel).immediate]
    if immediate:
        for message in OutboxMessage.objects.filter(pk__in=immediate).order_by("pk"):
            _deliver(message, now=now)
    if any(status == M.PENDING and pk not in immediate for pk, _channel, status in added):
        transaction.on_commit(_kick)
    return len(added)


def _insert(rows: list[OutboxMessage]) -> list[tuple[int, str, str]]:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING`` the rows, an opted-out phone's as skipped (decided in the same
    statement, so an event costs its action one query): (id, channel, status) of the rows this call added."""
    fields = [f for f in OutboxMessage._meta.concrete_fields if not f.primary_key]
    q = connection.ops.quote_name
    optout = q(MessageOptOut._meta.db_table)
    values, params = [], []
    for row in rows:
        row.created_at = row.next_attempt_at
        parts = []
        for field in fields:
            value = field.get_db_prep_save(getattr(row, field.attname), connection)
            if field.name in ("status", "last_error") and row.address and row.recipient.startswith("phone:"):
                skipped = M.SKIPPED.value if field.name == "status" else OPTED_OUT
                parts.append(f"CASE WHEN EXISTS (SELECT 1 FROM {optout} WHERE phone = %s) THEN %s ELSE %s END")
                params += [row.address, skipped, value]
            else:
                parts.append("%s")
                params.append(value)
        values.append(f"({', '.join(parts)})")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(OutboxMessage._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
            f"VALUES {', '.join(values)} ON CONFLICT DO NOTHING RETURNING id, channel, status",
            params,
        )
        return cursor.fetchall()


def _row(event, key, channel, recipient, address, context, url, now, user_id=None) -> OutboxMessage:
    return OutboxMessage(
        event=event,
        key=key,
        channel=channel,
        recipient=recipient,
        address=address,
        user_id=user_id,
        context=context,
        url=url,
        next_attempt_at=now,
    )


def _kick():
    from .tasks import outbox_deliver_task  # the tasks module imports this one

    outbox_deliver_task.delay()


# --- delivery ------------------------------------------------------------------------------------------------


def render(message: OutboxMessage) -> tuple[str, str] | None:
    """The subject and text of a message from its event's template for its channel, or None without one."""
    template = MessageTemplate.objects.filter(event=message.event, channel=message.channel, is_active=True).first()
    if template is None:
        return None
    engine = engines["django"]
    context = {**message.context, "url": message.url}
    subject = " ".join(engine.from_string(template.subject).render(context).split())
    return subject, engine.from_string(template.body).render(context).strip()


def outbox_recover(*, now: datetime.datetime | None = None) -> int:
    """Hand back the rows a dead worker left "sending" (claimed longer ago than the timeout): pending again for
    the next attempt, or failed when that was the last. Returns how many."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=setting("OUTBOX_SENDING_TIMEOUT_SECONDS"))
    rows = OutboxMessage.objects.filter(status=M.SENDING, locked_at__lt=stale)
    error = "worker lost while sending"
    last = rows.filter(attempts__gte=setting("OUTBOX_MAX_ATTEMPTS")).update(
        status=M.FAILED, locked_at=None, last_error=error
    )
    return last + rows.update(status=M.PENDING, locked_at=None, next_attempt_at=now, last_error=error)


def _claim(*, now: datetime.datetime, limit: int) -> list[OutboxMessage]:
    """Take up to ``limit`` due rows for this sweep: rows another sweep holds are skipped, and each move from
    pending to sending is guarded in SQL, so a row is claimed once whatever runs at the same time."""
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=M.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        claimed = []
        for pk in ids:
            if OutboxMessage.objects.filter(pk=pk, status=M.PENDING).update(status=M.SENDING, locked_at=now):
                claimed.append(pk)
    return list(OutboxMessage.objects.filter(pk__in=claimed).order_by("pk"))


def outbox_deliver_due(*, now: datetime.datetime | None = None, limit: int = 200) -> dict:
    """The delivery sweep: recover abandoned rows, then send what is due. Returns counts by outcome."""
    now = now or timezone.now()
    counts = {"recovered": outbox_recover(now=now), M.SENT: 0, M.PENDING: 0, M.FAILED: 0, M.SKIPPED: 0}
    for message in _claim(now=now, limit=limit):
        counts[_deliver(message, now=now)] += 1
    return counts


def _deliver(message: OutboxMessage, *, now: datetime.datetime) -> str:
    """Send one claimed (or, for an immediate channel, just written) message and record the outcome."""
    attempts = message.attempts + 1
    if message.status == M.SENDING:  # only the sweep that claimed it records it
        done = Q(pk=message.pk, status=M.SENDING, locked_at=message.locked_at)
    else:
        done = Q(pk=message.pk, status=M.PENDING)
    if message.address and MessageOptOut.objects.filter(phone=message.address).exists():
        OutboxMessage.objects.filter(done).update(status=M.SKIPPED, locked_at=None, last_error=OPTED_OUT)
        return M.SKIPPED
    channel = channel_for(message.channel)
    if channel.needs_template:
        text = render(message)
        if text is None:
            OutboxMessage.objects.filter(done).update(status=M.SKIPPED, locked_at=None, last_error="no template")
            return M.SKIPPED
    else:
        text = ("", "")
    try:
        channel.send(message, subject=text[0], body=text[1])
    except Exception as exc:  # noqa: BLE001 - any gateway error is recorded and retried
        if channel.immediate:
            raise  # a write in the action's own transaction: fail the action rather than half do it
        log.warning("outbox %s failed (attempt %s): %r", message.pk, attempts, exc)
        if attempts >= setting("OUTBOX_MAX_ATTEMPTS"):
            status, next_at = M.FAILED, message.next_attempt_at
        else:
            delay = setting("OUTBOX_RETRY_SECONDS") * 2 ** (attempts - 1)
            status, next_at = M.PENDING, now + datetime.timedelta(seconds=delay)
        OutboxMessage.objects.filter(done).update(
            status=status, attempts=attempts, next_attempt_at=next_at, locked_at=None, last_error=repr(exc)[:500]
        )
        return status
    OutboxMessage.objects.filter(done).update(
        status=M.SENT, attempts=attempts, sent_at=now, locked_at=None, last_error="", subject=text[0], body=text[1]
    )
    return M.SENT
