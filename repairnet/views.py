from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import jobs, roles, selectors, services, throttle
from .filters import OutboxFilter, page_rows
from .forms import PasswordResetRequestForm, SetPasswordForm, flash_errors
from .models import JobRun, User
from .selectors import audit_list_for_object, audit_verb_label, notification_list_for, notification_unread_count
from .services import setting


class LoginView(auth_views.LoginView):
    """Django's login page; django-axes locks a username for an address after repeated failures
    (repairnet.throttle), and an address spraying many usernames is refused before any is tried."""

    def post(self, request, *args, **kwargs):
        if throttle.address_is_spraying(request):
            return throttle.lockout_response(request)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot password" page: the same answer whether or not anyone has the address; at most
    PASSWORD_RESET_MAX_REQUESTS an hour per client address and per e-mail address (counted in the database)."""

    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        allowed = services.password_reset_request_allow(
            ip_address=throttle.client_ip(self.request), email=form.cleaned_data["email"]
        )
        if not allowed:
            form.add_error(None, _("Too many password reset requests. Please try again later."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        form.save(site_url=self.request.build_absolute_uri("/"))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The e-mailed link: choose a new password. It ends the person's sessions and API tokens (User.save)."""

    form_class = SetPasswordForm


@require_POST
@roles.role_required("users.password_reset.force")
def user_password_reset_force(request, user_id: int):
    """HQ's button on a staff page: the person's password stops working and a reset link is e-mailed."""
    person = get_object_or_404(User, pk=user_id)
    try:
        services.user_password_reset_force(
            user=person,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            site_url=request.build_absolute_uri("/"),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("The password of %(name)s no longer works; a reset link is being e-mailed to %(email)s.")
            % {"name": person.display_name, "email": person.email},
        )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("home")


@login_required
def home(request):
    """Each role's home is its working page (``roles.ROLE_HOME``): the station queue, the hotline, the dashboard…"""
    roles.require(request.user, "home.view")
    working_page = roles.home_url_name(request.user)
    if working_page:
        return redirect(working_page)
    return overview(request)


@login_required
def overview(request):
    """Every area the user may open, as tiles (the user menu links here)."""
    roles.require(request.user, "home.view")
    return render(request, "repairnet/home.html")


@login_required
def object_history(request, app_label: str, model_name: str, pk: str):
    """Who changed what, when and why, for any object the user may see."""
    content_type = ContentType.objects.filter(app_label=app_label, model=model_name.lower()).first()
    model = content_type.model_class() if content_type else None
    if model is None:  # not a model of this project (or one since removed)
        raise Http404
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if not roles.can(request.user, "audit.view", obj):
        raise PermissionDenied
    # Objects with no station (regions, applications…) are HQ-side: station staff may not browse them.
    if roles.is_station_staff(request.user) and roles.station_id_of(obj) is None:
        raise PermissionDenied
    events = list(audit_list_for_object(obj=obj))
    for event in events:
        event.verb_label = audit_verb_label(obj=obj, verb=event.verb)
    return render(request, "repairnet/history.html", {"obj": obj, "events": events})


@login_required
def job_runs(request):
    roles.require(request.user, "jobs.view")
    now = timezone.now()
    rows = [
        {
            "run": run,
            "title": gettext(run.label) if run.label else run.name,
            "state": jobs.run_state(run, now=now),
            "counts": jobs.counts_text(run),
            "result": jobs.result_text(run, now=now),
        }
        for run in JobRun.objects.all()[:200]
    ]
    return render(request, "repairnet/jobs.html", {"rows": rows, "stale_minutes": setting("JOB_STALE_MINUTES")})


@login_required
def outbox_list(request):
    """HQ: each outbox message with its status, attempts and last error, filtered like the API."""
    rows = page_rows(request, OutboxFilter, selectors.outbox_list(user=request.user))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "repairnet/outbox.html", {"page_obj": page, "filter": OutboxFilter(request.GET)})


@never_cache
def healthz(request):
    """Liveness for the load balancer: the database answers, and Redis when configured."""
    from django.conf import settings

    status = {"database": "ok", "redis": "not configured"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - report any failure as unhealthy
        status["database"], code = f"error: {exc.__class__.__name__}", 503
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            status["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            status["redis"], code = f"error: {exc.__class__.__name__}", 503
    return JsonResponse(status, status=code)


def _api_error(request, status: int, message: str):
    """Under /api/ every error is JSON, as repairnet.api.exception_handler answers: Django's own error handlers
    (a URL no view has, an exception no view caught, a request refused before any view) included."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return None


def error_400(request, exception=None):
    return _api_error(request, 400, _("The request could not be accepted")) or render(
        request, "errors/400.html", status=400
    )


def error_403(request, exception=None):
    return _api_error(request, 403, _("You do not have permission to do this.")) or render(
        request, "errors/403.html", status=403
    )


def error_404(request, exception=None):
    return _api_error(
        request, 404, _("The page or record you asked for does not exist, or has been removed.")
    ) or render(request, "errors/404.html", status=404)


def error_500(request):
    message = _("The system hit an unexpected error. It has been logged; please try again in a moment.")
    return _api_error(request, 500, message) or render(request, "errors/500.html", status=500)


# --- in-app notifications ---------------------------------------------------------------------------


@login_required
def notification_list(request):
    """The person's own notifications, newest first, with mark-read (one each or all)."""
    roles.require(request.user, "notifications.view")
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notification_list_for(user=request.user, unread_only=unread_only), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "repairnet/notifications.html",
        {"page_obj": page, "unread_only": unread_only, "unread": notification_unread_count(user=request.user)},
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one read (someone else's is refused: 403) and go to what it is about, or back to the list."""
    notification = services.notification_mark_read(notification_id=pk, actor=request.user)
    if request.POST.get("open") == "1" and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    services.notifications_mark_all_read(actor=request.user)
    return redirect("notifications")


@login_required
@never_cache
def notifications_unread(request):
    """``{"unread": n}`` for the badge's polling: one indexed COUNT."""
    return JsonResponse({"unread": notification_unread_count(user=request.user)})
