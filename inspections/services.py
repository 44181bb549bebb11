"""Every write of the inspections area: scheduling, filling, submitting, rectification, overdue job."""

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import outbox, roles
from repairnet import selectors as repairnet_selectors
from repairnet.models import OutboxEvent
from repairnet.services import apply_transition, audit_record, ensure, setting
from spares.selectors import stock_expected_for_count
from spares.services import stocktake_propose
from stations.services import sanction_raise

from .models import ChecklistItem, Inspection, ItemScore, Rectification, StockCountLine
from .photos import photo_prepare

log = logging.getLogger(__name__)


def local_today() -> datetime.date:
    return timezone.localdate()


def grade_for(total: int, *, on: datetime.date | None = None) -> str:
    """A ≥ 90, B ≥ 80, C ≥ 60, else D (GRADE_THRESHOLDS in force on ``on``; default today, the day it is graded)."""
    thresholds = setting("GRADE_THRESHOLDS", on=on)
    for grade, minimum in sorted(thresholds.items(), key=lambda kv: kv[1], reverse=True):
        if total >= minimum:
            return grade
    return Inspection.Grade.D


def _ensure_inspector(actor, inspection: Inspection) -> None:
    if roles.has_role(actor, roles.ADMIN):
        return
    if not roles.has_role(actor, roles.INSPECTOR) or inspection.inspector_id != actor.pk:
        raise PermissionDenied(_("Only the assigned inspector can fill in this inspection."))


def _ensure_draft(inspection: Inspection) -> None:
    ensure(inspection.is_draft, _("This inspection has been submitted and can no longer be changed."), "submitted")


# --- scheduling ----------------------------------------------------------------------------------


