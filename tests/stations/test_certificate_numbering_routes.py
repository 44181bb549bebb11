"""Issue 14 §4: with the demo's certificate numbers (JS2026-D0266) in the table, both the certificates API and the
staff exam page with ``issue=on`` issue a new certificate with a fresh unique number instead of a 500."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from repairnet import roles
from stations.models import Certificate
from tests import clock
from tests.factories import make_user

from .factories import CertificateFactory
from .test_api import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_numbers():
    """A demo-style number and one of our own, both of this year; the next of ours is 00008."""
    year = clock.today().year
    CertificateFactory(number=f"JS{year}-D0266")
    CertificateFactory(number=f"JS{year}-00007")
    return year


def _exam(tech, theory_score="90"):
    today = clock.today().isoformat()
    return {
        "user": tech.pk,
        "kind": "repair_technician",
        "trained_on": today,
        "exam_on": today,
        "theory_score": theory_score,
        "practical_score": "90",
    }


def test_certificates_api_issues_a_fresh_number_beside_demo_numbers(demo_numbers):
    hq = api(make_user(roles.HQ))
    first_tech, second_tech = make_user(roles.TECHNICIAN), make_user(roles.TECHNICIAN)
    first = hq.post("/api/v1/certificates/", _exam(first_tech), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["number"] == f"JS{demo_numbers}-00008"
    second = hq.post("/api/v1/certificates/", _exam(second_tech), format="json")
    assert second.status_code == 201 and second.json()["number"] == f"JS{demo_numbers}-00009"
    assert Certificate.objects.get(user=first_tech).number == f"JS{demo_numbers}-00008"
    assert Certificate.objects.filter(number=f"JS{demo_numbers}-D0266").count() == 1
    assert Certificate.objects.count() == 4


def test_staff_exam_page_with_issue_on_issues_a_fresh_number_beside_demo_numbers(demo_numbers):
    client = Client()
    client.force_login(make_user(roles.HQ))
    tech = make_user(roles.TECHNICIAN)
    data = {k: v for k, v in _exam(tech).items() if k != "user"}
    response = client.post(reverse("stations:staff-exam", args=[tech.pk]), {**data, "issue": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("stations:staff-detail", kwargs={"user_id": tech.pk})
    cert = Certificate.objects.get(user=tech)
    assert cert.number == f"JS{demo_numbers}-00008" and cert.status == Certificate.Status.VALID
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"考试通过，已发证书JS{demo_numbers}-00008。"]
    assert Certificate.objects.count() == 3
