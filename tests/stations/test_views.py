import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from repairnet import roles
from stations import services
from stations.models import Assessment, Station
from tests import clock
from tests.factories import StationFactory, make_user

from .factories import CertificateFactory, certified_technician
from .helpers import application_data, pdf_upload, png_upload, site

pytestmark = pytest.mark.django_db


def many_stations(n):
    for i in range(n):
        services.application_submit(
            data=application_data(company_name=f"公司{i}"), business_licence=pdf_upload(), financial_report=png_upload()
        )
        s = StationFactory(tier="centre" if i % 2 else "station")
        certified_technician(s)
        make_user(roles.COORDINATOR, s)
        services.sanction_raise(station=s, rule_code="complaint_upheld", actor=roles.SYSTEM)
        services.station_staffing_refresh(station=s)


def test_coordinator_sees_and_edits_only_own_station_staff(client_for):
    mine, other = StationFactory(), StationFactory()
    coord = client_for(roles.COORDINATOR, mine)
    mine_tech, their_tech = certified_technician(mine), certified_technician(other)
    assert coord.get(reverse("stations:staff", args=[mine.pk])).status_code == 200
    assert coord.get(reverse("stations:staff", args=[other.pk])).status_code == 403
    assert coord.get(reverse("stations:staff-detail", args=[their_tech.pk])).status_code == 403
    person = {"last_name": "王", "first_name": "五", "position": "service_clerk"}
    assert coord.post(reverse("stations:staff", args=[other.pk]), {**person, "username": "x1"}).status_code == 403
    assert coord.post(reverse("stations:staff", args=[mine.pk]), {**person, "username": "x2"}).status_code == 302
    assert mine.users.filter(username="x2").exists()
    renamed = {"last_name": "改", "first_name": "名", "active": "on"}
    their_page, my_page = (reverse("stations:staff-detail", args=[t.pk]) for t in (their_tech, mine_tech))
    assert coord.post(their_page, {**renamed, "position": "service_clerk"}).status_code == 403
    assert coord.post(my_page, {**renamed, "position": "repair_technician"}).status_code == 302
    mine_tech.refresh_from_db()
    assert mine_tech.last_name == "改"
    assert coord.get(reverse("stations:station-detail", args=[other.pk])).status_code == 403
    assert coord.get(reverse("stations:directory")).status_code == 403


def test_hq_station_state_page_requires_reason(client_for):
    station = StationFactory()
    hq = client_for(roles.HQ)
    hq.post(reverse("stations:station-state", args=[station.pk]), {"action": "suspend", "note": ""})
    station.refresh_from_db()
    assert station.status == Station.Status.ACTIVE
    hq.post(reverse("stations:station-state", args=[station.pk]), {"action": "suspend", "note": "late reports"})
    station.refresh_from_db()
    assert station.status == Station.Status.SUSPENDED
    response = hq.post(
        reverse("stations:station-state", args=[station.pk]), {"action": "exit", "note": "x"}, follow=True
    )
    station.refresh_from_db()
    assert station.status == Station.Status.SUSPENDED
    assert "不能从" in str(list(response.context["messages"])[-1])


@pytest.mark.parametrize(
    "name",
    [
        "stations:directory",
        "stations:applications",
        "stations:certificates",
        "stations:assessments",
        "stations:sanctions",
    ],
)
def test_hq_list_pages_have_constant_query_count(client_for, django_assert_max_num_queries, name):
    hq = client_for(roles.HQ)
    many_stations(2)
    services.assessment_run(year=2026, quarter=2, actor=roles.SYSTEM)
    hq.get(reverse(name))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(14) as small:
        assert hq.get(reverse(name)).status_code == 200
    many_stations(12)
    services.assessment_run(year=2026, quarter=3, actor=roles.SYSTEM)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert hq.get(reverse(name)).status_code == 200


