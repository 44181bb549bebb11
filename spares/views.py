"""Pages of the spares area. Thin: check the role and scope, call one service or selector, render."""

import dataclasses
import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from repairnet import roles
from repairnet.filters import page_rows
from repairnet.forms import flash_errors, service_accepted
from repairnet.money import ZERO
from repairnet.replica import report_view
from repairnet.roles import role_required
from stations.filters import StationFilter
from stations.forms import StationFilterForm
from stations.models import Station

from . import exports, filters, selectors, services
from .forms import (
    DecisionForm,
    DepositForm,
    ReplenishmentForm,
    ReplenishmentLineFormSet,
    ReverseForm,
    SellForm,
    ShipmentHeaderForm,
    ShipmentLineFormSet,
    WriteOffForm,
)
from .models import (
    Location,
    Movement,
    Obligation,
    Replenishment,
    SerialUnit,
    Shipment,
    StocktakeProposal,
    WriteOff,
)


def _station(pk):
    return get_object_or_404(Station, pk=pk)


def _stations_for(user):
    return roles.scope_queryset(user, Station.objects.order_by("code"), station_field="pk")


@role_required("spares.view")
@report_view
def stock(request):
    """HQ: stock and value per station; station staff: straight to their own stock."""
    if roles.is_station_staff(request.user) or not roles.can(request.user, "spares.report"):
        if request.user.station_id:
            return redirect("spares:station-stock", pk=request.user.station_id)
        return render(request, "spares/no_station.html")
    rows = selectors.stock_overview(stations=_overview_stations(request))
    form = StationFilterForm(request.GET or None)
    return render(request, "spares/stock_overview.html", {"rows": rows, "form": form})


def _overview_stations(request):
    """The stations of the stock overview, filtered as the station directory is (one FilterSet, one query)."""
    return page_rows(request, StationFilter, _stations_for(request.user))


@role_required("spares.view")
def station_stock(request, pk):
    station = _station(pk)
    roles.require(request.user, "spares.view", station)
    return render(request, "spares/station_stock.html", _station_stock_context(request, station))


def _station_stock_context(request, station, *, deposit_form=None) -> dict:
    context = {
        "station": station,
        "rows": selectors.stock_for_station(station=station),
        "units": SerialUnit.objects.filter(location__station=station)
        .exclude(location__kind=Location.Kind.CUSTOMER)
        .select_related("item", "location")
        .order_by("location__kind", "serial"),
        "obligations": Obligation.objects.filter(
            station=station, status__in=[Obligation.Status.OPEN, Obligation.Status.OVERDUE]
        ).select_related("item", "serial_unit"),
        "value_held": selectors.stock_value_held(station=station),
        "sell_form": SellForm(),
        "write_off_form": WriteOffForm(),
        "deposit_form": deposit_form or DepositForm(),
    }
    if roles.can(request.user, "spares.deposit.view", station):
        deposit = selectors.deposit_balance(station=station)
        required = selectors.required_deposit(station=station)
        context["deposit"] = deposit
        context["required_deposit"] = required
        context["deposit_shortfall"] = max(required - deposit, ZERO)
        context["deposit_entries"] = station.deposit_entries.select_related("actor")[:20]
    return context


@require_POST
@role_required("spares.deposit.record")
def deposit_record(request, pk):
    """HQ/finance append a deposit entry; a refused one shows the page again with the message on its field."""
    station = _station(pk)
    roles.require(request.user, "spares.deposit.record", station)
    form = DepositForm(request.POST)
    if service_accepted(form, functools.partial(services.deposit_record, station=station, actor=request.user)):
        messages.success(request, _("Deposit entry recorded."))
        return redirect("spares:station-stock", pk=pk)
    messages.error(request, _("Please correct the deposit entry."))
    context = _station_stock_context(request, station, deposit_form=form)
    return render(request, "spares/station_stock.html", context, status=400)


