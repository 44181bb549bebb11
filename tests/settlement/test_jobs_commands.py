"""The scheduled draft job, and the operator commands."""

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook

from repairnet.models import JobRun
from settlement.models import SettlementRun, Statement

pytestmark = pytest.mark.django_db


def test_previous_month_is_drafted_on_the_first_by_a_scheduled_job(month, simple_month):
    from settlement.tasks import settlement_draft_previous_month_task

    task = PeriodicTask.objects.get(name="settlement: draft previous month")
    assert task.task == "settlement.tasks.settlement_draft_previous_month_task"
    assert (task.crontab.day_of_month, task.crontab.hour, str(task.crontab.timezone)) == ("1", "2", "Asia/Shanghai")
    settlement_draft_previous_month_task.delay()
    settlement_draft_previous_month_task.delay()  # idempotent: the same drafts again
    assert Statement.objects.filter(month=month, status="draft").count() == 2
    assert SettlementRun.objects.filter(month=month, status="done").count() == 2
    assert JobRun.objects.filter(name="settlement_draft_previous_month", ok=True).count() == 2


def test_commands_run_and_export_a_month(month, simple_month, tmp_path, capsys):
    call_command("settlement_run", month=f"{month:%Y-%m}")
    assert "drafts 2" in capsys.readouterr().out
    xlsx, pdfs = tmp_path / "m.xlsx", tmp_path / "pdf"
    call_command("settlement_export", month=f"{month:%Y-%m}", xlsx=str(xlsx), pdf_dir=str(pdfs))
    assert load_workbook(xlsx).sheetnames[0] == "汇总"
    assert len(list(pdfs.glob("*.pdf"))) == 2
    with pytest.raises(CommandError):
        call_command("settlement_run", month="2026/10")
