"""Pages of the tickets area. Thin: check role and scope, call one service or selector, render."""

import contextlib
import datetime
from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from repairnet import roles, throttle
from repairnet.bulk import bulk_page
from repairnet.exports import pdf_download
from repairnet.filestore import stored_file_response
from repairnet.filters import page_rows
from repairnet.forms import add_service_errors, flash_errors
from repairnet.models import User
from repairnet.redirects import redirect_next
from repairnet.replica import report_view
from repairnet.selectors import audit_list_for_object
from repairnet.services import setting
from stations.models import Station
from stations.selectors import dispatchable_stations

from . import filters, selectors, services, sla
from .exports import (
    CALLBACKS_EXPORT,
    CALLBACKS_EXPORT_JOINS,
    COMPLAINTS_EXPORT,
    TICKETS_EXPORT,
    TICKETS_EXPORT_JOINS,
    repair_report_pdf,
)
from .forms import (
    BulkDispatchForm,
    CallbackForm,
    ComplaintForm,
    CompleteForm,
    LogCallForm,
    ResolveForm,
    SelfServiceAnswerForm,
    SelfServiceLookupForm,
)
from .models import Callback, Complaint, DailyReport, Ticket

# --- hotline ------------------------------------------------------------------------------------


@login_required
@roles.role_required("customers.lookup")
@require_GET
def lookup(request):
    """As-you-type look-up for the hotline page: customers by phone, devices by serial (JSON)."""
    q = request.GET.get("q", "")[:40]
    data = selectors.hotline_lookup(q=q)
    data["warnings"] = selectors.serial_warnings(serial=request.GET.get("serial", q)) if len(q) >= 6 else {}
    return JsonResponse(data)


@login_required
@roles.role_required("tickets.create")
def hotline(request):
    """Log a call. ``?phone=`` (a softphone's or CTI's screen pop) pre-fills the phone and the page runs the
    look-up at once. A POST with ``add_to_ticket`` records the call on the serial's open ticket instead."""
    if request.method == "POST" and request.POST.get("add_to_ticket"):
        return _hotline_call_add(request)
    initial = {"phone": request.GET.get("phone", "").strip()[:40]} if request.method == "GET" else None
    form = LogCallForm(request.POST or None, initial=initial)
    open_ticket = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            ticket = services.ticket_create(actor=request.user, **data)
        except ValidationError as exc:
            open_ticket = getattr(exc, "ticket", None)  # services.OpenTicketExists carries it
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Ticket %(number)s logged.") % {"number": ticket.number})
            return redirect("tickets:detail", pk=ticket.pk)
    undispatched = selectors.ticket_list_for(user=request.user).filter(status=Ticket.Status.RECEIVED)[:10]
    return render(
        request, "tickets/hotline.html", {"form": form, "undispatched": undispatched, "open_ticket": open_ticket}
    )


def _hotline_call_add(request):
    """The hotline's default for a serial with an open ticket: the call goes on that ticket (no second ticket)."""
    try:
        ticket_id = int(request.POST["add_to_ticket"])
        ticket = services.ticket_call_add(
            ticket_id=ticket_id,
            actor=request.user,
            note=request.POST.get("description", "")[:400],
            fault_category=request.POST.get("fault_category", ""),
        )
    except (ValueError, Ticket.DoesNotExist):
        raise Http404 from None
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("tickets:hotline")
    messages.success(request, _("The call was added to the open ticket %(number)s.") % {"number": ticket.number})
    return redirect("tickets:detail", pk=ticket.pk)


# --- tickets ------------------------------------------------------------------------------------


@login_required
@roles.role_required("tickets.view")
def ticket_list(request):
    """Newest first, paged by keyset ("newer" / "older"): the same cost at any depth, and nothing is counted."""
    rows = page_rows(request, filters.TicketFilter, selectors.tickets_visible(user=request.user))
    page = selectors.keyset_page(rows, older=request.GET.get("older", ""), newer=request.GET.get("newer", ""))
    shown = {k: request.GET.get(k, "")[:100] for k in ("status", "q")}
    can_dispatch = roles.can(request.user, "tickets.dispatch")
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "page": page,
            "filters": shown,
            "statuses": Ticket.Status.choices,
            "now": timezone.now(),
            "bulk_form": BulkDispatchForm() if can_dispatch else None,
            "received": Ticket.Status.RECEIVED,
        },
    )


