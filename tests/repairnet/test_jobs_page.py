"""/jobs/ words each run in the reader's language and tells an interrupted run from a running one."""

import datetime

import pytest
from django.utils.translation import gettext_noop

from repairnet import roles
from repairnet.jobs import run_state, tracked_job
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
def test_a_run_whose_worker_died_shows_as_interrupted(client_for, settings):
    settings.REPAIRNET = {**settings.REPAIRNET, "JOB_STALE_MINUTES": 60}
    stuck = JobRun.objects.create(name="settlement_run", label=gettext_noop("Settlement run"))
    JobRun.objects.filter(pk=stuck.pk).update(started_at=clock.now() - datetime.timedelta(minutes=61))
    fresh = JobRun.objects.create(name="callbacks_sweep", label=gettext_noop("Callback sweep"))
    stuck.refresh_from_db()
    assert run_state(stuck, now=clock.now()) == "interrupted"
    assert run_state(fresh, now=clock.now()) == "running"
    page = client_for(roles.HQ).get("/jobs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Interrupted" in page and "Running" in page


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
