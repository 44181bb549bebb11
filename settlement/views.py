"""Settlement pages: finance month view, statements, statement detail and drill-down, downloads."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from repairnet import roles
from repairnet.bulk import bulk_page
from repairnet.exports import XLSX_CONTENT_TYPE, pdf_download, xlsx_download
from repairnet.filters import page_rows
from repairnet.forms import flash_errors
from repairnet.replica import report_view
from repairnet.roles import role_required

from . import exports, filters, selectors, services
from .forms import AdjustmentForm, BulkNoteForm, DisputeForm, MonthForm, NoteForm, PaymentForm, ResolveForm
from .models import Statement


def _month(value: str) -> datetime.date:
    try:
        return services.parse_month(value)
    except ValidationError:
        raise Http404 from None


@role_required("settlement.view")
def index(request):
    """Finance/HQ land on the latest month; a coordinator on their station's statements."""
    if roles.is_station_staff(request.user):
        return redirect("settlement:statements")
    months = selectors.months_with_statements()
    month = months[0] if months else services.previous_month()
    return redirect("settlement:month", month=f"{month:%Y-%m}")


@role_required("settlement.view")
def month_view(request, month: str):
    if roles.is_station_staff(request.user):
        raise PermissionDenied
    first = _month(month)
    statements = page_rows(
        request, filters.StatementFilter, selectors.statement_list_for(user=request.user, month=first)
    )
    status = request.GET.get("status", "")
    page = Paginator(statements, 50).get_page(request.GET.get("page"))
    overview = selectors.month_overview(month=first)
    prev_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    context = {
        "month": first,
        "month_label": f"{first:%Y-%m}",
        "page_obj": page,
        "overview": overview,
        "chart": {
            "labels": [r["region"] for r in overview["by_region"]],
            "values": [float(r["net"]) for r in overview["by_region"]],
            "label": _("Net payable (CNY)"),
        },
        "status_filter": status,
        "run": selectors.run_latest(month=first),
        "months": selectors.months_with_statements(),
        "prev_month": f"{prev_month:%Y-%m}",
        "next_month": f"{next_month:%Y-%m}" if next_month <= timezone.localdate().replace(day=1) else "",
        "month_form": MonthForm(initial={"month": f"{first:%Y-%m}"}),
        # a background export just started: its box polls the status (no query here)
        "export_id": int(request.GET["export"]) if request.GET.get("export", "").isdigit() else None,
    }
    return render(request, "settlement/month.html", context)


@role_required("settlement.view")
def month_pick(request):
    form = MonthForm(request.GET)
    if form.is_valid():
        try:
            first = services.parse_month(form.cleaned_data["month"])
        except ValidationError as exc:
            flash_errors(request, exc)
            return redirect("settlement:index")
        return redirect("settlement:month", month=f"{first:%Y-%m}")
    return redirect("settlement:index")


@require_POST
@role_required("settlement.run")
def month_run(request, month: str):
    try:
        first = services.parse_month(month)
        run = services.settlement_run_start(month=first, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("settlement:index")
    if run.waiting_for_queue:
        messages.warning(
            request,
            _(
                "The job queue cannot be reached right now. The run for %(month)s is recorded and has not "
                "started; it starts by itself within minutes of the queue coming back."
            )
            % {"month": month},
        )
    else:
        messages.success(request, _("The settlement run for %(month)s has started.") % {"month": month})
    return redirect(f"{reverse('settlement:month', kwargs={'month': month})}?run={run.pk}")


@require_POST
@role_required("settlement.issue")
def month_issue(request, month: str):
    first = _month(month)
    count = services.statements_issue_month(month=first, actor=request.user)
    messages.success(request, _("%(n)s statements issued to their stations.") % {"n": count})
    return redirect("settlement:month", month=month)


@role_required("settlement.view")
def run_status(request, pk: int):
    """Polled by the month page while a run is going."""
    run = selectors.run_get(pk=pk)
    return JsonResponse(
        {
            "id": run.pk,
            "month": f"{run.month:%Y-%m}",
            "status": run.status,
            "status_label": run.get_status_display(),
            "progress": run.progress,
            "message": run.message,
            "done": run.status in ("done", "failed"),
            "waiting_for_queue": run.waiting_for_queue,
        }
    )


@role_required("settlement.export")
@report_view
def month_workbook(request, month: str):
    first = _month(month)
    path = exports.workbook_build(month=first)
    return xlsx_download(path, f"settlement-{first:%Y-%m}.xlsx")


def _statement_rows(request):
    return page_rows(request, filters.StatementFilter, selectors.statement_list_for(user=request.user))


@require_POST
@role_required("settlement.export")
def month_workbook_export(request, month: str):
    """Start building the month's workbook on a worker; the month page shows its progress."""
    export = services.workbook_export_start(month=_month(month), actor=request.user)
    if export.status == export.Status.FAILED:
        messages.warning(request, export.message)
        return redirect("settlement:month", month=month)
    return redirect(f"{reverse('settlement:month', kwargs={'month': month})}?export={export.pk}")


@role_required("settlement.export")
def workbook_export_status(request, pk: int):
    """Polled by the month page, on whichever web node answers."""
    export = selectors.workbook_export_get(pk=pk)
    done = export.status == export.Status.DONE
    return JsonResponse(
        {
            "id": export.pk,
            "month": f"{export.month:%Y-%m}",
            "status": export.status,
            "status_label": export.get_status_display(),
            "progress": services.workbook_export_progress(export),
            "message": export.message,
            "done": export.status in (export.Status.DONE, export.Status.FAILED),
            "download_url": reverse("settlement:workbook-export-download", args=[export.pk]) if done else "",
        }
    )


@role_required("settlement.export")
def workbook_export_download(request, pk: int):
    export = selectors.workbook_export_get(pk=pk)
    if export.status != export.Status.DONE:
        raise Http404
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"settlement-{export.month:%Y-%m}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


@role_required("settlement.view")
def statement_list(request):
    page = Paginator(_statement_rows(request), 50).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "statuses": Statement.Status.choices,
        "can_issue": roles.can(request.user, "settlement.issue"),
    }
    return render(request, "settlement/statements.html", context)