@require_POST
@role_required("spares.use")
def sell(request, pk):
    station = _station(pk)
    roles.require(request.user, "spares.use", station)
    form = SellForm(request.POST)
    if form.is_valid():
        try:
            services.accessory_sell(
                station=station,
                item_id=form.cleaned_data["item"].pk,
                quantity=form.cleaned_data["quantity"],
                actor=request.user,
            )
            messages.success(request, _("Sale recorded."))
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("Please choose an accessory and a quantity."))
    return redirect("spares:station-stock", pk=pk)


@require_POST
@role_required("spares.write_off.request")
def write_off_request(request, pk):
    station = _station(pk)
    roles.require(request.user, "spares.write_off.request", station)
    form = WriteOffForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.write_off_request(
                station=station,
                item_id=data["item"].pk,
                quantity=data["quantity"],
                serial=data["serial"],
                reason=data["reason"],
                defective=data["defective"],
                actor=request.user,
            )
            messages.success(request, _("Write-off requested; HQ will decide."))
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("Please correct the write-off request."))
    return redirect("spares:station-stock", pk=pk)


@role_required("spares.view")
def shipment_list(request):
    qs = page_rows(request, filters.ShipmentFilter, selectors.shipment_list(user=request.user))
    status = request.GET.get("status", "")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request, "spares/shipment_list.html", {"page_obj": page, "status": status, "statuses": Shipment.Status.choices}
    )


