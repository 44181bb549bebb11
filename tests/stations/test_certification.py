import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from repairnet import roles
from stations import selectors, services
from stations.models import Certificate, CertificateKind, Sanction, Station
from tests import clock
from tests.factories import StationFactory, make_user

from .factories import CertificateFactory, certified_technician
from .helpers import exam_recorded

pytestmark = pytest.mark.django_db


def test_certified_technician_helper_is_certified_today_and_not_after_expiry():
    tech = certified_technician()
    assert selectors.technician_is_certified(user=tech)
    cert = tech.certificates.get()
    assert not selectors.technician_is_certified(user=tech, on=cert.expires_on + datetime.timedelta(days=1))


def test_revoked_or_clerk_certificate_does_not_certify():
    clerk = make_user(roles.TECHNICIAN)
    CertificateFactory(user=clerk, kind=CertificateKind.SERVICE_CLERK)
    assert not selectors.technician_is_certified(user=clerk)
    tech = certified_technician()
    hq = make_user(roles.HQ)
    services.certificate_revoke(certificate=tech.certificates.get(), actor=hq, note="cheated in the exam")
    assert not selectors.technician_is_certified(user=tech)
    assert tech.certificates.get().status == Certificate.Status.REVOKED


def test_exam_pass_rule_and_certificate_issue_numbering_and_expiry():
    hq = make_user(roles.HQ)
    tech = make_user(roles.TECHNICIAN)
    today = clock.today()
    failed = exam_recorded(user=tech, actor=hq, theory_score=90, practical_score=55)
    assert not failed.passed
    with pytest.raises(ValidationError, match="passed exam"):
        services.certificate_issue(exam=failed, actor=hq)
    avg_low = exam_recorded(user=tech, actor=hq, theory_score=65, practical_score=70)
    assert not avg_low.passed
    exam = exam_recorded(user=tech, actor=hq, theory_score=75, practical_score=80)
    cert = services.certificate_issue(exam=exam, actor=hq)
    assert cert.number == f"JS{today.year}-00001"
    assert cert.expires_on == today.replace(year=today.year + 2) - datetime.timedelta(days=1)
    assert selectors.technician_is_certified(user=tech)


def test_exam_scores_out_of_range_are_refused():
    hq = make_user(roles.HQ)
    tech = make_user(roles.TECHNICIAN)
    with pytest.raises(ValidationError, match="between 0 and 100"):
        exam_recorded(user=tech, actor=hq, theory_score=101, practical_score=80)


def test_sanction_raise_is_idempotent_per_source_and_uses_rule_amount():
    station = StationFactory()
    first = services.sanction_raise(
        station=station, rule_code="inspection_grade_d", actor=roles.SYSTEM, source_ref="insp:7"
    )
    again = services.sanction_raise(
        station=station, rule_code="inspection_grade_d", actor=roles.SYSTEM, source_ref="insp:7"
    )
    assert first.pk == again.pk
    assert first.amount == Decimal("-300.00")
    bonus = services.sanction_raise(station=station, rule_code="inspection_grade_a", actor=roles.SYSTEM)
    assert bonus.amount == Decimal("300.00")
    with pytest.raises(ValidationError):
        services.sanction_raise(station=station, rule_code="nonsense", actor=roles.SYSTEM)


def test_sanctions_for_settlement_returns_approved_unsettled_rows():
    hq = make_user(roles.HQ)
    station, other = StationFactory(), StationFactory()
    approved = services.sanction_raise(station=station, rule_code="complaint_upheld", actor=hq, note="T1")
    services.sanction_decide(sanction=approved, actor=hq, approve=True)
    services.sanction_raise(station=station, rule_code="complaint_hidden", actor=hq)  # still raised
    cancelled = services.sanction_raise(station=station, rule_code="daily_report_late", actor=hq)
    services.sanction_decide(sanction=cancelled, actor=hq, approve=False, note="report was on time")
    elsewhere = services.sanction_raise(station=other, rule_code="complaint_upheld", actor=hq)
    services.sanction_decide(sanction=elsewhere, actor=hq, approve=True)
    now = clock.today()
    rows = list(selectors.sanctions_for_settlement(station_ids=[station.pk], year=now.year, month=now.month))
    assert [(r.id, r.station_id, r.amount, str(r.rule)) for r in rows] == [
        (approved.pk, station.pk, Decimal("-50.00"), "投诉成立")
    ]
    services.sanction_mark_settled(sanction_ids=[approved.pk], ref="stmt:1")
    assert not list(selectors.sanctions_for_settlement(station_ids=[station.pk], year=now.year, month=now.month))


