"""The customer self-service status page (客户自助查询): the look-up by ticket number + the phone's last four
digits, throttled per client address and per ticket number, and the signed access it hands out.

The access is a ``django.core.signing`` token naming one ticket, valid SELF_SERVICE_ACCESS_SECONDS; the page keeps
it in the session and every later step (the page, the report PDF, the customer's answer) checks it here. A QR code
on the repair report carries the ticket number only, so a lost report still needs the phone's last four digits.
"""

import datetime
import hmac
import re

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import locks
from repairnet.services import setting

from ..models import SelfServiceLookup, Ticket

ACCESS_SALT = "tickets.self_service.access"
_LAST4 = re.compile(r"\d{4}")


class SelfServiceThrottled(ValidationError):
    """Too many look-ups from this address, or too many failed ones for this number, lately."""


def self_service_not_found_text() -> str:
    # one message for a wrong pair and for a number nobody has: the page never tells which
    return _("No ticket matches this ticket number and phone digits. Check both and try again.")


def self_service_throttled_text() -> str:
    return _("Too many look-ups. Please try again later.")


def _number_normalised(number: str) -> str:
    return re.sub(r"\s+", "", number or "").upper()[:40]


def _phone_ends_with(phone: str, last4: str) -> bool:
    return bool(phone) and hmac.compare_digest(phone[-4:].encode(), last4.encode())


def _ticket_matching(*, number: str, last4: str) -> Ticket | None:
    ticket = Ticket.objects.select_related("customer").filter(number=number).first()
    if ticket is None:
        return None
    customer = ticket.customer
    # both numbers are compared (no early exit), so the answer takes the same time whichever one matched
    matches = [_phone_ends_with(customer.phone, last4), _phone_ends_with(customer.phone2, last4)]
    return ticket if any(matches) else None


@transaction.atomic
def _lookup_counted(*, number: str, last4: str, ip_address: str, now: datetime.datetime) -> tuple[Ticket | None, bool]:
    """(the ticket or None, throttled?) — the look-up recorded in the same transaction as it is counted."""
    locks.hold(f"self-service:ip:{ip_address}", f"self-service:number:{number}")
    window = datetime.timedelta(seconds=setting("SELF_SERVICE_WINDOW_SECONDS"))
    # rows past the window no longer count: forgetting them here keeps the table as small as one window
    SelfServiceLookup.objects.filter(at__lt=now - window).delete()
    recent = SelfServiceLookup.objects.filter(at__gte=now - window)
    throttled = recent.filter(ip_address=ip_address).count() >= setting("SELF_SERVICE_MAX_LOOKUPS_PER_IP") or (
        recent.filter(number=number, succeeded=False).count() >= setting("SELF_SERVICE_MAX_FAILURES_PER_TICKET")
    )
    if throttled:
        return None, True
    ticket = _ticket_matching(number=number, last4=last4) if _LAST4.fullmatch(last4) else None
    SelfServiceLookup.objects.create(ip_address=ip_address, number=number, succeeded=ticket is not None, at=now)
    return ticket, False


def self_service_lookup(*, number: str, phone_last4: str, ip_address: str, now=None) -> Ticket:
    """The ticket with this number whose customer's phone ends in ``phone_last4``.

    At most SELF_SERVICE_MAX_LOOKUPS_PER_IP look-ups per client address and SELF_SERVICE_MAX_FAILURES_PER_TICKET
    failed ones per ticket number within SELF_SERVICE_WINDOW_SECONDS (counted in the database, refused ones not
    counted): ``SelfServiceThrottled`` past either. A wrong pair and an unknown number raise the same
    ValidationError."""
    number = _number_normalised(number)
    ticket, throttled = _lookup_counted(
        number=number, last4=(phone_last4 or "").strip(), ip_address=ip_address or "", now=now or timezone.now()
    )
    if throttled:
        raise SelfServiceThrottled(self_service_throttled_text(), code="throttled")
    if ticket is None:
        raise ValidationError(self_service_not_found_text(), code="not_found")
    return ticket


def self_service_access_issue(*, ticket: Ticket) -> str:
    """The signed access to one verified ticket (only ``self_service_lookup``'s result is given one)."""
    return signing.dumps({"ticket": ticket.pk}, salt=ACCESS_SALT, compress=True)


def self_service_ticket_id(*, access: str) -> int:
    """The ticket an access opens; PermissionDenied when it is missing, forged or older than its time."""
    try:
        payload = signing.loads(access or "", salt=ACCESS_SALT, max_age=setting("SELF_SERVICE_ACCESS_SECONDS"))
    except signing.BadSignature:
        raise PermissionDenied(_("Your look-up has expired. Enter the ticket number and phone digits again.")) from None
    return int(payload["ticket"])
