"""Demo settlement (idempotent): three months back paid, two months back approved, last month draft.

Runs after the tickets and spares demo data and settles whatever completed tickets they made.
"""

import datetime

from django.utils import timezone

from repairnet.models import User

from . import services
from .models import Statement


def _months_back(n: int) -> datetime.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def _coordinator(statement: Statement):
    return (
        User.objects.filter(station_id=statement.station_id, groups__name="station_coordinator").order_by("pk").first()
    )


def seed(*, stdout) -> None:
    finance = User.objects.filter(username="finance").first()
    if finance is None:
        stdout.write("settlement: no demo finance user; skipped")
        return
    plan = [(_months_back(3), "paid"), (_months_back(2), "approved"), (_months_back(1), "draft")]
    for month, target in plan:
        services.settlement_month_build(month=month)
        for statement in Statement.objects.filter(month=month).select_related("station").order_by("pk"):
            if target == "draft":
                continue
            coordinator = _coordinator(statement)
            if statement.status == Statement.Status.DRAFT:
                services.statement_issue(statement_id=statement.pk, actor=finance, note="演示数据")
                statement.refresh_from_db()
            if statement.status == Statement.Status.ISSUED and coordinator is not None:
                services.statement_confirm(statement_id=statement.pk, actor=coordinator)
                statement.refresh_from_db()
            if statement.status == Statement.Status.CONFIRMED:
                services.statement_approve(statement_id=statement.pk, actor=finance)
                statement.refresh_from_db()
            if target == "paid" and statement.status == Statement.Status.APPROVED:
                services.statement_record_payment(
                    statement_id=statement.pk,
                    actor=finance,
                    paid_on=min(month + datetime.timedelta(days=49), timezone.localdate()),
                    reference=f"DEMO-{month:%Y%m}-{statement.station.code}",
                )
        count = Statement.objects.filter(month=month).count()
        stdout.write(f"settlement: {month:%Y-%m} → {count} statements ({target})")
