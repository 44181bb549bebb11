"""Background-job bookkeeping: every periodic task records its run so HQ can see last run and result."""

import functools
import logging

from django.utils import timezone

from .models import JobRun

log = logging.getLogger("repairnet.jobs")


def tracked_job(name: str):
    """Wrap a task body: record start, finish, success and the returned summary (a short string)."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            run = JobRun.objects.create(name=name)
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), ok=False, result=repr(exc)[:2000])
                log.exception("job %s failed", name)
                raise
            JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), ok=True, result=str(result)[:2000])
            return result

        return wrapper

    return decorator