@role_required("settlement.view")
@report_view
@require_GET
def statement_export(request):
    return exports.STATEMENTS_EXPORT.response(_statement_rows(request))


@require_POST
@role_required("settlement.issue")
def statement_bulk_issue(request):
    """Issue the ticked drafts: ``statement_issue`` once per statement (a statement not a draft is refused)."""
    form = BulkNoteForm(request.POST)
    return bulk_page(
        request,
        form=form,
        queryset=selectors.statement_list_for(user=request.user),
        call=lambda s: services.statement_issue(statement_id=s.pk, actor=request.user, note=form.cleaned_data["note"]),
        label=lambda s: f"{s.station.code} {s.month:%Y-%m}",
        default="settlement:statements",
    )


@role_required("settlement.view")
def statement_detail(request, pk: int):
    statement = selectors.statement_get_visible_to(user=request.user, pk=pk)
    user = request.user
    context = {
        "statement": statement,
        "lines": selectors.statement_lines(statement=statement),
        "adjustments": statement.adjustments.select_related("created_by").order_by("kind", "pk"),
        "excluded": statement.excluded.order_by("completed_at", "pk"),
        "can_pdf": roles.can(user, "settlement.pdf", statement),
        "dispute_form": DisputeForm(),
        "resolve_form": ResolveForm(),
        "note_form": NoteForm(),
        "payment_form": PaymentForm(),
        "adjustment_form": AdjustmentForm(),
    }
    return render(request, "settlement/statement_detail.html", context)


@role_required("settlement.view")
def statement_unpaid(request, pk: int):
    """What the station was not paid on this statement and why, with what would make each ticket payable."""
    statement = selectors.statement_get_visible_to(user=request.user, pk=pk)
    context = {"statement": statement, **selectors.statement_unpaid(statement=statement)}
    return render(request, "settlement/statement_unpaid.html", context)


@role_required("settlement.view")
def statement_ticket(request, pk: int, ticket_id: int):
    """Drill-down: why one ticket of the statement counts (or not), with the customer phone masked."""
    statement = selectors.statement_get_visible_to(user=request.user, pk=pk)
    line = statement.lines.filter(ticket_id=ticket_id).select_related("ticket__customer", "ticket__device").first()
    excluded = None
    if line is None:
        excluded = get_object_or_404(
            statement.excluded.select_related("ticket__customer", "ticket__device"), ticket_id=ticket_id
        )
    ticket = (line or excluded).ticket
    try:
        ticket_url = reverse("tickets:detail", args=[ticket.pk])
    except NoReverseMatch:
        ticket_url = ""
    return render(
        request,
        "settlement/statement_ticket.html",
        {"statement": statement, "line": line, "excluded": excluded, "ticket": ticket, "ticket_url": ticket_url},
    )


@role_required("settlement.pdf")
def statement_pdf(request, pk: int):
    statement = selectors.statement_get_visible_to(user=request.user, pk=pk)
    roles.require(request.user, "settlement.pdf", statement)
    path = exports.statement_pdf_build(statement=statement)
    return pdf_download(path, f"statement-{statement.month:%Y-%m}-{statement.station.code}.pdf")


ACTIONS = {
    # action → (form class or None, service call)
    "issue": (NoteForm, lambda s, u, d: services.statement_issue(statement_id=s.pk, actor=u, note=d["note"])),
    "confirm": (NoteForm, lambda s, u, d: services.statement_confirm(statement_id=s.pk, actor=u, note=d["note"])),
    "dispute": (
        DisputeForm,
        lambda s, u, d: services.statement_dispute(statement_id=s.pk, actor=u, reason=d["reason"]),
    ),
    "resolve": (
        ResolveForm,
        lambda s, u, d: services.statement_resolve_dispute(
            statement_id=s.pk, actor=u, resolution=d["resolution"], reopen=d["reopen"]
        ),
    ),
    "approve": (NoteForm, lambda s, u, d: services.statement_approve(statement_id=s.pk, actor=u, note=d["note"])),
    "pay": (
        PaymentForm,
        lambda s, u, d: services.statement_record_payment(
            statement_id=s.pk, actor=u, paid_on=d["paid_on"], reference=d["reference"]
        ),
    ),
    "adjust": (
        AdjustmentForm,
        lambda s, u, d: services.adjustment_add(
            statement_id=s.pk, actor=u, amount=d["amount"], description=d["description"]
        ),
    ),
}


@require_POST
@role_required("settlement.view")
def statement_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    statement = selectors.statement_get_visible_to(user=request.user, pk=pk)
    roles.require(request.user, f"settlement.{action}", statement)
    form_class, call = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("settlement:statement", pk=pk)
    try:
        call(statement, request.user, form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("settlement:statement", pk=pk)
