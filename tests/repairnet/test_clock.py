"""The suite's clock: REPAIRNET_TEST_NOW pins where every test starts, and the clock still ticks."""

import datetime
import time

import pytest
from django.utils import timezone

from tests import clock


@pytest.mark.skipif(clock.pinned() is None, reason="only meaningful with REPAIRNET_TEST_NOW set")
def test_pinned_run_starts_every_test_at_the_named_instant():
    instant = clock.pinned()
    elapsed = clock.now() - instant
    assert datetime.timedelta(0) <= elapsed < datetime.timedelta(seconds=30)
    assert clock.today() == timezone.localtime(instant).date()


def test_clock_ticks_and_a_test_can_pin_its_own_instant():
    first = clock.now()
    time.sleep(0.01)
    assert clock.now() > first
    shanghai = timezone.get_default_timezone()
    with clock.travel(datetime.datetime(2027, 1, 1, 0, 5, tzinfo=shanghai), tick=False):
        assert clock.today() == datetime.date(2027, 1, 1)
        assert clock.now().astimezone(datetime.UTC).date() == datetime.date(2026, 12, 31)


def test_month_helpers_cross_year_ends():
    assert clock.previous_month(datetime.date(2027, 1, 1)) == datetime.date(2026, 12, 1)
    assert clock.next_month(datetime.date(2026, 12, 31)) == datetime.date(2027, 1, 1)
    assert clock.month_start(datetime.date(2028, 2, 29)) == datetime.date(2028, 2, 1)


def test_bad_instant_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setenv(clock.ENV, "next tuesday")
    with pytest.raises(SystemExit, match="is not an ISO 8601 date-time"):
        clock.pinned()
    monkeypatch.setenv(clock.ENV, "2027-03-01T00:05")
    assert clock.pinned().utcoffset() == datetime.timedelta(hours=8)
