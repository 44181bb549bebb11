"""Login throttling, one policy for the login page and the API token endpoint.

django-axes records failures in the database (AccessAttempt), so logging in works while the cache is down, and
locks a username for one client address after LOGIN_MAX_FAILURES (a lock from one address leaves the user free
to log in from another). On top, one address failing with more than LOGIN_MAX_USERNAMES_PER_IP usernames within
the lock-out time is refused for every username (password spraying). The client address comes from django-ipware
with TRUSTED_PROXY_COUNT proxies in front.
"""

import datetime

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


def client_ip(request) -> str:
    return get_client_ip_address(request) or ""


def address_is_spraying(request) -> bool:
    """The address failed with too many usernames lately."""
    since = timezone.now() - datetime.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    usernames = (
        AccessAttempt.objects.filter(ip_address=client_ip(request), attempt_time__gte=since)
        .values("username")
        .distinct()
        .count()
    )
    return usernames >= settings.LOGIN_MAX_USERNAMES_PER_IP


def refusal_text() -> str:
    return _("Too many failed attempts. Please try again later.")


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """What axes answers a locked-out login with: JSON for the API, the login page again for people (429)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": refusal_text()}, status=429)
    from django.contrib.auth.forms import AuthenticationForm

    form = AuthenticationForm(request)
    return render(request, "registration/login.html", {"form": form, "locked_out": refusal_text()}, status=429)
