from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value) -> str:
    """A timedelta as “3 h 05 min” (negative → “-3 h 05 min”)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    minutes = abs(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return _("%(sign)s%(d)s d %(h)s h") % {"sign": sign, "d": hours // 24, "h": hours % 24}
    return _("%(sign)s%(h)s h %(m)02d min") % {"sign": sign, "h": hours, "m": minutes}


@register.filter
def time_left(due) -> str:
    if due is None:
        return ""
    return duration(due - timezone.now())


@register.filter
def urgency_class(due) -> str:
    if due is None:
        return "text-muted"
    left = (due - timezone.now()).total_seconds()
    if left < 0:
        return "text-danger fw-bold"
    if left < 3600:
        return "text-warning fw-semibold"
    return "text-success"


@register.filter
def pct(value) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


STATUS_BADGE = {
    "received": "secondary",
    "dispatched": "info",
    "accepted": "primary",
    "in_repair": "primary",
    "awaiting_parts": "warning",
    "escalated": "warning",
    "completed": "success",
    "closed": "dark",
    "cancelled": "light",
}


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "secondary")