@login_required
@roles.role_required("tickets.view")
@report_view
@require_GET
def ticket_export(request):
    """The ticket list as XLSX: the same FilterSet and scope as the page, every row, newest first."""
    rows = page_rows(request, filters.TicketFilter, selectors.tickets_visible(user=request.user))
    return TICKETS_EXPORT.response(rows.select_related(*TICKETS_EXPORT_JOINS).order_by("-received_at", "-pk"))


@login_required
@roles.role_required("tickets.dispatch")
@require_GET
def ticket_bulk_stations(request):
    """The bulk form's stations, fetched when the form is first used: the list page spends no query on them."""
    stations = BulkDispatchForm().fields["station"].queryset.values_list("pk", "code", "name")
    return JsonResponse({"options": [{"value": pk, "label": f"{code} {name}"} for pk, code, name in stations]})


@login_required
@roles.role_required("tickets.dispatch")
@require_POST
def ticket_bulk_dispatch(request):
    """Dispatch the ticked tickets to one station: ``ticket_dispatch`` once per ticket."""
    form = BulkDispatchForm(request.POST)

    def dispatch(ticket):
        d = form.cleaned_data
        services.ticket_dispatch(ticket_id=ticket.pk, station_id=d["station"].pk, actor=request.user, note=d["note"])

    return bulk_page(
        request,
        form=form,
        queryset=roles.scope_queryset(request.user, Ticket.objects.all()),
        call=dispatch,
        label=lambda t: t.number,
        default="tickets:list",
    )


@login_required
@roles.role_required("tickets.view")
@require_GET
def ticket_search(request):
    """The navbar's search box (ticket number, phone or serial prefix): a single match opens that ticket, more
    open the ticket list searched the same way. The ticket list's FilterSet over the tickets the user may see, so
    station staff find only their own station's tickets, by the same index-friendly prefix search."""
    q = " ".join(request.GET.get("q", "").split())[:100]
    if not q:
        return redirect("tickets:list")
    rows = page_rows(request, filters.TicketFilter, selectors.tickets_visible(user=request.user))
    found = list(rows.order_by().values_list("pk", flat=True)[:2])
    if len(found) == 1:
        return redirect("tickets:detail", pk=found[0])
    return redirect(f"{reverse('tickets:list')}?{urlencode({'q': q})}")


