import datetime

import pytest

from inspections import services
from repairnet import roles
from tests import clock
from tests.factories import make_user


@pytest.fixture
def inspector(db):
    return make_user(roles.INSPECTOR)


@pytest.fixture
def hq(db):
    return make_user(roles.HQ)


@pytest.fixture
def coordinator(station):
    return make_user(roles.COORDINATOR, station)


@pytest.fixture
def schedule(station, inspector, hq):
    def _schedule(st=None, who=None, on=None):
        return services.inspection_schedule(
            station=st or station,
            inspector=who or inspector,
            scheduled_for=on or clock.today(),
            actor=hq,
        )

    return _schedule


def fill(inspection, actor, scores: dict[str, int] | None = None, default_full: bool = True):
    """Score every line (full marks unless given by item code)."""
    scores = scores or {}
    for line in inspection.scores.all():
        value = scores.get(line.item_code, line.max_score if default_full else 0)
        services.item_score_save(score_id=line.pk, actor=actor, score=value, comment="")
    for line in inspection.stock_lines.all():
        services.stock_count_save(line_id=line.pk, actor=actor, counted_quantity=line.expected_quantity)


def submit_filled(inspection, actor):
    """Fill ``inspection`` with full marks and submit it."""
    fill(inspection, actor)
    services.inspection_submit(inspection_id=inspection.pk, actor=actor)


def days_ago(n):
    return clock.today() - datetime.timedelta(days=n)
