"""A refused input is named in the API's errors, so a form can show it on its field (issue: inspection score
above its maximum, a future exam date)."""

import datetime

from django.test import Client

from repairnet import roles
from tests import clock
from tests.factories import make_user


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_inspection_score_above_its_maximum_names_the_score(station, inspector, schedule):
    inspection = schedule()
    line = inspection.scores.order_by("pk").first()
    response = _client(inspector).post(
        f"/api/v1/inspections/{inspection.pk}/scores/{line.pk}/",
        {"score": line.max_score + 1},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["score"]
    line.refresh_from_db()
    assert line.score is None


def test_a_future_exam_date_names_the_date(db):
    technician = make_user(roles.TECHNICIAN)
    tomorrow = clock.today() + datetime.timedelta(days=1)
    response = _client(make_user(roles.HQ)).post(
        "/api/v1/certificates/",
        {
            "user": technician.pk,
            "kind": "repair_technician",
            "trained_on": clock.today().isoformat(),
            "exam_on": tomorrow.isoformat(),
            "theory_score": "90",
            "practical_score": "90",
        },
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["exam_on"]
    assert not technician.certificates.exists()
