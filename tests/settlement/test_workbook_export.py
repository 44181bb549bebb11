"""The finance workbook built by a worker: started, followed and downloaded through its pages; refused to
everyone without settlement.export."""

import io

import pytest
from django.core.files.storage import default_storage
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from repairnet import roles
from settlement.models import WorkbookExport
from settlement.services import settlement_month_build
from settlement.tasks import workbook_export_task

pytestmark = pytest.mark.django_db


def test_finance_starts_follows_and_downloads_the_workbook(client_for, month, simple_month):
    settlement_month_build(month=month)
    finance = client_for(roles.FINANCE)
    started = finance.post(f"/settlement/months/{month:%Y-%m}/workbook/export/")
    export = WorkbookExport.objects.get()
    assert started.status_code == 302 and started["Location"].endswith(f"?export={export.pk}")
    page = finance.get(started["Location"])
    assert f'data-status-url="/settlement/exports/{export.pk}/"' in page.content.decode()
    state = finance.get(f"/settlement/exports/{export.pk}/").json()  # eager here: already built
    assert (state["status"], state["progress"], state["done"]) == ("done", 100, True)
    export.refresh_from_db()
    assert default_storage.exists(export.file.name)  # in the shared storage, not a node's temp folder
    download = finance.get(state["download_url"])
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    assert len(list(book.worksheets[0].iter_rows())) >= 3


def test_a_redelivered_task_builds_once(client_for, month, simple_month):
    client_for(roles.FINANCE).post(f"/settlement/months/{month:%Y-%m}/workbook/export/")
    export = WorkbookExport.objects.get()
    name = export.file.name
    workbook_export_task.delay(export.pk)  # the broker hands it over again
    export.refresh_from_db()
    assert export.status == WorkbookExport.Status.DONE and export.file.name == name


@pytest.mark.parametrize("role", [roles.HQ, roles.COORDINATOR, roles.TECHNICIAN])
def test_export_refused_without_settlement_export(client_for, month, simple_month, role):
    client_for(roles.FINANCE).post(f"/settlement/months/{month:%Y-%m}/workbook/export/")
    export = WorkbookExport.objects.get()
    other = client_for(role)
    assert other.post(f"/settlement/months/{month:%Y-%m}/workbook/export/").status_code == 403
    assert other.get(f"/settlement/exports/{export.pk}/").status_code == 403
    assert other.get(f"/settlement/exports/{export.pk}/download/").status_code == 403
    assert WorkbookExport.objects.count() == 1


def test_queue_unreachable_says_so_and_the_export_is_failed(client_for, month, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(workbook_export_task, "apply_async", unreachable)
    finance = client_for(roles.FINANCE)
    answer = finance.post(f"/settlement/months/{month:%Y-%m}/workbook/export/")
    export = WorkbookExport.objects.get()
    assert answer.status_code == 302 and "?export=" not in answer["Location"]
    assert export.status == WorkbookExport.Status.FAILED and export.message
    assert finance.get(f"/settlement/exports/{export.pk}/download/").status_code == 404
    assert finance.get("/settlement/exports/999999/").status_code == 404
