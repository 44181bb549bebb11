from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets import selectors
from tickets.models import Ticket

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_phone(context, ticket) -> str:
    """{% customer_phone ticket %}: the ticket's customer phone as the user may see it (need to know, SPEC 8)."""
    return selectors.customer_phone_for(user=context["request"].user, ticket=ticket)


@register.filter
def duration(value) -> str:
    """A timedelta as “3 h 05 min”; a negative one is time past a deadline: “overdue by 3 h 05 min”."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    minutes = abs(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        text = _("%(sign)s%(d)s d %(h)s h") % {"sign": "", "d": hours // 24, "h": hours % 24}
    else:
        text = _("%(sign)s%(h)s h %(m)02d min") % {"sign": "", "h": hours, "m": minutes}
    return _("overdue by %(time)s") % {"time": text} if seconds < 0 else text


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
    """0.953 → 95.3%; nothing measured (None, or a station row without tickets) → —"""
    if value is None or value == "":
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


VERBS = {
    "created": gettext_lazy("Logged"),
    "call_added": gettext_lazy("Customer called again"),
    "dispatch": gettext_lazy("Dispatch"),
    "reject": gettext_lazy("Reject"),
    "accept": gettext_lazy("Accept"),
    "reassign": gettext_lazy("Technician changed"),
    "schedule": gettext_lazy("Set appointment"),
    "depart": gettext_lazy("Set out for the visit"),
    "arrive": gettext_lazy("Arrived / repair started"),
    "await_parts": gettext_lazy("Await parts"),
    "resume": gettext_lazy("Resume repair"),
    "escalate": gettext_lazy("Escalate"),
    "complete": gettext_lazy("Complete"),
    "cancel": gettext_lazy("Cancel ticket"),
    "resolve_by_phone": gettext_lazy("Resolved by phone"),
    "close_on_callback": gettext_lazy("Closed after the callback"),
    "callback_attempt": gettext_lazy("Callback"),
    "callback_overdue": gettext_lazy("Callback overdue"),
    "callback_disputed_by_customer": gettext_lazy("Customer disputed the repair (self-service)"),
    "reprioritise": gettext_lazy("Priority changed"),
    "reported_fabricated": gettext_lazy("Reported as fabricated"),
    "deadline_passed": gettext_lazy("Deadline passed"),
    "spare_lend": gettext_lazy("Spare machine lent"),
    "spare_return": gettext_lazy("Spare machine returned"),
    "spare_swap": gettext_lazy("Spare machine swapped"),
    "parts_used": gettext_lazy("Parts fitted"),
}


@register.filter
def ticket_verb(verb: str) -> str:
    return str(VERBS.get(verb, verb))


@register.filter
def ticket_status(status: str) -> str:
    return str(dict(Ticket.Status.choices).get(status, status))
