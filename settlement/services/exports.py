"""Finance workbooks built by a worker: start one, build it (the task body), read how far it is.

Nothing about an export lives on the web node that started it: the row is in the database, the file in the
default storage (the shared media folder, or object storage), and the running percentage in the shared cache
(the build holds one transaction, so a progress column would stay invisible to other connections until the end).
"""

import logging

from django.core.cache import cache
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from repairnet import roles
from repairnet.services import audit_record, ensure_permitted

from .. import exports
from ..models import WorkbookExport

log = logging.getLogger("repairnet.settlement.exports")
PROGRESS_SECONDS = 24 * 3600  # longer than any build; the row has the final figure


def _progress_key(pk: int) -> str:
    return f"settlement:workbook-export:{pk}:progress"


def workbook_export_start(*, month, actor) -> WorkbookExport:
    """Record the export and hand it to the job queue; an unreachable queue marks it failed, saying so."""
    from ..tasks import workbook_export_task

    ensure_permitted(roles.can(actor, "settlement.export"))
    month = month.replace(day=1)
    export = WorkbookExport.objects.create(month=month, requested_by=actor)
    audit_record(obj=export, verb="workbook_export_requested", actor=actor, data={"month": f"{month:%Y-%m}"})
    try:
        workbook_export_task.apply_async((export.pk,), ignore_result=True)
    except (KombuOperationalError, OSError):
        log.warning("workbook export %s: the job queue is unreachable", export.pk)
        WorkbookExport.objects.filter(pk=export.pk).update(
            status=WorkbookExport.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The job queue cannot be reached right now. Please try again in a few minutes."),
        )
    export.refresh_from_db()
    return export


def workbook_export_execute(*, export_id: int) -> WorkbookExport:
    """Build the workbook into the shared storage (the task body). A redelivered task finds the row taken and
    leaves it."""
    if not WorkbookExport.objects.filter(pk=export_id, status=WorkbookExport.Status.QUEUED).update(
        status=WorkbookExport.Status.RUNNING
    ):
        return WorkbookExport.objects.get(pk=export_id)
    export = WorkbookExport.objects.get(pk=export_id)

    def progress(done: int, total: int) -> None:
        # 99 at most until the file is stored: "100" on another node must mean the download is there
        cache.set(_progress_key(export.pk), min(99, done * 100 // max(total, 1)), timeout=PROGRESS_SECONDS)

    path = exports.temp_path(".xlsx")
    try:
        exports.workbook_build(month=export.month, path=path, progress=progress)
        with path.open("rb") as handle:
            export.file.save(f"settlement-{export.month:%Y-%m}.xlsx", File(handle), save=False)
    except Exception as exc:
        log.exception("workbook export %s failed", export.pk)
        WorkbookExport.objects.filter(pk=export.pk).update(
            status=WorkbookExport.Status.FAILED, finished_at=timezone.now(), message=repr(exc)[:2000]
        )
        raise
    finally:
        path.unlink(missing_ok=True)
    WorkbookExport.objects.filter(pk=export.pk).update(
        status=WorkbookExport.Status.DONE, progress=100, finished_at=timezone.now(), file=export.file.name
    )
    cache.delete(_progress_key(export.pk))
    export.refresh_from_db()
    return export


def workbook_export_progress(export: WorkbookExport) -> int:
    """Percent done: the row's figure once finished, the worker's last report while it runs."""
    if export.status != WorkbookExport.Status.RUNNING:
        return export.progress
    try:
        return cache.get(_progress_key(export.pk), export.progress)
    except Exception:  # the cache down: the row's figure, never an error page
        log.warning("workbook export %s: progress unreadable", export.pk, exc_info=True)
        return export.progress