def test_station_detail_and_staff_pages_constant_queries(client_for, django_assert_max_num_queries):
    station = StationFactory(tier="centre")
    hq = client_for(roles.HQ)
    certified_technician(station)
    hq.get(reverse("stations:station-detail", args=[station.pk]))
    with django_assert_max_num_queries(40) as small:
        assert hq.get(reverse("stations:station-detail", args=[station.pk])).status_code == 200
        assert hq.get(reverse("stations:staff", args=[station.pk])).status_code == 200
    for _i in range(8):
        certified_technician(station)
        services.sanction_raise(station=station, rule_code="complaint_hidden", actor=roles.SYSTEM)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert hq.get(reverse("stations:station-detail", args=[station.pk])).status_code == 200
        assert hq.get(reverse("stations:staff", args=[station.pk])).status_code == 200


def test_directory_filters_by_region_tier_and_status(client_for):
    from repairnet.models import Region

    zz = StationFactory(tier="centre")
    cd = StationFactory(tier="station", regions=[Region.objects.get(code="510104")])
    services.station_suspend(station=cd, actor=make_user(roles.HQ), note="x")
    hq = client_for(roles.HQ)
    henan = Region.objects.get(code="410000")
    page = hq.get(reverse("stations:directory"), {"region": henan.pk}).content.decode()
    assert zz.code in page and cd.code not in page
    page = hq.get(reverse("stations:directory"), {"status": "suspended"}).content.decode()
    assert cd.code in page and zz.code not in page
    page = hq.get(reverse("stations:directory"), {"tier": "centre"}).content.decode()
    assert zz.code in page and cd.code not in page


def test_home_dashboard_shows_understaffed_count(client_for):
    station = StationFactory(tier="centre")
    services.station_staffing_refresh(station=station)
    page = client_for(roles.HQ).get(reverse("overview")).content.decode()
    assert 'id="stations-dashboard"' in page


def test_assessment_scores_and_suggestions(monkeypatch):
    import stations.services.assessment as svc

    # the last two complete quarters before today, whatever today is
    this_quarter = (clock.today().month - 1) // 3
    last = (clock.today().year - (this_quarter == 0), this_quarter or 4)
    before = (last[0] - (last[1] == 1), last[1] - 1 or 4)
    good, bad, worst = StationFactory(tier="station"), StationFactory(tier="centre"), StationFactory(tier="station")
    for _ in range(2):  # certified through both quarters
        CertificateFactory(
            user=make_user(roles.TECHNICIAN, good),
            issued_on=services.quarter_bounds(*before)[0],
            expires_on=clock.today() + datetime.timedelta(days=365),
        )
    make_user(roles.COORDINATOR, good)
    site(good)  # its recorded site meets a centre's areas and equipment
    inputs = {
        good.pk: {
            "callback_avg_satisfaction": Decimal("5"),
            "sla_compliance": Decimal("1"),
            "repeat_repair_rate": Decimal("0"),
            "upheld_complaints": 0,
        },
        bad.pk: {
            "callback_avg_satisfaction": Decimal("2"),
            "sla_compliance": Decimal("0.5"),
            "repeat_repair_rate": Decimal("0.2"),
            "upheld_complaints": 3,
        },
        worst.pk: {
            "callback_avg_satisfaction": Decimal("1"),
            "sla_compliance": Decimal("0.1"),
            "repeat_repair_rate": Decimal("0.5"),
            "upheld_complaints": 9,
        },
    }
    scores = {good.pk: Decimal("95"), bad.pk: Decimal("55"), worst.pk: Decimal("30")}
    monkeypatch.setattr(svc, "_assessment_inputs", lambda ids, start, end: (inputs, scores))
    hq = make_user(roles.HQ)
    services.assessment_run(year=before[0], quarter=before[1], actor=hq)
    rows = {a.station_id: a for a in services.assessment_run(year=last[0], quarter=last[1], actor=hq)}
    # good: 0.4*95 + 0.3*100 + 0.2*100 + 0.1*100 = 98 two quarters running → upgrade to centre
    assert rows[good.pk].total == Decimal("98.0")
    assert (rows[good.pk].suggestion, rows[good.pk].suggested_tier) == ("upgrade", "centre")
    # bad: 0.4*55 + 0.3*25 + 0.2*50 + 0.1*80 = 47.5 → downgrade centre → station
    assert rows[bad.pk].total == Decimal("47.5")
    assert (rows[bad.pk].suggestion, rows[bad.pk].suggested_tier) == ("downgrade", "station")
    assert rows[worst.pk].suggestion == "revocation"
    services.assessment_decide(assessment=rows[good.pk], actor=hq, approve=True)
    good.refresh_from_db()
    assert good.tier == "centre" and good.tier_changes.filter(from_tier="station", to_tier="centre").exists()
    services.assessment_decide(assessment=rows[bad.pk], actor=hq, approve=False, note="new manager")
    bad.refresh_from_db()
    assert bad.tier == "centre"
    assert Assessment.objects.get(pk=rows[bad.pk].pk).status == "rejected"
    # rerun keeps decided rows
    again = {a.station_id: a for a in services.assessment_run(year=last[0], quarter=last[1], actor=hq)}
    assert again[good.pk].status == "approved"


