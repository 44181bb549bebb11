"""Real threads on PostgreSQL: two HQ reviewers approve one application; one sanction source raised twice."""

import pytest

from repairnet import roles
from stations import services
from stations.models import Application, Sanction, Station
from tests.concurrency import run_threads
from tests.factories import StationFactory, make_user

from .helpers import FULL_SCORES, application_data, pdf_upload, png_upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_approving_at_once_create_one_station():
    hq1, hq2 = make_user(roles.HQ), make_user(roles.HQ)
    app = services.application_submit(
        data=application_data(), business_licence=pdf_upload(), financial_report=png_upload()
    )
    services.application_check_documents(application=app, actor=hq1)
    services.application_record_visit(
        application=app, actor=hq1, visited_on=app.created_at.date(), visited_by="张", notes=""
    )
    services.application_score(application=app, actor=hq1, points=FULL_SCORES)
    actors = [hq1, hq2]

    def approve(index):
        services.application_approve(application=app, actor=actors[index], tier="centre", code=f"HA90{index}")
        return ("ok", index)

    results = run_threads(2, approve)
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert Station.objects.filter(code__startswith="HA90").count() == 1
    assert Application.objects.get(pk=app.pk).status == "approved"


def test_same_source_raised_concurrently_is_one_record():
    station = StationFactory()

    def raise_it(index):
        return (
            "ok",
            services.sanction_raise(
                station=station, rule_code="inspection_grade_d", actor=roles.SYSTEM, source_ref="insp:1"
            ).pk,
        )

    results = run_threads(6, raise_it)
    assert all(r[0] == "ok" for r in results), results
    assert len({r[1] for r in results}) == 1
    assert Sanction.objects.count() == 1


def test_two_approvals_of_one_fabricated_ticket_record_open_one_revocation_review():
    """Two HQ users approve the same record at once: one approves (and opens the review), the other is refused by
    the state machine; opening it again from two threads returns that one review."""
    from stations.models import RevocationReview

    station = StationFactory()
    hq1, hq2 = make_user(roles.HQ), make_user(roles.HQ)
    sanction = services.sanction_raise(
        station=station, rule_code="fabricated_ticket", actor=hq1, source_ref="ticket:concurrent"
    )
    actors = [hq1, hq2]

    def approve(index):
        services.sanction_decide(sanction=sanction, actor=actors[index], approve=True)
        return ("ok", index)

    results = run_threads(2, approve)
    assert sorted(r[0] for r in results) == ["ok", "refused"], results

    def reopen(index):
        return ("ok", services.revocation_review_open(sanction=sanction, actor=actors[index]).pk)

    again = run_threads(2, reopen)
    review = RevocationReview.objects.get(sanction=sanction)
    assert again == [("ok", review.pk), ("ok", review.pk)]
    assert RevocationReview.objects.count() == 1
