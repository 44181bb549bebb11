"""/jobs/ words each run in the reader's language and shows a run whose worker died as failed."""

import datetime

import pytest
from django.utils.translation import gettext_noop

from repairnet import roles
from repairnet.jobs import ABANDONED, run_state, tracked_job
from repairnet.models import JobRun
from tests import clock


@pytest.mark.django_db
def test_runs_are_shown_in_chinese_with_their_counts(client_for):
    tracked_job("callbacks_sweep", gettext_noop("Callback sweep"))(lambda: {"created": 3, "escalated": 1})()
    page = client_for(roles.HQ).get("/jobs/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "回访扫描" in page and "新建 3" in page and "升级 1" in page and "成功" in page
    english = client_for(roles.HQ).get("/jobs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Callback sweep" in english and "created 3" in english


@pytest.mark.django_db
def test_a_run_whose_worker_died_shows_as_failed_and_the_next_run_records_it(client_for, settings):
    settings.REPAIRNET = {**settings.REPAIRNET, "JOB_STALE_MINUTES": 35}
    stuck = JobRun.objects.create(name="callbacks_sweep", label=gettext_noop("Callback sweep"))
    JobRun.objects.filter(pk=stuck.pk).update(started_at=clock.now() - datetime.timedelta(minutes=36))
    fresh = JobRun.objects.create(name="settlement_run", label=gettext_noop("Settlement run"))
    stuck.refresh_from_db()
    assert run_state(stuck, now=clock.now()) == "failed"
    assert run_state(fresh, now=clock.now()) == "running"
    page = client_for(roles.HQ).get("/jobs/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已中断" in page and "运行中" in page and page.count("table-danger") == 1
    # the job's next run writes it down: failed, finished, with the reason
    tracked_job("callbacks_sweep", gettext_noop("Callback sweep"))(lambda: {"created": 0})()
    stuck.refresh_from_db()
    assert stuck.ok is False and stuck.finished_at is not None and stuck.result == ABANDONED
    fresh.refresh_from_db()
    assert fresh.ok is None  # another job's run is not its business


@pytest.mark.django_db
def test_a_failed_run_keeps_its_error():
    def boom():
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        tracked_job("job_runs_prune", gettext_noop("Job history clean-up"))(boom)()
    run = JobRun.objects.get()
    assert run.ok is False and "disk full" in run.result and run_state(run) == "failed"


def test_jobs_page_is_hq_only(client_for, db):
    assert client_for(roles.TECHNICIAN, None).get("/jobs/").status_code == 403