@login_required
@roles.role_required("tickets.view")
def ticket_detail(request, pk: int):
    try:
        ticket = selectors.ticket_get_visible_to(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    context = {
        "ticket": ticket,
        "phone": selectors.customer_phone_for(user=request.user, ticket=ticket),
        "legs": sla.leg_statuses(ticket),
        "events": audit_list_for_object(obj=ticket),
        "rejections": ticket.rejections.select_related("station"),
        "escalations": Ticket.Escalation.choices,
        "priorities": Ticket.Priority.choices,
        "callback": Callback.objects.filter(ticket=ticket).first(),
    }
    callback = context["callback"]
    if callback and callback.status == Callback.Status.OPEN and roles.can(request.user, "callbacks.make"):
        context["callback_to_make"] = callback
    can_do = roles.available_transitions(ticket, request.user)
    if "dispatch" in can_do:
        context["suggestions"] = selectors.dispatch_suggestions(ticket=ticket)
        context["warnings"] = selectors.serial_warnings(serial=ticket.device.serial)
        context["all_stations"] = dispatchable_stations().order_by("code")
    if {"accept", "reassign"} & can_do and roles.can(request.user, "tickets.assign", ticket):
        # only the coordinator and HQ choose the technician; a technician accepts for himself
        context["can_assign"] = True
        context["technicians"] = list(selectors.assignable_technicians(ticket=ticket))
    return render(request, "tickets/ticket_detail.html", context)


def _dt(value: str):
    parsed = parse_datetime(value or "")
    if parsed and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


ACTIONS = {
    "dispatch": lambda r, t: services.ticket_dispatch(
        ticket_id=t, station_id=_int(r.POST.get("station")), actor=r.user, note=r.POST.get("note", "")
    ),
    "reject": lambda r, t: services.ticket_reject(ticket_id=t, actor=r.user, reason=r.POST.get("reason", "")),
    "accept": lambda r, t: services.ticket_accept(ticket_id=t, actor=r.user, technician=_technician(r)),
    "reassign": lambda r, t: services.ticket_reassign(
        ticket_id=t, actor=r.user, technician=_technician(r), reason=r.POST.get("reason", "")
    ),
    "schedule": lambda r, t: services.ticket_schedule(
        ticket_id=t, actor=r.user, appointment_at=_dt(r.POST.get("appointment_at"))
    ),
    "depart": lambda r, t: services.ticket_depart(ticket_id=t, actor=r.user),
    "arrive": lambda r, t: services.ticket_arrive(ticket_id=t, actor=r.user),
    "await_parts": lambda r, t: services.ticket_await_parts(ticket_id=t, actor=r.user, note=r.POST.get("note", "")),
    "resume": lambda r, t: services.ticket_resume(ticket_id=t, actor=r.user, note=r.POST.get("note", "")),
    "escalate": lambda r, t: services.ticket_escalate(
        ticket_id=t, actor=r.user, to=r.POST.get("to", ""), note=r.POST.get("note", "")
    ),
    "cancel": lambda r, t: services.ticket_cancel(ticket_id=t, actor=r.user, reason=r.POST.get("reason", "")),
    "reprioritise": lambda r, t: services.ticket_reprioritise(
        ticket_id=t, actor=r.user, priority=r.POST.get("priority", ""), note=r.POST.get("reason", "")
    ),
    "spare": lambda r, t: services.ticket_spare_machine(
        ticket_id=t,
        actor=r.user,
        action=r.POST.get("spare_action", ""),
        serial=r.POST.get("serial", ""),
        serial_in=r.POST.get("serial_in", ""),
    ),
    "report_fabricated": lambda r, t: services.ticket_report_fabricated(
        ticket_id=t, actor=r.user, reason=r.POST.get("reason", "")
    ),
    "resolve_by_phone": lambda r, t: services.ticket_resolve_by_phone(
        ticket_id=t, actor=r.user, note=r.POST.get("note", "")
    ),
}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("Choose a station.")) from None


def _technician(request):
    tid = request.POST.get("technician")
    if not tid:
        return None
    try:
        return User.objects.get(pk=int(tid))
    except (User.DoesNotExist, ValueError, OverflowError):
        raise ValidationError(_("Unknown technician.")) from None


@login_required
@require_POST
def ticket_action(request, pk: int, verb: str):
    if verb not in ACTIONS:
        raise Http404
    roles.require(request.user, "tickets.view")
    try:
        ticket = ACTIONS[verb](request, pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request, _("%(number)s: %(status)s") % {"number": ticket.number, "status": ticket.get_status_display()}
        )
        if not roles.scope_queryset(request.user, Ticket.objects.filter(pk=pk)).exists():
            # The action moved the ticket out of the actor's scope (a station rejecting it): not onto a 404.
            return redirect_next(request, "tickets:list")
    return redirect_next(request, "tickets:detail", pk=pk)


