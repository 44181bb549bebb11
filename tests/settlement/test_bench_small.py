"""The settlement benchmark at a small size: its data, and the run equal to one hand-written SQL query."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.slow]


def test_month_run_gives_the_hand_written_sql_figures_on_the_bench_data(tmp_path):
    from bench import settlement_month as bench
    from settlement import exports
    from settlement.services import previous_month, settlement_month_build

    month = previous_month()
    bench.prepare(stations=20, tickets=3000, history_months=2, month=month, log=lambda *a: None)
    expected = bench.hand_sql(month)
    totals = settlement_month_build(month=month)
    assert totals["lines"] > 2000 and totals["excluded"] > 300
    assert bench.run_figures(month) == expected
    settlement_month_build(month=month)
    assert bench.run_figures(month) == expected
    path = exports.workbook_build(month=month, path=tmp_path / "bench.xlsx")
    assert path.stat().st_size > 10_000
