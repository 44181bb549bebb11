"""Template context of cross-cutting pieces: the unread notification count for the navbar badge."""

from django.utils.functional import SimpleLazyObject

from . import selectors


def notifications(request):
    """``notifications_unread``: counted only when a template shows it (one indexed COUNT), 0 when logged out."""
    user = getattr(request, "user", None)
    return {"notifications_unread": SimpleLazyObject(lambda: selectors.notification_unread_count(user=user))}
