"""Background-job bookkeeping: every periodic task records its run so HQ can see last run and result."""

import datetime
import functools
import logging

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from .models import JobRun
from .services import setting

log = logging.getLogger("repairnet.jobs")

# The words for what jobs count (the keys of the dicts they return), in the reader's language on /jobs/.
COUNT_LABELS = {
    "created": _("created"),
    "escalated": _("escalated"),
    "recorded": _("recorded"),
    "built": _("built"),
    "late": _("late"),
    "penalties": _("penalties raised"),
    "rewards": _("rewards raised"),
    "mailed": _("mailed"),
    "flagged": _("flagged"),
    "suspended": _("suspended"),
    "warned": _("warned"),
    "approved": _("approved"),
    "deleted": _("deleted"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "overdue": _("marked overdue"),
    "drafts": _("drafts built"),
    "locked": _("statements left untouched"),
    "loaded": _("days loaded"),
    "days": _("days"),
    "requeued": _("queued again"),
    "failed": _("marked failed"),
    "dispatched": _("handed to the job queue"),
}


# Stored (untranslated) as the result of a run whose worker died; /jobs/ shows it in the reader's language.
ABANDONED = gettext_noop("Abandoned: its worker stopped before the job finished.")


def _stale_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(minutes=setting("JOB_STALE_MINUTES"))


def job_runs_abandoned_fail(*, name: str, now: datetime.datetime | None = None) -> int:
    """Record the job's runs that lost their worker as failed (the worker could not: it died)."""
    now = now or timezone.now()
    return JobRun.objects.filter(name=name, ok__isnull=True, started_at__lt=_stale_before(now)).update(
        ok=False, finished_at=now, result=ABANDONED
    )


def tracked_job(name: str, label: str):
    """Wrap a task body: record start, finish, success and what it did.

    ``label`` is the job's title, marked with ``gettext_noop`` so /jobs/ translates it when shown. The body
    returns a dict of counts (keys from COUNT_LABELS) or a short text.
    """

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            job_runs_abandoned_fail(name=name)  # every schedule runs well within the stale time
            run = JobRun.objects.create(name=name, label=label)
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), ok=False, result=repr(exc)[:2000])
                log.exception("job %s failed", name)
                raise
            counts = {k: v for k, v in result.items() if k in COUNT_LABELS} if isinstance(result, dict) else {}
            text = "" if isinstance(result, dict) else str(result)[:2000]
            JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), ok=True, counts=counts, result=text)
            return result

        return wrapper

    return decorator


def run_state(run: JobRun, *, now: datetime.datetime | None = None) -> str:
    """succeeded, running, or failed (including a run unfinished after JOB_STALE_MINUTES: its worker died)."""
    if run.ok is not None:
        return "succeeded" if run.ok else "failed"
    return "failed" if run.started_at < _stale_before(now or timezone.now()) else "running"


def result_text(run: JobRun, *, now: datetime.datetime | None = None) -> str:
    if run.result == ABANDONED or (run.ok is None and run_state(run, now=now) == "failed"):
        return gettext(ABANDONED)
    return run.result


def counts_text(run: JobRun) -> str:
    """The run's counts in the reader's language: "新建 3 · 升级 1"."""
    return " · ".join(f"{COUNT_LABELS[k]} {v}" for k, v in run.counts.items() if k in COUNT_LABELS)
