"""The signals page (HQ): stations by risk score, each station's signals with evidence, confirm / dismiss."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from repairnet import roles
from stations.models import Station

from . import selectors, services
from .models import FraudSignal

PERIODS = (30, 90, 365)


def _period(request) -> tuple[int, datetime.datetime, datetime.datetime]:
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    days = days if days in PERIODS else 90
    end = timezone.now()
    return days, end - datetime.timedelta(days=days), end + datetime.timedelta(minutes=1)


@roles.role_required("fraud.view")
def signal_overview(request):
    days, start, end = _period(request)
    ranking = selectors.station_ranking(user=request.user, start=start, end=end)
    savings = selectors.savings_by_month(user=request.user)
    top = max((row["penalties"] for row in savings), default=0) or 1
    for row in savings:
        row["bar"] = int(row["penalties"] * 100 / top)
    context = {"ranking": ranking, "savings": savings, "days": days, "periods": PERIODS}
    return render(request, "fraud/overview.html", context)


@roles.role_required("fraud.view")
def station_signals(request, station_id: int):
    station = get_object_or_404(
        roles.scope_queryset(request.user, Station.objects.all(), station_field="pk"), pk=station_id
    )
    status = request.GET.get("status", "")
    signals = selectors.signal_list_visible_to(request.user).filter(station=station)
    if status in FraudSignal.Status.values:
        signals = signals.filter(status=status)
    signals = list(signals.order_by("-created_at", "-pk")[:200])
    for signal in signals:
        signal.evidence_text = selectors.evidence_text(signal)
    context = {
        "station": station,
        "signals": signals,
        "status": status,
        "statuses": FraudSignal.Status.choices,
        "can_decide": roles.can(request.user, "fraud.decide"),
    }
    return render(request, "fraud/station.html", context)


def _decide(request, pk: int, fn, done: str, **extra):
    signal = get_object_or_404(selectors.signal_list_visible_to(request.user), pk=pk)
    try:
        fn(signal_id=signal.pk, actor=request.user, reason=request.POST.get("reason", ""), **extra)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("fraud:station", station_id=signal.station_id)


@require_POST
@roles.role_required("fraud.decide")
def signal_confirm(request, pk: int):
    return _decide(
        request,
        pk,
        services.fraud_signal_confirm,
        _("Signal confirmed: the ticket is left out of settlement."),
        raise_sanction=request.POST.get("raise_sanction") == "on",
    )


@require_POST
@roles.role_required("fraud.decide")
def signal_dismiss(request, pk: int):
    return _decide(request, pk, services.fraud_signal_dismiss, _("Signal dismissed."))