@transaction.atomic
def inspection_schedule(
    *, station, inspector, scheduled_for: datetime.date, actor, reinspection_of: Inspection | None = None
) -> Inspection:
    """Plan a visit: copy the current checklist (snapshot) and the station's expected stock."""
    from .selectors import template_current

    ensure(
        roles.has_role(inspector, roles.INSPECTOR) and inspector.is_active,
        _("The chosen user is not an inspector."),
        "not_inspector",
    )
    ensure(station.status == "active", _("Only active stations can be inspected."), "station_inactive")
    if reinspection_of is None:
        ensure(
            scheduled_for >= local_today(), _("The date must not be in the past."), "date_past", field="scheduled_for"
        )
    template = template_current()
    ensure(template is not None, _("No checklist template is in use."), "no_template")
    inspection = Inspection.objects.create(
        station=station,
        inspector=inspector,
        scheduled_for=scheduled_for,
        template=template,
        template_version=template.version,
        reinspection_of=reinspection_of,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    items = ChecklistItem.objects.filter(section__template=template).select_related("section")
    ItemScore.objects.bulk_create(
        ItemScore(
            inspection=inspection,
            item=item,
            section_position=item.section.position,
            section_title=item.section.title,
            position=item.position,
            item_code=item.code,
            item_text=item.text,
            max_score=item.max_score,
        )
        for item in items
    )
    _stock_lines_sync(inspection)
    audit_record(
        obj=inspection,
        verb="schedule",
        actor=actor,
        to_state=inspection.status,
        data={"station": station.pk, "inspector": inspector.pk, "date": scheduled_for.isoformat()},
        note=_("Re-inspection after grade D") if reinspection_of else "",
    )
    return inspection


def _stock_lines_sync(inspection: Inspection) -> int:
    """Copy the ledger's expected stock (spares) into count lines; counted quantities are kept."""
    rows = stock_expected_for_count(station=inspection.station)
    existing = {line.spare_item_id: line for line in inspection.stock_lines.all()}
    created = 0
    for row in rows:
        line = existing.get(row["item_id"])
        if line is None:
            StockCountLine.objects.create(
                inspection=inspection,
                spare_item_id=row["item_id"],
                item_name=row["item_name"],
                serial_tracked=bool(row.get("serial_tracked")),
                expected_quantity=row["quantity"],
                expected_serials=list(row.get("serials") or []),
            )
            created += 1
        else:
            line.expected_quantity = row["quantity"]
            line.expected_serials = list(row.get("serials") or [])
            line.save(update_fields=["expected_quantity", "expected_serials"])
    return created


@transaction.atomic
def inspection_stock_refresh(*, inspection_id: int, actor) -> Inspection:
    """Re-read the ledger's expected stock into a draft (e.g. parts used since it was scheduled)."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection_id)
    _ensure_inspector(actor, inspection)
    _ensure_draft(inspection)
    _stock_lines_sync(inspection)
    return inspection


# --- filling (autosaved per item) ----------------------------------------------------------------


@transaction.atomic
def item_score_save(
    *,
    score_id: int,
    actor,
    score: int | None = None,
    comment: str | None = None,
    photo=None,
    remove_photo: bool = False,
) -> ItemScore:
    """Save one checklist line of a draft. Only given fields change, so each tap can be saved alone."""
    line = ItemScore.objects.select_for_update().select_related("inspection").get(pk=score_id)
    _ensure_inspector(actor, line.inspection)
    _ensure_draft(line.inspection)
    fields = []
    if score is not None:
        ensure(
            0 <= score <= line.max_score,
            _("The score must be between 0 and %(max)s.") % {"max": line.max_score},
            "score_range",
            field="score",
        )
        line.score = score
        fields.append("score")
    if comment is not None:
        line.comment = comment.strip()[:2000]
        fields.append("comment")
    if photo is not None:
        prepared = photo_prepare(photo)
        if line.photo:
            line.photo.delete(save=False)
        line.photo.save(prepared.name, prepared, save=False)
        fields.append("photo")
    elif remove_photo and line.photo:
        line.photo.delete(save=False)
        fields.append("photo")
    if fields:
        line.save(update_fields=[*fields, "updated_at"])
    return line


@transaction.atomic
def stock_count_save(*, line_id: int, actor, counted_quantity: int | None, note: str | None = None) -> StockCountLine:
    line = StockCountLine.objects.select_for_update().select_related("inspection").get(pk=line_id)
    _ensure_inspector(actor, line.inspection)
    _ensure_draft(line.inspection)
    ensure(
        counted_quantity is None or counted_quantity >= 0,
        _("The counted quantity cannot be negative."),
        "qty_negative",
        field="counted_quantity",
    )
    line.counted_quantity = counted_quantity
    fields = ["counted_quantity"]
    if note is not None:
        line.note = note.strip()[:200]
        fields.append("note")
    line.save(update_fields=fields)
    return line


# --- submitting ----------------------------------------------------------------------------------


@transaction.atomic
def inspection_submit(*, inspection_id: int, actor, summary: str = "") -> Inspection:
    """Total and grade; a rectification per item below its maximum; stock differences proposed to spares;
    grade D → penalty and a re-inspection; grade A → reward."""
    inspection = Inspection.objects.select_for_update().select_related("station").get(pk=inspection_id)
    _ensure_inspector(actor, inspection)
    _ensure_draft(inspection)
    lines = list(inspection.scores.select_for_update().order_by("section_position", "position"))
    missing = [line for line in lines if line.score is None]
    ensure(
        not missing,
        _("%(n)s item(s) are not scored yet, first: %(item)s") % {"n": len(missing), "item": missing[0].item_text}
        if missing
        else "",
        "unscored",
    )
    stock_lines = list(inspection.stock_lines.all())
    uncounted = [line for line in stock_lines if line.counted_quantity is None]
    ensure(
        not uncounted,
        _("Stock not counted yet: %(item)s") % {"item": uncounted[0].item_name} if uncounted else "",
        "uncounted",
    )
    total = sum(line.score for line in lines)
    inspection.total = total
    inspection.grade = grade_for(total)
    inspection.summary = summary.strip()
    inspection.submitted_at = timezone.now()
    apply_transition(
        inspection,
        to=Inspection.Status.SUBMITTED,
        actor=actor,
        verb="submit",
        extra_update_fields=("total", "grade", "summary", "submitted_at"),
        data={"total": total, "grade": inspection.grade},
    )
    deadline = local_today() + datetime.timedelta(days=setting("RECTIFICATION_DAYS"))
    Rectification.objects.bulk_create(
        Rectification(inspection=inspection, item_score=line, station=inspection.station, deadline=deadline)
        for line in lines
        if line.score < line.max_score
    )
    _propose_stock_differences(inspection, stock_lines, actor)
    source_ref = f"inspection:{inspection.pk}"
    if inspection.grade == Inspection.Grade.D:
        _raise_sanction(inspection.station, "inspection_grade_d", actor, source_ref, _("Inspection grade D"))
        if not hasattr(inspection, "reinspection"):
            days = setting("REINSPECTION_DAYS")
            inspection_schedule(
                station=inspection.station,
                inspector=inspection.inspector,
                scheduled_for=local_today() + datetime.timedelta(days=days),
                actor=actor,
                reinspection_of=inspection,
            )
    elif inspection.grade == Inspection.Grade.A:
        _raise_sanction(inspection.station, "inspection_grade_a", actor, source_ref, _("Inspection grade A"))
    return inspection


def _propose_stock_differences(inspection: Inspection, stock_lines, actor) -> list:
    counts = [
        {"item_id": line.spare_item_id, "counted_quantity": line.counted_quantity}
        for line in stock_lines
        if line.counted_quantity != line.expected_quantity
    ]
    if not counts:
        return []
    proposals = stocktake_propose(
        station=inspection.station, counts=counts, actor=actor, source_ref=f"inspection:{inspection.pk}"
    )
    audit_record(obj=inspection, verb="stocktake_proposed", actor=actor, data={"counts": counts})
    return list(proposals or [])


def _raise_sanction(station, rule_code: str, actor, source_ref: str, note: str):
    return sanction_raise(station=station, rule_code=rule_code, actor=actor, note=note, source_ref=source_ref)


# --- rectification ------------------------------------------------------------------------------


def _lock_rectification(rectification_id: int) -> Rectification:
    return Rectification.objects.select_for_update().select_related("inspection").get(pk=rectification_id)


@transaction.atomic
def rectification_answer(*, rectification_id: int, actor, answer: str, evidence=None) -> Rectification:
    """The station (coordinator) says what it did, with an optional evidence photo."""
    rect = _lock_rectification(rectification_id)
    roles.require(actor, "rectifications.answer", rect)
    ensure(bool((answer or "").strip()), _("Please describe what was done."), "answer_required")
    if evidence is not None:
        prepared = photo_prepare(evidence)
        if rect.evidence:
            rect.evidence.delete(save=False)
        rect.evidence.save(prepared.name, prepared, save=False)
    rect.answer = answer.strip()
    rect.answered_at = timezone.now()
    rect.answered_by = actor
    return apply_transition(
        rect,
        to=Rectification.Status.ANSWERED,
        actor=actor,
        verb="answer",
        note=rect.answer[:500],
        extra_update_fields=("answer", "evidence", "answered_at", "answered_by"),
    )


@transaction.atomic
def rectification_confirm(*, rectification_id: int, actor, note: str = "") -> Rectification:
    rect = _lock_rectification(rectification_id)
    roles.require(actor, "rectifications.confirm", rect)
    rect.decided_at = timezone.now()
    rect.decided_by = actor
    return apply_transition(
        rect,
        to=Rectification.Status.CONFIRMED,
        actor=actor,
        verb="confirm",
        note=note,
        extra_update_fields=("decided_at", "decided_by"),
    )


@transaction.atomic
def rectification_reject(*, rectification_id: int, actor, reason: str) -> Rectification:
    """Not good enough: back to open with the reason; the deadline stays."""
    rect = _lock_rectification(rectification_id)
    roles.require(actor, "rectifications.confirm", rect)
    ensure(
        rect.status == Rectification.Status.ANSWERED, _("Only an answered item can be rejected."), "invalid_transition"
    )
    rect.reject_reason = (reason or "").strip()
    rect.rejection_count += 1
    return apply_transition(
        rect,
        to=Rectification.Status.OPEN,
        actor=actor,
        verb="reject",
        note=rect.reject_reason,
        require_note=True,
        extra_update_fields=("reject_reason", "rejection_count"),
    )


def rectification_mark_overdue(*, today: datetime.date | None = None) -> int:
    """Mark open items past their deadline overdue and raise one penalty each (idempotent)."""
    today = today or local_today()
    ids = list(
        Rectification.objects.filter(
            status=Rectification.Status.OPEN, deadline__lt=today, is_overdue=False
        ).values_list("pk", flat=True)
    )
    marked = 0
    for pk in ids:
        if _rectification_mark_one_overdue(pk, today):
            marked += 1
    rectifications_due_remind(today=today)
    return marked


def rectifications_due_remind(*, today: datetime.date | None = None) -> int:
    """Tell the station's coordinators of every open item due within ``RECTIFICATION_REMIND_DAYS`` (run by the
    daily overdue job): once per item and deadline. Returns how many items were reminded of."""
    today = today or local_today()
    last = today + datetime.timedelta(days=setting("RECTIFICATION_REMIND_DAYS"))
    rows = Rectification.objects.filter(
        status=Rectification.Status.OPEN, deadline__gte=today, deadline__lte=last
    ).values_list("pk", "station_id", "deadline", "item_score__item_text")
    coordinators: dict[int, list[int]] = {}
    count = 0
    for pk, station_id, deadline, item in rows:
        if station_id not in coordinators:
            coordinators[station_id] = repairnet_selectors.notification_recipient_ids(
                role_names=(roles.COORDINATOR,), station_id=station_id
            )
        outbox.enqueue(
            event=OutboxEvent.RECTIFICATION_DUE,
            key=f"rectification_due:{pk}:{deadline.isoformat()}",
            user_ids=coordinators[station_id],
            context={"deadline": deadline.isoformat(), "item": (item or "")[:120]},
            url=reverse("inspections:rectification-detail", args=[pk]),
        )
        count += 1
    return count


@transaction.atomic
def _rectification_mark_one_overdue(pk: int, today: datetime.date) -> bool:
    rect = Rectification.objects.select_for_update().select_related("station", "item_score").get(pk=pk)
    if rect.is_overdue or rect.status != Rectification.Status.OPEN or rect.deadline >= today:
        return False
    rect.is_overdue = True
    rect.overdue_at = timezone.now()
    rect.save(update_fields=["is_overdue", "overdue_at", "updated_at"])
    audit_record(obj=rect, verb="overdue", note=_("Deadline %(date)s passed") % {"date": rect.deadline.isoformat()})
    _raise_sanction(
        rect.station,
        "rectification_overdue",
        roles.SYSTEM,
        f"rectification:{rect.pk}",
        _("Rectification overdue: %(item)s") % {"item": rect.item_score.item_text},
    )
    return True


def validation_message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@transaction.atomic
def template_copy(*, template_id: int, actor):
    """A new checklist version copied from an existing one, not in use until HQ activates it."""
    from django.db.models import Max

    from .models import ChecklistSection, ChecklistTemplate

    source = ChecklistTemplate.objects.get(pk=template_id)
    version = (ChecklistTemplate.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    copy = ChecklistTemplate.objects.create(
        name=source.name, version=version, is_active=False, effective_from=local_today()
    )
    for section in source.sections.prefetch_related("items"):
        new_section = ChecklistSection.objects.create(template=copy, position=section.position, title=section.title)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(section=new_section, position=i.position, code=i.code, text=i.text, max_score=i.max_score)
            for i in section.items.all()
        )
    audit_record(obj=copy, verb="create", actor=actor, data={"copied_from": source.version})
    return copy