@login_required
@roles.role_required("tickets.work")
def ticket_complete(request, pk: int):
    try:
        ticket = selectors.ticket_get_visible_to(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    roles.require(request.user, "tickets.work", ticket)
    defaults = selectors.completion_defaults_for(ticket=ticket)
    choices, part_data = _part_choices(defaults)
    form = CompleteForm(request.POST or None, request.FILES or None, part_choices=choices, part_data=part_data)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.ticket_complete(
                ticket_id=ticket.pk,
                actor=request.user,
                fault_found=d["fault_found"],
                diagnosis=d["diagnosis"],
                work_done=d["work_done"],
                no_fault_found=d["no_fault_found"],
                parts=form.parts(),
                charge_amount=d.get("charge_amount") or 0,
                charge_consent=d["charge_consent"],
                signoff_name=d["signoff_name"],
                signature_data_url=d["signature"],
                photo_before=d.get("photo_before"),
                photo_after=d.get("photo_after"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Ticket %(number)s completed.") % {"number": ticket.number})
            return redirect("tickets:detail", pk=ticket.pk)
    context = {
        "ticket": ticket,
        "form": form,
        "defaults": defaults,
        "has_parts": len(choices) > 0,
        "phone": selectors.customer_phone_for(user=request.user, ticket=ticket),
    }
    return render(request, "tickets/complete.html", context)


def _part_choices(defaults: dict) -> tuple[list, dict]:
    """The part list grouped as the page suggests it, and per option its price and implied work-done phrase."""
    groups = [
        (_("Suggested for this fault"), defaults["suggested"]),
        (_("Fit this model"), defaults["fitting"]),
        (_("Do not fit this model"), defaults["other"]),
    ]
    choices, data = [], {}
    for label, rows in groups:
        if not rows:
            continue
        choices.append((label, [(r["item"].pk, f"{r['item'].name} ({r['quantity']})") for r in rows]))
        for r in rows:
            data[str(r["item"].pk)] = {
                "data-price": str(r["retail_price"]),
                "data-work-done": _("Replaced the %(part)s") % {"part": r["item"].name},
            }
    return choices, data


@login_required
@roles.role_required("tickets.view")
def repair_report(request, pk: int):
    try:
        ticket = selectors.ticket_get_visible_to(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    if ticket.completed_at is None:
        raise Http404
    return pdf_download(
        repair_report_pdf(ticket=ticket, status_url=_status_url(request, ticket)), f"{ticket.number}.pdf"
    )


def _status_url(request, ticket) -> str:
    """The self-service page for this ticket, as the report's QR code opens it: the number only (the customer
    still types the phone's last four digits), at SITE_URL when set, else where this request came in."""
    base = settings.SITE_URL or request.build_absolute_uri("/")
    return urljoin(base, reverse("tickets:status")) + "?" + urlencode({"number": ticket.number})


@login_required
@roles.role_required("tickets.view")
def ticket_file(request, pk: int, field: str):
    """Photos and signatures are private: streamed only to users who may see the ticket."""
    if field not in ("photo_before", "photo_after", "signoff_image"):
        raise Http404
    try:
        ticket = selectors.ticket_get_visible_to(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    return stored_file_response(getattr(ticket, field), content_type="image/png" if field == "signoff_image" else None)


@login_required
@roles.role_required("tickets.queue")
def queue(request):
    """The technician's phone page: my station's open tickets, most urgent deadline first."""
    if not request.user.station_id:
        raise PermissionDenied
    mine_only = request.GET.get("mine") == "1"
    tickets = selectors.station_queue(
        station_id=request.user.station_id, technician=request.user if mine_only else None
    )[:100]
    now = timezone.now()
    return render(
        request,
        "tickets/queue.html",
        {"tickets": tickets, "now": now, "mine_only": mine_only, "live_seconds": setting("LIVE_QUEUE_POLL_SECONDS")},
    )


@login_required
@roles.role_required("tickets.queue")
@require_GET
def queue_state(request):
    """The queue page's poll (JSON, one aggregate query): when its version changes the page reloads its list."""
    if not request.user.station_id:
        raise PermissionDenied
    mine_only = request.GET.get("mine") == "1"
    state = selectors.station_queue_state(
        station_id=request.user.station_id, technician=request.user if mine_only else None
    )
    response = JsonResponse(state)
    response["Cache-Control"] = "no-store"
    return response


# --- callbacks ----------------------------------------------------------------------------------


@login_required
@roles.role_required("callbacks.view")
def callback_list(request):
    status = request.GET.get("status", Callback.Status.OPEN)
    rows = page_rows(
        request, filters.CallbackFilter, selectors.callback_list(), defaults={"status": Callback.Status.OPEN}
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/callback_list.html",
        {
            "page_obj": page,
            "status": status,
            "now": timezone.now(),
            "live_seconds": setting("LIVE_QUEUE_POLL_SECONDS"),
        },
    )


@login_required
@roles.role_required("callbacks.view")
@report_view
@require_GET
def callback_export(request):
    rows = page_rows(
        request, filters.CallbackFilter, selectors.callback_list(), defaults={"status": Callback.Status.OPEN}
    )
    return CALLBACKS_EXPORT.response(rows.select_related(*CALLBACKS_EXPORT_JOINS))


@login_required
@roles.role_required("callbacks.view")
@require_GET
def callback_queue_state(request):
    """The callback queue's poll (JSON): one aggregate query; a GET writes nothing."""
    response = JsonResponse(selectors.callback_queue_state())
    response["Cache-Control"] = "no-store"
    return response


@login_required
@roles.role_required("callbacks.make")
def callback_detail(request, pk: int):
    callback = get_object_or_404(
        Callback.objects.select_related("ticket", "ticket__customer", "ticket__device", "ticket__station"), pk=pk
    )
    form = CallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.callback_attempt(
                callback_id=callback.pk,
                actor=request.user,
                reached=d["reached"] == "1",
                repaired=d.get("repaired"),
                technician_on_time=d.get("technician_on_time"),
                charges_correct=d.get("charges_correct"),
                satisfaction=d.get("satisfaction"),
                comments=d.get("comments", ""),
                grievance=d.get("grievance", ""),
                complaint_category=d.get("complaint_category") or Complaint.Category.OTHER,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Callback recorded."))
            return redirect("tickets:callbacks")
    return render(
        request,
        "tickets/callback_detail.html",
        {"callback": callback, "form": form, "attempts": callback.attempt_log.select_related("actor")},
    )


# --- complaints ---------------------------------------------------------------------------------


@login_required
@roles.role_required("complaints.view")
def complaint_list(request):
    status = request.GET.get("status", "")
    rows = page_rows(request, filters.ComplaintFilter, selectors.complaint_list_for(user=request.user))
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/complaint_list.html",
        {"page_obj": page, "status": status, "statuses": Complaint.Status.choices, "now": timezone.now()},
    )


@login_required
@roles.role_required("complaints.view")
@report_view
@require_GET
def complaint_export(request):
    rows = page_rows(request, filters.ComplaintFilter, selectors.complaint_list_for(user=request.user))
    return COMPLAINTS_EXPORT.response(rows)


@login_required
@roles.role_required("complaints.create")
def complaint_create(request):
    form = ComplaintForm(request.POST or None, initial={"ticket_number": request.GET.get("ticket", "")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            complaint = services.complaint_create(
                actor=request.user,
                ticket_id=d["ticket_number"].pk if d["ticket_number"] else None,
                station=d["station"],
                technician=d["technician"],
                category=d["category"],
                description=d["description"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Complaint recorded."))
            return redirect("tickets:complaint", pk=complaint.pk)
    return render(request, "tickets/complaint_form.html", {"form": form})


@login_required
@roles.role_required("complaints.view")
def complaint_detail(request, pk: int):
    complaint = get_object_or_404(
        roles.scope_queryset(request.user, Complaint.objects.select_related("ticket", "station", "technician")), pk=pk
    )
    form = ResolveForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("verb") == "acknowledge":
                services.complaint_acknowledge(complaint_id=pk, actor=request.user, note=request.POST.get("note", ""))
                messages.success(request, _("Complaint acknowledged."))
                return redirect("tickets:complaint", pk=pk)
            if form.is_valid():
                services.complaint_resolve(complaint_id=pk, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Complaint resolved."))
                return redirect("tickets:complaint", pk=pk)
        except ValidationError as exc:
            flash_errors(request, exc)
    return render(
        request,
        "tickets/complaint_detail.html",
        {
            "complaint": complaint,
            "form": form,
            "events": audit_list_for_object(obj=complaint),
        },
    )


# --- daily reports and dashboard ----------------------------------------------------------------


@login_required
@roles.role_required("daily_reports.view")
def daily_report_list(request):
    day = None
    with contextlib.suppress(ValueError):  # a well-formed impossible date: the filter below names it
        day = parse_date(request.GET.get("day", "") or "")
    if day is None and not roles.is_station_staff(request.user):
        day = timezone.localdate() - datetime.timedelta(days=1)
        if not DailyReport.objects.filter(day=day).exists():
            day = DailyReport.objects.order_by("-day").values_list("day", flat=True).first() or day
    defaults = {"day": day.isoformat()} if day else {}
    reports = page_rows(
        request, filters.DailyReportFilter, selectors.daily_report_list_for(user=request.user), defaults=defaults
    )
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    summary = selectors.daily_report_summary(day=day) if day and not roles.is_station_staff(request.user) else None
    return render(request, "tickets/daily_reports.html", {"page_obj": page, "day": day, "summary": summary})


@login_required
@roles.role_required("daily_reports.submit")
@require_POST
def daily_report_submit(request, pk: int):
    try:
        services.daily_report_submit(report_id=pk, actor=request.user, remarks=request.POST.get("remarks", ""))
    except DailyReport.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Daily report submitted."))
    return redirect("tickets:daily-reports")


@login_required
@roles.role_required("tickets.dashboard")
@report_view
def dashboard(request):
    today = timezone.localdate()
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 366))
    except ValueError:
        days = 30
    start = today - datetime.timedelta(days=days - 1)
    station_ids = None  # the network
    if roles.is_station_staff(request.user):
        station_ids = [request.user.station_id]
    elif roles.is_regional(request.user):  # the stations located in the manager's regions (one query)
        station_ids = roles.region_station_ids(request.user)
    figures = selectors.dashboard_figures(station_ids=station_ids, start=start, end=today)
    names = dict(Station.objects.filter(pk__in=list(figures["per_station"])).values_list("pk", "name"))
    per_station = sorted(
        ({"name": names.get(sid, sid), **row} for sid, row in figures["per_station"].items()),
        key=lambda r: str(r["name"]),
    )
    return render(
        request,
        "tickets/dashboard.html",
        {"f": figures, "per_station": per_station, "days": days, "start": start, "end": today},
    )


# --- customer self-service (public, no login) ----------------------------------------------------

# the signed access of the ticket the customer looked up (services.self_service_access_issue)
SELF_SERVICE_SESSION_KEY = "tickets_self_service_access"


def _self_service_ticket_id(request) -> int | None:
    """The ticket this browser verified, or None (never looked up, or the access expired: it is forgotten)."""
    access = request.session.get(SELF_SERVICE_SESSION_KEY, "")
    try:
        return services.self_service_ticket_id(access=access)
    except PermissionDenied as exc:
        if access:
            request.session.pop(SELF_SERVICE_SESSION_KEY, None)
            messages.info(request, str(exc))
        return None


@never_cache
def self_service_lookup(request):
    """The customer enters the ticket number and the phone's last four digits (the report's QR fills the number)."""
    form = SelfServiceLookupForm(request.POST or None, initial={"number": request.GET.get("number", "")[:40]})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.self_service_lookup(
                number=form.cleaned_data["number"],
                phone_last4=form.cleaned_data["phone_last4"],
                ip_address=throttle.client_ip(request),
            )
        except services.SelfServiceThrottled as exc:
            form.add_error(None, exc.messages[0])
            status = 429
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            request.session[SELF_SERVICE_SESSION_KEY] = services.self_service_access_issue(ticket=ticket)
            return redirect("tickets:status-ticket")
    return render(request, "tickets/self_service_lookup.html", {"form": form}, status=status)


@never_cache
def self_service_status(request):
    ticket_id = _self_service_ticket_id(request)
    if ticket_id is None:
        return redirect("tickets:status")
    return render(
        request,
        "tickets/self_service_status.html",
        {"s": selectors.self_service_status_for(ticket_id=ticket_id), "form": SelfServiceAnswerForm()},
    )


@require_POST
def self_service_answer(request):
    """Confirm or dispute the repair: the callback's self-service channel (one answer per callback)."""
    form = SelfServiceAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the repair is fine or there is a problem."))
        return redirect("tickets:status-ticket")
    try:
        services.callback_answer_by_customer(
            access=request.session.get(SELF_SERVICE_SESSION_KEY, ""),
            confirmed=form.cleaned_data["answer"] == "confirm",
            satisfaction=form.cleaned_data["satisfaction"],
            comments=form.cleaned_data["comments"],
        )
    except PermissionDenied as exc:
        request.session.pop(SELF_SERVICE_SESSION_KEY, None)
        messages.info(request, str(exc))
        return redirect("tickets:status")
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Thank you, your answer is recorded."))
    return redirect("tickets:status-ticket")


@never_cache
def self_service_report(request):
    """The repair report PDF of the verified ticket once it is completed — never by a guessable URL."""
    ticket_id = _self_service_ticket_id(request)
    if ticket_id is None:
        return redirect("tickets:status")
    ticket = selectors.self_service_report_ticket(ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    return pdf_download(
        repair_report_pdf(ticket=ticket, status_url=_status_url(request, ticket)), f"{ticket.number}.pdf"
    )


@require_POST
def self_service_end(request):
    request.session.pop(SELF_SERVICE_SESSION_KEY, None)
    return redirect("tickets:status")
