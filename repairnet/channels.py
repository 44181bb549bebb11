"""Delivery channels of the notification outbox, chosen by ``settings.OUTBOX_CHANNELS`` (dotted paths).

A channel's ``send`` delivers one message or raises: the delivery sweep records the error and retries later.
Development and tests use the console/file channels for SMS and WeChat; e-mail goes through Django's e-mail
backend (console in DEBUG, SMTP or django-anymail in production, as ``EMAIL_URL`` says); in-app writes the
``Notification`` row. A production SMS or WeChat gateway is one more class with the same ``send``."""

import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from .models import OutboxMessage
from .services import notification_raise

log = logging.getLogger("repairnet.outbox")


class Channel:
    # True when delivering is a write to our own database: it is done in the event's own transaction
    immediate = False
    # False when the channel composes its own text (in-app notices are shown in the reader's language)
    needs_template = True

    def send(self, message: OutboxMessage, *, subject: str, body: str) -> None:
        raise NotImplementedError


class ConsoleChannel(Channel):
    """Writes each message as one JSON line to ``OUTBOX_FILE`` (or the log when unset): what a gateway would
    have been asked to send, for development and tests."""

    def send(self, message: OutboxMessage, *, subject: str, body: str) -> None:
        line = json.dumps(
            {
                "at": timezone.now().isoformat(),
                "channel": message.channel,
                "to": message.address,
                "event": message.event,
                "key": message.key,
                "subject": subject,
                "body": body,
            },
            ensure_ascii=False,
        )
        path = getattr(settings, "OUTBOX_FILE", "")
        if path:
            with Path(path).open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        else:
            log.info("outbox %s", line)


class ConsoleSmsChannel(ConsoleChannel):
    pass


class ConsoleWeChatChannel(ConsoleChannel):
    pass


class EmailChannel(Channel):
    def send(self, message: OutboxMessage, *, subject: str, body: str) -> None:
        EmailMessage(subject, body, None, [message.address]).send()


class InAppChannel(Channel):
    """The in-app notice (站内通知): one ``Notification`` per recipient and event key, so delivering twice adds
    nothing."""

    immediate = True
    needs_template = False

    def send(self, message: OutboxMessage, *, subject: str, body: str) -> None:
        notification_raise(
            kind=message.event,
            key=message.key,
            recipient_ids=[message.user_id],
            params=message.context,
            url=message.url,
        )
