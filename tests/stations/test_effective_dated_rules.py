"""Rules HQ changes from a date on: each application, exam, inspection grade and assessment uses the version in
force on its own date, so a change never rewrites a decision already made."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from inspections.services import grade_for
from repairnet import roles
from repairnet.models import AuditEvent, RuleVersion
from repairnet.services import rule_version_set, setting
from stations import selectors, services
from stations.models import ScreeningCriterion, TierRequirement
from tests import clock
from tests.factories import make_user

from .helpers import FULL_SCORES, exam_recorded
from .test_applications import screened

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
BEFORE = datetime.datetime(2027, 3, 10, 10, 0, tzinfo=TZ)
CHANGE = datetime.date(2027, 3, 15)
AFTER = datetime.datetime(2027, 3, 20, 10, 0, tzinfo=TZ)


def _new_tier_version(tier: str, **changes) -> TierRequirement:
    current = TierRequirement.objects.filter(tier=tier).order_by("-effective_from").first()
    current.pk, current.effective_from = None, CHANGE
    for name, value in changes.items():
        setattr(current, name, value)
    current.save()
    return current


def test_an_application_is_judged_by_the_tier_rules_of_the_day_it_was_submitted():
    hq = make_user(roles.HQ)
    with clock.travel(BEFORE, tick=False):
        early = screened(hq, engineers=3)
        _new_tier_version("centre", min_engineers=5, deposit=Decimal("80000.00"))
        assert selectors.recommended_tier(application=early) == "centre"
    with clock.travel(AFTER, tick=False):
        late = screened(hq, engineers=3)
        # the early application keeps the rules it was submitted under; the late one meets the new ones
        assert selectors.recommended_tier(application=early) == "centre"
        assert selectors.recommended_tier(application=late) != "centre"
        centre = {row["tier"]: row for row in selectors.tier_eligibility(application=late)}["centre"]
        assert [c["required"] for c in centre["checks"] if c["key"] == "engineers"] == [5]
        assert selectors.tier_requirement("centre").deposit == Decimal("80000.00")
        assert selectors.tier_requirement("centre", on=CHANGE - datetime.timedelta(days=1)).deposit != Decimal(
            "80000.00"
        )
        page = Client()
        page.force_login(hq)
        body = page.get(f"/stations/applications/{early.pk}/").context["eligibility"]
        assert {row["tier"] for row in body if row["eligible"]} >= {"centre"}


def test_screening_lines_in_force_on_the_submission_day_score_the_application():
    hq = make_user(roles.HQ)
    with clock.travel(BEFORE, tick=False):
        early = screened(hq)
        market = ScreeningCriterion.objects.get(code="market", retired_on__isnull=True)
        market.retired_on = CHANGE
        market.save()
        ScreeningCriterion.objects.create(
            code="market", name="市场容量（新）", max_points=12, order=market.order, effective_from=CHANGE
        )
    with clock.travel(AFTER, tick=False):
        late = screened(hq)
        assert {c.code: c.max_points for c in selectors.screening_criteria(on=CHANGE)}["market"] == 12
        early_lines = {c.code: c.max_points for c in selectors.screening_criteria(on=selectors.application_day(early))}
        assert early_lines["market"] == market.max_points < 11
        # the early application is still scored on its own lines; the late one on the new
        with pytest.raises(ValidationError) as refused:
            services.application_score(application=early, actor=hq, points={**FULL_SCORES, "market": 11})
        assert "market" in refused.value.message_dict
        late = services.application_score(application=late, actor=hq, points={**FULL_SCORES, "market": 11})
        assert late.total_score == Decimal("89")


def test_exam_pass_marks_apply_from_their_date():
    hq = make_user(roles.HQ)
    with clock.travel(BEFORE, tick=False):
        rule_version_set(key="EXAM_PASS_AVERAGE", effective_from=CHANGE, value=80, actor=hq, note="新考纲")
    with clock.travel(AFTER, tick=False):
        from stations.services.certification import exam_passes

        assert exam_passes(Decimal(75), Decimal(75), on=CHANGE - datetime.timedelta(days=1))
        assert not exam_passes(Decimal(75), Decimal(75), on=CHANGE)
        technician = make_user(roles.TECHNICIAN)
        trained = datetime.date(2027, 3, 1)
        old, new = (
            exam_recorded(user=technician, actor=hq, theory_score=75, practical_score=75, on=day, trained_on=trained)
            for day in (datetime.date(2027, 3, 12), datetime.date(2027, 3, 18))
        )
        assert old.passed and not new.passed


def test_grades_and_assessment_rules_follow_their_versions():
    hq = make_user(roles.HQ)
    with clock.travel(BEFORE, tick=False):
        rule_version_set(key="GRADE_THRESHOLDS", effective_from=CHANGE, value={"A": 95, "B": 85, "C": 70}, actor=hq)
        weights = {"inspection": 25, "satisfaction": 25, "sla": 25, "first_time_fix": 25}
        rule_version_set(key="ASSESSMENT_WEIGHTS", effective_from=CHANGE, value=weights, actor=hq)
        assert grade_for(92) == "A"  # today's rule
    assert grade_for(92, on=CHANGE) == "B"
    assert grade_for(92, on=CHANGE - datetime.timedelta(days=1)) == "A"
    assert setting("ASSESSMENT_WEIGHTS", on=datetime.date(2027, 3, 31)) == weights
    assert setting("ASSESSMENT_WEIGHTS", on=datetime.date(2026, 12, 31))["inspection"] == 40
    components = {
        "inspection": Decimal(100),
        "satisfaction": Decimal(0),
        "sla": Decimal(0),
        "first_time_fix": Decimal(0),
    }
    assert services.assessment_total(components, setting("ASSESSMENT_WEIGHTS", on=CHANGE)) == Decimal("25.0")
    assert services.assessment_total(components, setting("ASSESSMENT_WEIGHTS", on=datetime.date(2027, 1, 1))) == (
        Decimal("40.0")
    )


@pytest.mark.parametrize(
    "key, value, field",
    [
        ("ASSESSMENT_WEIGHTS", {"inspection": 50, "satisfaction": 30, "sla": 20, "first_time_fix": 10}, "value"),
        ("ASSESSMENT_WEIGHTS", {"inspection": 100}, "value"),
        ("GRADE_THRESHOLDS", {"A": 80, "B": 90, "C": 60}, "value"),
        ("ASSESSMENT_THRESHOLDS", {"upgrade": 85, "downgrade": 30, "revocation": 40}, "value"),
        ("EXAM_PASS_EACH", 101, "value"),
        ("EXAM_PASS_EACH", "60", "value"),
        ("NOT_A_RULE", 1, "key"),
    ],
)
def test_a_rule_version_its_rule_cannot_read_is_refused(key, value, field):
    hq = make_user(roles.HQ)
    with pytest.raises(ValidationError) as refused:
        rule_version_set(key=key, effective_from=clock.today(), value=value, actor=hq)
    assert field in refused.value.message_dict
    assert not RuleVersion.objects.exists()


def test_only_hq_sets_rules_and_never_in_the_past():
    hq = make_user(roles.HQ)
    with pytest.raises(PermissionDenied):
        rule_version_set(key="EXAM_PASS_EACH", effective_from=clock.today(), value=65, actor=make_user(roles.FINANCE))
    with pytest.raises(ValidationError) as refused:
        rule_version_set(
            key="EXAM_PASS_EACH", effective_from=clock.today() - datetime.timedelta(days=1), value=65, actor=hq
        )
    assert "effective_from" in refused.value.message_dict
    assert not RuleVersion.objects.exists()
    version = rule_version_set(key="EXAM_PASS_EACH", effective_from=clock.today(), value=65, actor=hq, note="提高")
    assert setting("EXAM_PASS_EACH") == 65
    assert AuditEvent.objects.filter(object_id=version.pk, verb="rule_version_set", actor=hq).exists()


def test_admin_keeps_rules_in_force_read_only_and_refuses_past_dates_in_chinese():
    admin = make_user(roles.ADMIN, is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(admin)
    in_force = TierRequirement.objects.filter(tier="centre").first()
    page = client.get(f"/admin/stations/tierrequirement/{in_force.pk}/change/").content.decode()
    assert 'name="deposit"' not in page  # history: read-only
    refused = client.post(
        "/admin/repairnet/ruleversion/add/",
        {"key": "EXAM_PASS_EACH", "effective_from": "2020-01-01", "value": "65", "note": ""},
    )
    assert refused.status_code == 200 and "已经作出的决定沿用当时的规则" in refused.content.decode()
    bad = client.post(
        "/admin/repairnet/ruleversion/add/",
        {"key": "ASSESSMENT_WEIGHTS", "effective_from": f"{clock.today():%Y-%m-%d}", "value": '{"inspection": 90}'},
    )
    assert "请给出以下各项的数字" in bad.content.decode()
    ok = client.post(
        "/admin/repairnet/ruleversion/add/",
        {"key": "EXAM_PASS_EACH", "effective_from": f"{clock.today():%Y-%m-%d}", "value": "65", "note": "提高"},
    )
    assert ok.status_code == 302 and RuleVersion.objects.get().created_by == admin
