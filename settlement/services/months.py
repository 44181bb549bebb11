"""Calendar months: their bounds in Asia/Shanghai, parsing ``YYYY-MM`` and the previous month."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


# --------------------------------------------------------------------------------------------- months
def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a calendar month in Asia/Shanghai, as aware datetimes."""
    first = month.replace(day=1)
    last_day = calendar.monthrange(first.year, first.month)[1]
    nxt = first + datetime.timedelta(days=last_day)
    tz = timezone.get_default_timezone()
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(nxt, datetime.time.min, tzinfo=tz),
    )


def parse_month(value: str) -> datetime.date:
    """'2026-10' → date(2026, 10, 1); a bad or future month is a user-facing error."""
    try:
        year, month = (int(p) for p in str(value).strip().split("-"))
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a month as YYYY-MM."), code="invalid_month") from None
    if first > timezone.localdate().replace(day=1):
        raise ValidationError(_("The month must not be in the future."), code="future_month")
    return first


def previous_month(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
