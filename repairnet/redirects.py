"""Where a page goes back to after a POST: the ``next`` it was given, only when that is a path on this site.

Every view that follows a ``next`` (a form's hidden field or the query string) asks ``redirect_next``, so a
link crafted as ``?next=https://evil.example/`` or ``//evil.example`` can never send a user off-site after
they act; anything but a local path falls back to the view's own default. (Django's login and language views
check their ``next`` the same way themselves.)
"""

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default: str) -> str:
    """The requested ``next`` (POST, then GET) if it is a local path (``/…``) on this host, else ``default``."""
    candidate = (request.POST.get("next") or request.GET.get("next") or "").strip()
    if (
        candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def redirect_next(request, default, *args, **kwargs) -> HttpResponseRedirect:
    """Redirect to the safe ``next`` or to ``default`` (a URL, or a URL name with its arguments, as ``redirect``)."""
    return HttpResponseRedirect(next_url(request, resolve_url(default, *args, **kwargs)))
