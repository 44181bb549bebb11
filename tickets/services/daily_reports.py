"""Daily reports (日报): building, submitting, closing and the late-report penalties."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import JobRun
from repairnet.services import audit_record, ensure, setting
from spares.selectors import loans_outstanding
from stations.models import Station
from stations.services import sanction_raise

from ..models import (
    DailyReport,
    SlaBreach,
    Ticket,
)
from ..selectors import daily_report_summary

# --- daily reports (日报) -----------------------------------------------------------------------


def _day_bounds(day: datetime.date):
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def daily_reports_build(*, day: datetime.date | None = None) -> int:
    """Every active station's report for ``day``: one grouped query per measure for all stations."""
    day = day or timezone.localdate()
    start, end = _day_bounds(day)
    station_ids = list(Station.objects.filter(status=Station.Status.ACTIVE).values_list("pk", flat=True))
    base = Ticket.objects.filter(station_id__in=station_ids)

    def grouped(qs, **extra):
        return dict(qs.values("station_id").annotate(n=Count("pk", **extra)).values_list("station_id", "n"))

    received = grouped(base.filter(dispatched_at__gte=start, dispatched_at__lt=end))
    accepted = grouped(base.filter(accepted_at__gte=start, accepted_at__lt=end))
    completed = grouped(base.filter(completed_at__gte=start, completed_at__lt=end))
    open_qs = base.filter(status__in=Ticket.OPEN_STATES, received_at__lt=end)
    buckets = {
        "lt1": (end - datetime.timedelta(days=1), end),
        "d1_3": (end - datetime.timedelta(days=3), end - datetime.timedelta(days=1)),
        "d3_7": (end - datetime.timedelta(days=7), end - datetime.timedelta(days=3)),
    }
    by_age = {
        name: grouped(open_qs.filter(received_at__gte=lo, received_at__lt=hi)) for name, (lo, hi) in buckets.items()
    }
    by_age["gt7"] = grouped(open_qs.filter(received_at__lt=end - datetime.timedelta(days=7)))
    breaches = dict(
        SlaBreach.objects.filter(ticket__station_id__in=station_ids, recorded_at__gte=start, recorded_at__lt=end)
        .values("ticket__station_id")
        .annotate(n=Count("pk"))
        .values_list("ticket__station_id", "n")
    )
    parts: dict[int, int] = {}
    for station_id, used in (
        base.filter(completed_at__gte=start, completed_at__lt=end)
        .exclude(parts_used=[])
        .values_list("station_id", "parts_used")
    ):
        parts[station_id] = parts.get(station_id, 0) + sum(int(p.get("quantity", 0)) for p in used or [])
    loans = _spares_on_loan(station_ids)
    deadline = datetime.datetime.combine(
        day + datetime.timedelta(days=1),
        datetime.time(setting("DAILY_REPORT_DEADLINE_HOUR")),
        tzinfo=timezone.get_current_timezone(),
    )
    existing = {r.station_id: r for r in DailyReport.objects.filter(day=day, station_id__in=station_ids)}
    new, changed = [], []
    for sid in station_ids:
        values = {
            "received": received.get(sid, 0),
            "accepted": accepted.get(sid, 0),
            "completed": completed.get(sid, 0),
            "open_by_age": {name: by_age[name].get(sid, 0) for name in ("lt1", "d1_3", "d3_7", "gt7")},
            "sla_breaches": breaches.get(sid, 0),
            "parts_used": parts.get(sid, 0),
            "spares_on_loan": loans.get(sid, 0),
        }
        values["open_total"] = sum(values["open_by_age"].values())
        report = existing.get(sid) or DailyReport(station_id=sid, day=day, deadline=deadline)
        for name, value in values.items():
            setattr(report, name, value)
        (changed if report.pk else new).append(report)
    DailyReport.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        DailyReport.objects.bulk_update(
            changed,
            [
                "received",
                "accepted",
                "completed",
                "open_by_age",
                "open_total",
                "sla_breaches",
                "parts_used",
                "spares_on_loan",
            ],
        )
    return len(new) + len(changed)


def _spares_on_loan(station_ids) -> dict[int, int]:
    """Spare machines out on loan per station, in one grouped query (spares' selector)."""
    rows = (
        loans_outstanding()
        .filter(location__station_id__in=station_ids)
        .order_by()
        .values("location__station_id")
        .annotate(n=Count("pk"))
    )
    return {r["location__station_id"]: r["n"] for r in rows}


@transaction.atomic
def daily_report_submit(*, report_id: int, actor, remarks: str = "", now=None) -> DailyReport:
    report = DailyReport.objects.select_for_update().get(pk=report_id)
    roles.require(actor, "daily_reports.submit", report)
    ensure(report.status == DailyReport.Status.DRAFT, _("This report is already submitted."), "already_submitted")
    now = now or timezone.now()
    report.remarks, report.status = (remarks or "").strip(), DailyReport.Status.SUBMITTED
    report.submitted_at, report.submitted_by = now, actor
    report.is_late = report.is_late or now > report.deadline
    report.save(update_fields=["remarks", "status", "submitted_at", "submitted_by", "is_late"])
    audit_record(obj=report, verb="submit", actor=actor, note=remarks, data={"late": report.is_late})
    return report


def daily_reports_close(*, now=None) -> dict:
    """After the deadline: mark unsubmitted reports late and e-mail HQ the network summary (once per day)."""
    now = now or timezone.now()
    late = DailyReport.objects.filter(status=DailyReport.Status.DRAFT, deadline__lt=now, is_late=False).update(
        is_late=True
    )
    penalties = daily_report_late_penalties_raise(now=now)
    day = timezone.localtime(now).date() - datetime.timedelta(days=1)
    sent = 0
    recipients = getattr(settings, "HQ_REPORT_EMAILS", [])
    already = JobRun.objects.filter(name="daily_reports_summary_mail", result=str(day), ok=True).exists()
    if recipients and not already:
        summary = daily_report_summary(day=day)
        body = "\n".join(f"{k}: {v}" for k, v in summary.items())
        send_mail(_("RepairNet daily summary %(day)s") % {"day": day}, body, None, recipients)
        JobRun.objects.create(name="daily_reports_summary_mail", ok=True, result=str(day), finished_at=now)
        sent = 1
    return {"late": late, "penalties": penalties, "mailed": sent}


def daily_report_late_penalties_raise(*, now=None) -> int:
    """SPEC 1.5: each late daily report beyond the allowance (2) in a month → `daily_report_late` penalty.
    Idempotent: the sanction's source_ref is the report."""
    now = now or timezone.now()
    month_start = timezone.localtime(now).date().replace(day=1)
    allowance = setting("DAILY_REPORT_LATE_ALLOWANCE")
    late = (
        DailyReport.objects.filter(is_late=True, day__gte=month_start)
        .select_related("station")
        .order_by("station_id", "day")
    )
    raised, seen = 0, {}
    for report in late:
        seen[report.station_id] = seen.get(report.station_id, 0) + 1
        if seen[report.station_id] > allowance:
            sanction_raise(
                station=report.station, rule_code="daily_report_late", actor=roles.SYSTEM,
                note=str(report.day), source_ref=f"daily_report:{report.pk}",
            )  # fmt: skip
            raised += 1
    return raised