def test_assessment_without_inputs_is_neutral():
    station = StationFactory()
    (row,) = services.assessment_run(year=2026, quarter=1, actor=roles.SYSTEM)
    assert row.station_id == station.pk and row.total == Decimal("75.0") and row.status == "no_action"


def test_daily_tasks_run_and_record_job(client_for):
    from repairnet.models import JobRun
    from stations import tasks

    station = StationFactory(tier="centre")
    Station.objects.filter(pk=station.pk).update(understaffed_since=clock.today() - datetime.timedelta(days=31))
    tasks.stations_staffing_check_task.delay()
    station.refresh_from_db()
    assert station.status == "suspended"
    tasks.certificates_expiry_warn_task.delay()
    tasks.sanctions_confirm_task.delay()
    assert set(JobRun.objects.values_list("name", flat=True)) >= {
        "stations_staffing_check",
        "certificates_expiry_warn",
        "sanctions_confirm",
    }
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(
        task="stations.tasks.stations_staffing_check_task", crontab__timezone="Asia/Shanghai"
    ).exists()


def test_certificate_page_filters_and_coordinator_scope(client_for):
    mine, other = StationFactory(), StationFactory()
    tech, theirs = certified_technician(mine), certified_technician(other)
    from stations.models import Certificate

    Certificate.objects.filter(user=tech).update(expires_on=clock.today() + datetime.timedelta(days=10))
    hq = client_for(roles.HQ)
    page = hq.get(reverse("stations:certificates"), {"show": "expiring"}).content.decode()
    assert tech.certificates.get().number in page and theirs.certificates.get().number not in page
    coord_page = (
        client_for(roles.COORDINATOR, mine).get(reverse("stations:certificates"), {"show": "all"}).content.decode()
    )
    assert tech.certificates.get().number in coord_page and theirs.certificates.get().number not in coord_page


def test_coordinator_appeals_on_the_sanctions_page_and_sees_only_own(client_for):
    mine, other = StationFactory(), StationFactory()
    own = services.sanction_raise(station=mine, rule_code="complaint_upheld", actor=roles.SYSTEM, note="own-record")
    services.sanction_raise(station=other, rule_code="complaint_upheld", actor=roles.SYSTEM, note="other-record")
    coord = client_for(roles.COORDINATOR, mine)
    page = coord.get(reverse("stations:sanctions")).content.decode()
    assert "own-record" in page and "other-record" not in page
    coord.post(reverse("stations:sanction-action", args=[own.pk, "appeal"]), {"text": "we were there on time"})
    own.refresh_from_db()
    assert own.status == "appealed"
    hq = client_for(roles.HQ)
    hq.post(
        reverse("stations:sanction-action", args=[own.pk, "decide"]), {"decision": "reject", "note": "accepted appeal"}
    )
    own.refresh_from_db()
    assert own.status == "cancelled"


def test_hq_records_exam_and_issues_certificate_on_the_staff_page(client_for):
    station = StationFactory()
    person = make_user(roles.TECHNICIAN, station)
    hq = client_for(roles.HQ)
    today = clock.today().isoformat()
    hq.post(
        reverse("stations:staff-exam", args=[person.pk]),
        {
            "kind": "repair_technician",
            "trained_on": today,
            "exam_on": today,
            "theory_score": "80",
            "practical_score": "75",
            "issue": "on",
        },
    )
    from stations.selectors import technician_is_certified

    assert technician_is_certified(user=person)
    assert hq.get(reverse("stations:staff-detail", args=[person.pk])).status_code == 200
