"""Public holidays (SPEC 2.5): each year loaded from the State Council calendar that ``chinesecalendar`` ships."""

import datetime

import chinese_calendar
from django.db import transaction

from repairnet import roles

from .. import sla
from ..models import Holiday


def _published(year: int) -> dict[datetime.date, str]:
    """The year's days off (weekends inside a holiday included) → the holiday's Chinese name; {} if unpublished.
    Make-up workdays (调休) are not days off, so they stay service days."""
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    return {day: names[name] for day, name in chinese_calendar.constants.holidays.items() if day.year == year}


def holidays_load(*, year: int, actor, force: bool = False) -> int:
    """Load ``year``'s public holidays once; a loaded year stays as HQ edited it in the admin.

    ``force`` replaces the calendar's rows of that year (never the days HQ entered). Returns the days added,
    0 when the year is already loaded or the calendar has not published it yet.
    """
    roles.require(actor, "tickets.holidays.load")
    days = _published(year)
    if not days:
        return 0
    with transaction.atomic():
        loaded = Holiday.objects.select_for_update().filter(date__year=year, source=Holiday.Source.CALENDAR)
        if loaded.exists() and not force:
            return 0
        loaded.delete()
        taken = set(Holiday.objects.filter(date__in=days).values_list("date", flat=True))
        calendar = Holiday.Source.CALENDAR
        rows = [Holiday(date=d, name=n, source=calendar) for d, n in sorted(days.items()) if d not in taken]
        Holiday.objects.bulk_create(rows)
        sla.reference_changed()  # bulk_create sends no post_save
    return len(rows)


def holidays_refresh(*, today: datetime.date, actor=roles.SYSTEM) -> dict:
    """The monthly job: this year and the next, each loaded once it is published."""
    return {"loaded": sum(holidays_load(year=y, actor=actor) for y in (today.year, today.year + 1))}