@role_required("spares.ship")
def shipment_create(request):
    header = ShipmentHeaderForm(request.POST or None, initial={"station": request.GET.get("station")})
    lines = ShipmentLineFormSet(request.POST or None, prefix="line")
    if request.method == "POST" and header.is_valid() and lines.is_valid():
        parsed = [line for line in (f.as_line() for f in lines.forms) if line]
        try:
            shipment = services.shipment_create(
                station=header.cleaned_data["station"],
                lines=parsed,
                actor=request.user,
                note=header.cleaned_data["note"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Shipment %(number)s is on its way.") % {"number": shipment.number})
            return redirect("spares:shipment-detail", pk=shipment.pk)
    return render(request, "spares/shipment_form.html", {"header": header, "lines": lines})


@role_required("spares.view")
def shipment_detail(request, pk):
    shipment = get_object_or_404(Shipment.objects.select_related("station", "created_by", "received_by"), pk=pk)
    roles.require(request.user, "spares.view", shipment)
    lines = list(shipment.lines.select_related("item", "serial_unit"))
    can_receive = shipment.status == Shipment.Status.IN_TRANSIT and roles.can(request.user, "spares.receive", shipment)
    if request.method == "POST":
        roles.require(request.user, "spares.receive", shipment)
        quantities = {line.pk: request.POST.get(f"qty_{line.pk}", "0") for line in lines if not line.serial_unit_id}
        try:
            services.shipment_receive(
                shipment=shipment, actor=request.user, quantities=quantities, serials=request.POST.getlist("serial")
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Shipment %(number)s received.") % {"number": shipment.number})
            return redirect("spares:station-stock", pk=shipment.station_id)
    return render(
        request, "spares/shipment_detail.html", {"shipment": shipment, "lines": lines, "can_receive": can_receive}
    )


@role_required("spares.view")
def defectives(request):
    """Station: defectives to return (obligations). HQ: defectives on their way in."""
    if roles.is_station_staff(request.user):
        station = request.user.station
        if request.method == "POST":
            roles.require(request.user, "spares.return_defective", station)
            try:
                ids = [int(i) for i in request.POST.getlist("obligation")]
                services.defective_return(station=station, obligation_ids=ids, actor=request.user)
                messages.success(request, _("Defectives sent back to HQ."))
            except (ValueError, ValidationError) as exc:
                flash_errors(
                    request, exc if isinstance(exc, ValidationError) else ValidationError(_("Unknown obligation."))
                )
            return redirect("spares:defectives")
        qs = Obligation.objects.filter(
            station=station, status__in=[Obligation.Status.OPEN, Obligation.Status.OVERDUE]
        ).select_related("item", "serial_unit")
        return render(request, "spares/defectives_station.html", {"obligations": qs, "station": station})
    qs = roles.scope_queryset(
        request.user,
        Obligation.objects.filter(status=Obligation.Status.RETURNED).select_related("station", "item", "serial_unit"),
    )
    return render(request, "spares/defectives_incoming.html", {"obligations": qs})


@require_POST
@role_required("spares.receive_defective")
def defective_receive(request, pk):
    obligation = get_object_or_404(Obligation, pk=pk)
    try:
        services.defective_receive(obligation=obligation, actor=request.user)
        messages.success(request, _("Defective received at HQ."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("spares:defectives")


@role_required("spares.view")
def obligations_overdue(request):
    """The obligations list of the API, ``status=overdue`` unless the link names another status."""
    qs = page_rows(
        request,
        filters.ObligationFilter,
        selectors.obligation_list(user=request.user),
        defaults={"status": Obligation.Status.OVERDUE},
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "spares/obligations_overdue.html", {"page_obj": page})


@role_required("spares.view")
def loans(request):
    qs = selectors.loans_outstanding()
    if roles.is_station_staff(request.user):
        qs = qs.filter(location__station_id=request.user.station_id)
    return render(request, "spares/loans.html", {"units": qs})


@role_required("spares.view")
def write_offs(request):
    qs = page_rows(request, filters.WriteOffFilter, selectors.write_off_list(user=request.user))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "spares/write_offs.html", {"page_obj": page, "form": DecisionForm()})


def _decide(request, queryset, pk, decide, back: str):
    """HQ approves or rejects one pending write-off or stocktake proposal (the DecisionForm buttons)."""
    obj = get_object_or_404(queryset, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decide(
                obj,
                approve=form.cleaned_data["decision"] == "approve",
                actor=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Decision recorded."))
        except ValidationError as exc:
            flash_errors(request, exc)
    return redirect(back)


@require_POST
@role_required("spares.approve")
def write_off_decide(request, pk):
    return _decide(
        request,
        WriteOff.objects.all(),
        pk,
        lambda w, **kw: services.write_off_decide(write_off=w, **kw),
        "spares:write-offs",
    )


@role_required("spares.view")
def replenishments(request):
    qs = page_rows(request, filters.ReplenishmentFilter, selectors.replenishment_list(user=request.user))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    can_request = request.user.station_id is not None and roles.can(
        request.user, "spares.replenish", request.user.station
    )
    return render(request, "spares/replenishments.html", {"page_obj": page, "can_request": can_request})


@role_required("spares.replenish")
def replenishment_create(request):
    """The station's request, its lines filled with the suggested quantities; the coordinator changes or adds."""
    station = request.user.station
    if station is None:
        return render(request, "spares/no_station.html")
    roles.require(request.user, "spares.replenish", station)
    suggestions = selectors.replenishment_suggestions(station=station)
    initial = [{"item": r["item"], "quantity": r["suggested"]} for r in suggestions["rows"] if r["suggested"]]
    header = ReplenishmentForm(request.POST or None)
    lines = ReplenishmentLineFormSet(request.POST or None, prefix="line", initial=initial)
    if request.method == "POST" and header.is_valid() and lines.is_valid():
        try:
            replenishment = services.replenishment_request(
                station=station,
                lines=[line for line in (f.as_line() for f in lines.forms) if line],
                actor=request.user,
                note=header.cleaned_data["note"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Request #%(id)s sent to HQ.") % {"id": replenishment.pk})
            return redirect("spares:replenishment-detail", pk=replenishment.pk)
    context = {"station": station, "suggestions": suggestions, "header": header, "lines": lines}
    context["target_days"] = selectors.TURNOVER_TARGET_DAYS
    context["window_days"] = selectors.TURNOVER_WINDOW_DAYS
    return render(request, "spares/replenishment_form.html", context)


@role_required("spares.view")
def replenishment_detail(request, pk):
    """One request; HQ approves it into a shipment (its quantities prefilled, changeable) or rejects it."""
    replenishment = get_object_or_404(selectors.replenishment_list(user=request.user), pk=pk)
    roles.require(request.user, "spares.view", replenishment)
    lines = list(replenishment.lines.select_related("item").order_by("pk"))
    pending = replenishment.status == Replenishment.Status.PENDING
    can_decide = pending and roles.can(request.user, "spares.ship", replenishment)
    if request.method == "POST":
        roles.require(request.user, "spares.ship", replenishment)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            flash_errors(request, ValidationError(_("Choose approve or reject.")))
        else:
            try:
                replenishment = services.replenishment_decide(
                    replenishment=replenishment,
                    approve=form.cleaned_data["decision"] == "approve",
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    quantities={line.pk: request.POST.get(f"qty_{line.pk}", "0").strip() for line in lines},
                )
            except ValidationError as exc:
                flash_errors(request, exc)
            else:
                if replenishment.shipment_id:
                    messages.success(
                        request, _("Shipment %(number)s is on its way.") % {"number": replenishment.shipment.number}
                    )
                else:
                    messages.success(request, _("Decision recorded."))
        return redirect("spares:replenishment-detail", pk=replenishment.pk)
    context = {"replenishment": replenishment, "lines": lines, "can_decide": can_decide}
    if can_decide:
        context.update(selectors.replenishment_review(replenishment=replenishment, lines=lines))
    return render(request, "spares/replenishment_detail.html", context)


@role_required("spares.view")
def stocktakes(request):
    qs = page_rows(request, filters.StocktakeFilter, selectors.stocktake_list(user=request.user))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "spares/stocktakes.html", {"page_obj": page})


@require_POST
@role_required("spares.approve")
def stocktake_decide(request, pk):
    return _decide(
        request,
        StocktakeProposal.objects.all(),
        pk,
        lambda p, **kw: services.stocktake_decide(proposal=p, **kw),
        "spares:stocktakes",
    )


@role_required("spares.view")
def movements(request):
    qs = page_rows(request, filters.MovementFilter, selectors.movement_list(user=request.user))
    kind = request.GET.get("type", "")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "spares/movements.html", {"page_obj": page, "types": Movement.Type.choices, "type": kind})


@require_POST
@role_required("spares.reverse")
def movement_reverse(request, pk):
    movement = get_object_or_404(Movement, pk=pk)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.movement_reverse(movement=movement, actor=request.user, note=form.cleaned_data["note"])
            messages.success(
                request, _("Movement #%(id)s reversed by #%(rev)s.") % {"id": movement.pk, "rev": reversal.pk}
            )
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("Please give a reason."))
    return redirect(reverse("spares:movements"))


@role_required("spares.view")
@report_view
def ageing(request):
    rows = selectors.stock_ageing_and_turnover(stations=_stations_for(request.user).filter(status="active"))
    chart = {
        "labels": [r["station"].code for r in rows],
        "turnover": [float(r["turnover_days"]) if r["turnover_days"] is not None else None for r in rows],
        "buckets": [[float(b) for b in r["buckets"]] for r in rows],
        "target": selectors.TURNOVER_TARGET_DAYS,
        "bucket_labels": [_("0–30 days"), _("31–90 days"), _("91–180 days"), _("over 180 days")],
        "turnover_label": _("Turnover days"),
        "target_label": _("Target"),
    }
    return render(request, "spares/ageing.html", {"rows": rows, "chart": chart})


@role_required("spares.report")
@report_view
@require_GET
def export_stock(request):
    """The stock overview as XLSX, with the page's current filters."""
    return exports.STOCK_OVERVIEW_EXPORT.response(selectors.stock_overview(stations=_overview_stations(request)))


@role_required("spares.view")
@report_view
@require_GET
def export_station_stock(request, pk):
    station = _station(pk)
    roles.require(request.user, "spares.view", station)
    export = dataclasses.replace(exports.STATION_STOCK_EXPORT, name=f"stock-{station.code}")
    return export.response(selectors.stock_for_station(station=station))


@role_required("spares.view")
def catalogue(request):
    prices = selectors.item_prices()
    rows = page_rows(request, filters.ItemFilter, selectors.item_list()).order_by("kind", "code")
    items = [(item, prices.get(item.pk)) for item in rows]
    return render(request, "spares/catalogue.html", {"items": items})
