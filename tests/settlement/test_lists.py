"""The statements list taken away (XLSX, filtered, scoped) and issued in bulk (``statement_issue`` per row)."""

import pytest
from django.test import Client

from repairnet import roles
from settlement.models import Statement
from tests.factories import StationFactory, make_user
from tests.xlsx import xlsx_rows

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def statements(month):
    mine, theirs = StationFactory(), StationFactory()
    return mine, theirs, [Statement.objects.create(station=s, month=month) for s in (mine, theirs)]


def test_statement_export_is_scoped_and_filtered(statements, month):
    mine, theirs, (own, other) = statements
    rows = xlsx_rows(_client(make_user(roles.COORDINATOR, mine)).get("/settlement/statements/export.xlsx"))
    assert [r[0] for r in rows[1:]] == [own.pk] and rows[1][1] == f"{month:%Y-%m}" and rows[1][2] == mine.code
    finance = _client(make_user(roles.FINANCE))
    rows = xlsx_rows(finance.get("/settlement/statements/export.xlsx", {"station": theirs.pk}))
    assert [r[0] for r in rows[1:]] == [other.pk]
    assert xlsx_rows(finance.get("/settlement/statements/export.xlsx", {"status": "paid"}))[1:] == []


def test_bulk_issue_issues_drafts_reports_the_rest_and_refuses_others(statements):
    mine, _theirs, (own, other) = statements
    body = {"ids": [own.pk, other.pk]}
    assert (
        _client(make_user(roles.COORDINATOR, mine)).post("/settlement/statements/bulk/issue/", body).status_code == 403
    )
    hq = _client(make_user(roles.HQ))
    assert (
        hq.post("/api/v1/settlement/statements/bulk-issue/", body, content_type="application/json").status_code == 403
    )
    finance = _client(make_user(roles.FINANCE))
    assert 'id="bulk-form"' in finance.get("/settlement/statements/").content.decode()
    response = finance.post("/settlement/statements/bulk/issue/", {"ids": [own.pk], "_once": "issue-1"})
    assert response.status_code == 302 and Statement.objects.get(pk=own.pk).status == Statement.Status.ISSUED
    response = finance.post(
        "/api/v1/settlement/statements/bulk-issue/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="i-1"
    )
    data = response.json()
    assert response.status_code == 200 and (data["succeeded"], data["failed"]) == (1, 1)
    assert {r["id"]: r["ok"] for r in data["results"]} == {own.pk: False, other.pk: True}
    assert Statement.objects.get(pk=other.pk).status == Statement.Status.ISSUED
