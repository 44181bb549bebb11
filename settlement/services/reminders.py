"""The settlement calendar (SPEC 4): finance is reminded of statements past their due date, once a day at most."""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import User
from repairnet.money import format_cny
from repairnet.services import audit_record

from .. import selectors
from ..models import OverdueReminder

log = logging.getLogger("repairnet.settlement")


def _finance_addresses() -> list[str]:
    """Where the reminder goes: every active finance user with an e-mail address."""
    return sorted(
        set(
            User.objects.filter(groups__name=roles.FINANCE, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def statements_overdue_remind(*, actor, today: datetime.date | None = None) -> dict:
    """E-mail finance the statements past their due date that it was not reminded of today.

    Idempotent per statement and day: each reminder is a row of ``OverdueReminder`` (unique on statement and
    day) written in the same transaction as the e-mail is sent, so a rerun the same day — or a second worker
    at the same time, which waits on the unique index — sends nothing new; a failed send leaves no row and the
    task's retry sends it. Each statement reminded gets an audit row (who: the job; when; why: its due date).
    """
    roles.require(actor, "settlement.remind")
    today = today or timezone.localdate()
    overdue = list(selectors.statements_overdue(today=today))
    counts = {"flagged": len(overdue), "mailed": 0}
    if not overdue:
        return counts
    recipients = _finance_addresses()
    if not recipients:
        log.warning("%s statements overdue and no finance user has an e-mail address", len(overdue))
        return counts
    with transaction.atomic():
        already = set(
            OverdueReminder.objects.filter(day=today, statement_id__in=[s.pk for s in overdue]).values_list(
                "statement_id", flat=True
            )
        )
        reminded = []
        for statement in overdue:
            if statement.pk in already:
                continue
            try:
                with transaction.atomic():
                    OverdueReminder.objects.create(
                        statement=statement,
                        day=today,
                        due_on=statement.due_on,
                        status=statement.status,
                        recipients=recipients,
                    )
            except IntegrityError:  # another worker reminded of it meanwhile
                continue
            reminded.append(statement)
        if not reminded:
            return counts
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _reminder_mail(reminded, today=today)
            for statement in reminded:
                audit_record(
                    obj=statement,
                    verb="statement_overdue_reminded",
                    actor=actor,
                    note=_("Past its due date %(due)s; finance reminded by e-mail.") % {"due": statement.due_on},
                    data={"day": today.isoformat(), "due_on": statement.due_on.isoformat(), "recipients": recipients},
                )
        send_mail(subject, body, None, recipients)
    counts["mailed"] = len(reminded)
    return counts


def _reminder_mail(statements, *, today: datetime.date) -> tuple[str, str]:
    subject = _("RepairNet: %(n)s statements past their due date (%(day)s)") % {"n": len(statements), "day": today}
    lines = [
        _("These labour-fee statements are past their due date and not yet approved or paid:"),
        "",
    ]
    for s in statements:
        lines.append(
            _("%(month)s · %(code)s %(name)s · %(status)s · due %(due)s · net payable %(net)s")
            % {
                "month": s.month_label,
                "code": s.station.code,
                "name": s.station.name,
                "status": s.get_status_display(),
                "due": s.due_on,
                "net": format_cny(s.net),
            }
        )
    return subject, "\n".join(str(line) for line in lines)
