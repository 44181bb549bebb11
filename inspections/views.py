"""Pages of the inspections area: thin — check permission and scope, call one service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from repairnet import roles
from repairnet.exports import pdf_download
from repairnet.filestore import stored_file_response
from repairnet.filters import page_rows

from . import exports, filters, selectors, services
from .forms import AnswerForm, ConfirmForm, RejectForm, ScheduleForm, SubmitForm
from .models import Inspection, ItemScore, Rectification, StockCountLine


def _errors(exc: ValidationError) -> str:
    return services.validation_message(exc)


@roles.role_required("inspections.view")
def inspection_list(request):
    user = request.user
    qs = page_rows(request, filters.InspectionFilter, selectors.inspection_list_visible_to(user))
    status = request.GET.get("status", "")
    qs = qs.annotate(
        open_rectifications=Count("rectifications", filter=~Q(rectifications__status=Rectification.Status.CONFIRMED))
    ).order_by("-scheduled_for", "-id")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "inspections": page.object_list,
        "status": status,
        "statuses": Inspection.Status.choices,
        "schedule_form": ScheduleForm() if roles.can(user, "inspections.schedule") else None,
        "upcoming": selectors.inspection_upcoming_for(inspector=user)
        if roles.has_role(user, roles.INSPECTOR)
        else None,
    }
    return render(request, "inspections/inspection_list.html", context)


@require_POST
@roles.role_required("inspections.schedule")
def inspection_schedule(request):
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            inspection = services.inspection_schedule(**form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Inspection scheduled."))
            return redirect("inspections:detail", pk=inspection.pk)
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''} {' '.join(errors)}")
    return redirect("inspections:list")


@roles.role_required("inspections.view")
def inspection_detail(request, pk: int):
    inspection = selectors.inspection_get_visible(user=request.user, inspection_id=pk)
    lines = selectors.inspection_lines(inspection)
    can_fill = inspection.is_draft and (
        inspection.inspector_id == request.user.pk and roles.can(request.user, "inspections.fill")
    )
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "sections": _group(lines),
            "stock_lines": list(inspection.stock_lines.all()),
            "can_fill": can_fill,
        },
    )


def _group(lines):
    sections: list[dict] = []
    for line in lines:
        if not sections or sections[-1]["position"] != line.section_position:
            sections.append({"position": line.section_position, "title": line.section_title, "lines": []})
        sections[-1]["lines"].append(line)
    for section in sections:
        section["max"] = sum(line.max_score for line in section["lines"])
        section["score"] = sum(line.score or 0 for line in section["lines"])
    return sections


def _fillable(request, pk: int) -> Inspection:
    inspection = selectors.inspection_get_visible(user=request.user, inspection_id=pk, action="inspections.fill")
    if inspection.inspector_id != request.user.pk and not roles.has_role(request.user, roles.ADMIN):
        raise PermissionDenied(_("Only the assigned inspector can fill in this inspection."))
    return inspection


@roles.role_required("inspections.fill")
def inspection_fill(request, pk: int):
    inspection = _fillable(request, pk)
    if not inspection.is_draft:
        return redirect("inspections:detail", pk=pk)
    if not inspection.stock_lines.exists():
        services.inspection_stock_refresh(inspection_id=pk, actor=request.user)
    lines = selectors.inspection_lines(inspection)
    for line in lines:
        line.choices = range(line.max_score + 1)
    return render(
        request,
        "inspections/inspection_fill.html",
        {
            "inspection": inspection,
            "sections": _group(lines),
            "stock_lines": list(inspection.stock_lines.all()),
            "scored": sum(1 for line in lines if line.score is not None),
            "total_items": len(lines),
            "submit_form": SubmitForm(initial={"summary": inspection.summary}),
            "js_messages": {
                "saving": _("Saving…"),
                "saved": _("Saved"),
                "uploading": _("Uploading photo…"),
                "error": _("Not saved."),
                "offline": _("No connection: kept on this phone, will be sent when back online."),
                "photo_queued": _("No connection: photo kept on this phone, it is uploaded when back online."),
                "uploaded": _("Photo uploaded"),
                # %(n)s is filled in on the phone
                "queued": _("%(n)s items waiting to upload"),
                "pending": _("Some changes are not saved yet. Check the connection and try again."),
            },
        },
    )


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _int_or_none(value):
    if value in (None, ""):
        return None
    return int(value)


@require_POST
@roles.role_required("inspections.fill")
def item_save(request, pk: int, line_id: int):
    """Autosave of one checklist line (fetch from the fill page). Only posted fields change."""
    _fillable(request, pk)
    line = get_object_or_404(ItemScore, pk=line_id, inspection_id=pk)
    try:
        score = _int_or_none(request.POST.get("score"))
    except ValueError:
        return _json_error(_("The score must be a whole number."))
    try:
        line = services.item_score_save(
            score_id=line.pk,
            actor=request.user,
            score=score,
            comment=request.POST.get("comment"),
            photo=request.FILES.get("photo"),
            remove_photo=request.POST.get("remove_photo") == "1",
        )
    except ValidationError as exc:
        return _json_error(_errors(exc))
    return JsonResponse(
        {
            "id": line.pk,
            "score": line.score,
            "comment": line.comment,
            "photo_url": reverse("inspections:item-photo", args=[line.pk]) + f"?v={line.updated_at.timestamp():.0f}"
            if line.photo
            else "",
            "saved_at": line.updated_at.isoformat(),
        }
    )


@require_POST
@roles.role_required("inspections.fill")
def stock_save(request, pk: int, line_id: int):
    _fillable(request, pk)
    line = get_object_or_404(StockCountLine, pk=line_id, inspection_id=pk)
    try:
        counted = _int_or_none(request.POST.get("counted_quantity"))
    except ValueError:
        return _json_error(_("The quantity must be a whole number."))
    try:
        line = services.stock_count_save(
            line_id=line.pk, actor=request.user, counted_quantity=counted, note=request.POST.get("note")
        )
    except ValidationError as exc:
        return _json_error(_errors(exc))
    return JsonResponse({"id": line.pk, "counted_quantity": line.counted_quantity, "difference": line.difference})


@require_POST
@roles.role_required("inspections.fill")
def inspection_submit(request, pk: int):
    _fillable(request, pk)
    form = SubmitForm(request.POST)
    summary = form.cleaned_data["summary"] if form.is_valid() else ""
    try:
        inspection = services.inspection_submit(inspection_id=pk, actor=request.user, summary=summary)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("inspections:fill", pk=pk)
    messages.success(
        request,
        _("Inspection submitted: %(total)s points, grade %(grade)s.")
        % {"total": inspection.total, "grade": inspection.grade},
    )
    return redirect("inspections:detail", pk=pk)


def _stream_image(field):
    return stored_file_response(field, content_type="image/jpeg")


@roles.role_required("inspections.view")
def item_photo(request, line_id: int):
    line = get_object_or_404(ItemScore.objects.select_related("inspection"), pk=line_id)
    selectors.inspection_get_visible(user=request.user, inspection_id=line.inspection_id)
    return _stream_image(line.photo)


@roles.role_required("rectifications.view")
def evidence_photo(request, pk: int):
    rect = selectors.rectification_get_visible(user=request.user, rectification_id=pk)
    return _stream_image(rect.evidence)


@roles.role_required("inspections.view")
def report_pdf(request, pk: int):
    inspection = selectors.inspection_get_visible(user=request.user, inspection_id=pk)
    path = exports.inspection_report_pdf(inspection=inspection)
    return pdf_download(path, f"inspection-{inspection.pk}-{inspection.station.code}.pdf")


@roles.role_required("inspections.view")
def rectification_pdf(request, pk: int):
    inspection = selectors.inspection_get_visible(user=request.user, inspection_id=pk)
    if inspection.is_draft:
        raise Http404
    path = exports.rectification_form_pdf(inspection=inspection)
    return pdf_download(path, f"rectification-{inspection.pk}-{inspection.station.code}.pdf")


# --- rectification --------------------------------------------------------------------------------


@roles.role_required("rectifications.view")
def rectification_list(request):
    qs = page_rows(request, filters.RectificationFilter, selectors.rectification_list_visible_to(request.user))
    status = request.GET.get("status", "")
    page = Paginator(selectors.rectification_order_for_work(qs), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/rectification_list.html",
        {
            "page_obj": page,
            "rectifications": page.object_list,
            "status": status,
            "statuses": Rectification.Status.choices,
        },
    )


@roles.role_required("rectifications.view")
def rectification_detail(request, pk: int):
    rect = selectors.rectification_get_visible(user=request.user, rectification_id=pk)
    return render(request, "inspections/rectification_detail.html", _rect_context(request, rect))


def _rect_context(request, rect, **forms):
    user = request.user
    can_answer = rect.status == Rectification.Status.OPEN and roles.can(user, "rectifications.answer", rect)
    can_decide = rect.status == Rectification.Status.ANSWERED and roles.can(user, "rectifications.confirm", rect)
    return {
        "rect": rect,
        "line": rect.item_score,
        "answer_form": forms.get("answer_form") or (AnswerForm() if can_answer else None),
        "confirm_form": ConfirmForm() if can_decide else None,
        "reject_form": forms.get("reject_form") or (RejectForm() if can_decide else None),
    }


@require_POST
@roles.role_required("rectifications.answer")
def rectification_answer(request, pk: int):
    rect = selectors.rectification_get_visible(user=request.user, rectification_id=pk)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.rectification_answer(
                rectification_id=rect.pk,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                evidence=form.cleaned_data.get("evidence") or None,
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Answer sent to the inspector."))
            return redirect("inspections:rectification-detail", pk=pk)
    return render(request, "inspections/rectification_detail.html", _rect_context(request, rect, answer_form=form))


@require_POST
@roles.role_required("rectifications.confirm")
def rectification_confirm(request, pk: int):
    rect = selectors.rectification_get_visible(user=request.user, rectification_id=pk)
    form = ConfirmForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.rectification_confirm(rectification_id=rect.pk, actor=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Rectification confirmed."))
    return redirect("inspections:rectification-detail", pk=pk)


@require_POST
@roles.role_required("rectifications.confirm")
def rectification_reject(request, pk: int):
    rect = selectors.rectification_get_visible(user=request.user, rectification_id=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_reject(
                rectification_id=rect.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Answer rejected; the item is open again."))
            return redirect("inspections:rectification-detail", pk=pk)
    return render(request, "inspections/rectification_detail.html", _rect_context(request, rect, reject_form=form))


# --- HQ overview ----------------------------------------------------------------------------------


@roles.role_required("inspections.overview")
def overview(request):
    latest = selectors.overview_latest_per_station()
    grade_counts = {g: 0 for g in Inspection.Grade.values}
    for row in latest:
        grade_counts[row.grade] = grade_counts.get(row.grade, 0) + 1
    station_id = request.GET.get("station", "")
    chosen = None
    if station_id.isdigit():
        chosen = next((row.station for row in latest if row.station_id == int(station_id)), None)
    if chosen is None and latest:
        chosen = latest[0].station
    trend = selectors.overview_trend(station_id=chosen.pk) if chosen else []
    failed = selectors.overview_most_failed_items()
    texts = selectors.item_texts_by_code(row["item_code"] for row in failed)
    for row in failed:
        row["text"] = texts.get(row["item_code"], row["item_code"])
    chart = {
        "labels": [row["scheduled_for"].isoformat() for row in trend],
        "totals": [row["total"] for row in trend],
        "grades": [row["grade"] for row in trend],
        "label": _("Total score"),
    }
    return render(
        request,
        "inspections/overview.html",
        {
            "latest": latest,
            "grade_counts": grade_counts,
            "chosen": chosen,
            "trend": trend,
            "chart": chart,
            "failed": failed,
        },
    )
