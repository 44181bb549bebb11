from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache

from . import jobs, roles, throttle
from .models import JobRun
from .selectors import audit_list_for_object
from .services import setting


class LoginView(auth_views.LoginView):
    """Django's login page; django-axes locks a username for an address after repeated failures
    (repairnet.throttle), and an address spraying many usernames is refused before any is tried."""

    def post(self, request, *args, **kwargs):
        if throttle.address_is_spraying(request):
            return throttle.lockout_response(request)
        return super().post(request, *args, **kwargs)


@login_required
def home(request):
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
    return render(request, "repairnet/history.html", {"obj": obj, "events": audit_list_for_object(obj=obj)})


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


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    return render(request, "errors/500.html", status=500)