def test_sanction_appeal_within_window_then_decide():
    hq = make_user(roles.HQ)
    station = StationFactory()
    coord = make_user(roles.COORDINATOR, station)
    outsider = make_user(roles.COORDINATOR, StationFactory())
    sanction = services.sanction_raise(station=station, rule_code="complaint_upheld", actor=hq)
    with pytest.raises(PermissionDenied):
        services.sanction_appeal(sanction=sanction, actor=outsider, text="not ours")
    services.sanction_appeal(sanction=sanction, actor=coord, text="customer withdrew the complaint")
    sanction.refresh_from_db()
    assert sanction.status == Sanction.Status.APPEALED
    with pytest.raises(ValidationError, match="reason"):
        services.sanction_decide(sanction=sanction, actor=hq, approve=False)
    services.sanction_decide(sanction=sanction, actor=hq, approve=False, note="appeal accepted")
    sanction.refresh_from_db()
    assert sanction.status == Sanction.Status.CANCELLED


def test_sanction_appeal_after_deadline_is_refused_and_unappealed_ones_get_approved():
    hq = make_user(roles.HQ)
    station = StationFactory()
    coord = make_user(roles.COORDINATOR, station)
    sanction = services.sanction_raise(station=station, rule_code="complaint_upheld", actor=hq)
    Sanction.objects.filter(pk=sanction.pk).update(appeal_deadline=clock.today() - datetime.timedelta(days=1))
    sanction.refresh_from_db()
    with pytest.raises(ValidationError, match="appeal window"):
        services.sanction_appeal(sanction=sanction, actor=coord, text="late")
    assert services.sanctions_confirm_unappealed() == 1
    sanction.refresh_from_db()
    assert sanction.status == Sanction.Status.APPROVED


def test_understaffed_flag_date_and_suspension_after_grace():
    station = StationFactory(tier="centre")
    tech = certified_technician(station)
    today = clock.today()
    services.station_staffing_refresh(station=station, on=today)
    station.refresh_from_db()
    assert station.understaffed_since == today  # centre needs 2
    certified_technician(station)
    services.station_staffing_refresh(station=station, on=today)
    station.refresh_from_db()
    assert station.understaffed_since is None
    Certificate.objects.filter(user=tech).update(status=Certificate.Status.REVOKED, revoked_on=today)
    services.stations_staffing_sweep(on=today)
    station.refresh_from_db()
    assert station.understaffed_since == today and station.status == Station.Status.ACTIVE
    services.stations_staffing_sweep(on=today + datetime.timedelta(days=30))
    station.refresh_from_db()
    assert station.status == Station.Status.SUSPENDED


def test_certificate_expiry_warning_once():
    tech = certified_technician()
    cert = tech.certificates.get()
    Certificate.objects.filter(pk=cert.pk).update(expires_on=clock.today() + datetime.timedelta(days=20))
    assert services.certificates_expiry_warn() == 1
    assert services.certificates_expiry_warn() == 0


def test_numbering_survives_numbers_in_another_form():
    """The demo's certificates are numbered JS2026-D0266; the next issued one is JS2026-00001, not a 500."""
    hq = make_user(roles.HQ)
    today = clock.today()
    CertificateFactory(number=f"JS{today.year}-D0266")
    CertificateFactory(number=f"JS{today.year}-00007")
    tech = make_user(roles.TECHNICIAN)
    exam = exam_recorded(user=tech, actor=hq, theory_score=90, practical_score=90)
    assert services.certificate_issue(exam=exam, actor=hq).number == f"JS{today.year}-00008"
