"""Demo stations with their coordinators, technicians and certificates, applications in every state,
rewards/penalties and a quarterly assessment with one station for each kind of suggestion (idempotent: a second
run changes nothing)."""

import datetime
import io
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from repairnet import roles
from repairnet.demo import demo_password_hash, demo_user
from repairnet.models import Region, User
from repairnet.phones import phone_normalise
from repairnet.services import setting

from . import selectors
from .models import (
    Application,
    Assessment,
    Certificate,
    CertificateKind,
    Position,
    Sanction,
    StaffProfile,
    Station,
    Tier,
    TierChange,
)

DEMO_STATIONS = [
    # code, name, tier, region code, remote, coordinator, technicians
    ("ZZ001", "郑州中原家电维修服务中心", Tier.CENTRE, "410102", False, ("赵", "磊"), [("孙", "强"), ("周", "杰")]),
    ("CD001", "成都锦江数码维修服务站", Tier.STATION, "510104", False, ("吴", "敏"), [("郑", "浩")]),
    ("AB001", "汶川县广电附件代卖点", Tier.ACCESSORY_POINT, "513221", True, ("马", "琳"), []),
]

# More stations across Henan (HA) and Sichuan (SC): code, region, tier, status, remote, technician cert states.
# cert states: v = valid, e = expiring within 30 days, x = expired
NETWORK = [
    ("HA0101", "410103", Tier.CENTRE, "active", False, "vv"),
    ("HA0102", "410105", Tier.STATION, "active", False, "v"),
    ("HA0103", "410104", Tier.ACCESSORY_POINT, "active", False, ""),
    ("HA0104", "410303", Tier.CENTRE, "active", False, "ve"),
    ("HA0105", "410305", Tier.STATION, "active", False, "e"),
    ("HA0106", "410302", Tier.ACCESSORY_POINT, "active", False, ""),
    ("HA0107", "410202", Tier.STATION, "active", False, "v"),
    ("HA0108", "410204", Tier.CENTRE, "active", False, "vx"),
    ("HA0109", "410702", Tier.STATION, "suspended", False, "x"),
    ("HA0110", "410711", Tier.STATION, "active", False, "vv"),
    ("HA0111", "411302", Tier.CENTRE, "active", False, "vvv"),
    ("HA0112", "411303", Tier.STATION, "active", False, "v"),
    ("HA0113", "411321", Tier.ACCESSORY_POINT, "active", True, ""),
    ("HA0114", "411322", Tier.STATION, "revoked", True, "v"),
    ("HA0115", "410203", Tier.ACCESSORY_POINT, "exited", False, ""),
    ("HA0116", "410703", Tier.STATION, "active", False, "v"),
    ("HA0117", "410704", Tier.STATION, "suspended", False, "v"),
    ("HA0118", "410304", Tier.STATION, "active", False, "ve"),
    ("SC0101", "510105", Tier.CENTRE, "active", False, "vv"),
    ("SC0102", "510106", Tier.STATION, "active", False, "v"),
    ("SC0103", "510107", Tier.ACCESSORY_POINT, "active", False, ""),
    ("SC0104", "510703", Tier.CENTRE, "active", False, "vve"),
    ("SC0105", "510704", Tier.STATION, "active", False, "v"),
    ("SC0106", "510722", Tier.ACCESSORY_POINT, "active", True, ""),
    ("SC0107", "511302", Tier.CENTRE, "active", False, "v"),
    ("SC0108", "511303", Tier.STATION, "active", False, "vx"),
    ("SC0109", "511321", Tier.STATION, "suspended", True, "x"),
    ("SC0110", "513201", Tier.STATION, "active", True, "v"),
    ("SC0111", "513222", Tier.ACCESSORY_POINT, "active", True, ""),
    ("SC0112", "513223", Tier.ACCESSORY_POINT, "revoked", True, ""),
    ("SC0113", "510603", Tier.CENTRE, "active", False, "vv"),
    ("SC0114", "510681", Tier.STATION, "active", False, "e"),
    ("SC0115", "510623", Tier.ACCESSORY_POINT, "exited", False, ""),
    ("SC0116", "511102", Tier.STATION, "active", False, "v"),
    ("SC0117", "511111", Tier.STATION, "active", False, "v"),
]
SUFFIX = {
    Tier.CENTRE: "授权维修服务中心",
    Tier.STATION: "授权维修服务站",
    Tier.ACCESSORY_POINT: "附件代卖点",
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建国",
    "志明",
    "海燕",
]

APPLICATIONS = [
    # company, region, tier wanted, engineers, final state
    ("信阳浉河恒通电器维修部", "411502", Tier.STATION, 1, "submitted"),
    ("周口川汇区广信家电服务有限公司", "411602", Tier.STATION, 2, "documents_checked"),
    ("安阳文峰区天成数码维修中心", "410502", Tier.CENTRE, 2, "site_visited"),
    ("自贡自流井区宏达电子维修部", "510302", Tier.STATION, 1, "screened"),
    ("泸州江阳区华信家电维修有限公司", "510502", Tier.CENTRE, 3, "approved"),
    ("宜宾翠屏区顺达维修店", "511502", Tier.CENTRE, 1, "rejected"),
    ("遂宁船山区明亮电器行", "510903", Tier.ACCESSORY_POINT, 0, "withdrawn"),
    # a repair station whose site and staff already meet the centre's requirements: the upgrade suggestion
    ("眉山东坡区鑫达家电维修有限公司", "511402", Tier.STATION, 2, "approved"),
]
# The station code of each approved application, and the site facts that differ from the defaults below.
APPROVED_CODES = {"泸州江阳区华信家电维修有限公司": "SC0201", "眉山东坡区鑫达家电维修有限公司": "SC0202"}
SITE = {"眉山东坡区鑫达家电维修有限公司": {"storage_area": 10}}
# The station with a centre-grade site gets certified technicians of its own (its application lists two).
UPGRADE_STATION = "SC0202"
DEMO_SCORES = {"experience": 17, "staff": 16, "site": 17, "equipment": 13, "management": 12, "market": 7}  # 82


def _pdf_bytes() -> bytes:
    """A real one-page PDF: uploads are opened with pypdf before they are accepted (repairnet.uploads)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(72, 720, "RepairNet demo document")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _png_file(name: str) -> ContentFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 110, 200)).save(buf, format="PNG")
    return ContentFile(buf.getvalue(), name=name)


def _staff_user(*, username, last, first, station, position) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"last_name": last, "first_name": first, "station": station, "password": demo_password_hash()},
    )
    if created:
        role = roles.COORDINATOR if position == Position.COORDINATOR else roles.TECHNICIAN
        user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.get_or_create(
        user=user, defaults={"position": position, "joined_on": station.agreement_date or timezone.localdate()}
    )
    return user


def _certify(user: User, *, state: str, seq: int) -> None:
    if Certificate.objects.filter(user=user).exists():
        return
    today = timezone.localdate()
    if state == "e":
        expires = today + datetime.timedelta(days=12 + seq % 15)
    elif state == "x":
        expires = today - datetime.timedelta(days=20 + seq % 40)
    else:
        expires = today + datetime.timedelta(days=200 + (seq * 37) % 400)
    issued = expires - relativedelta(years=2) + datetime.timedelta(days=1)
    Certificate.objects.create(
        number=f"JS{issued.year}-D{seq:04d}",
        user=user,
        kind=CertificateKind.REPAIR_TECHNICIAN,
        issued_on=issued,
        expires_on=expires,
    )


def _name(i: int) -> tuple[str, str]:
    return SURNAMES[(i * 7) % len(SURNAMES)], GIVEN[(i * 5) % len(GIVEN)]


def _seed_original(hq) -> None:
    seq = 1
    for code, name, tier, region_code, remote, coordinator, technicians in DEMO_STATIONS:
        station, created = Station.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "tier": tier,
                "is_remote": remote,
                "scope_swap": tier == Tier.CENTRE,
                "scope_simple_repair": tier != Tier.ACCESSORY_POINT,
                "agreement_date": datetime.date(2024, 3, 1),
            },
        )
        if created:
            station.regions.add(Region.objects.get(code=region_code))
        if not station.tier_changes.exists():
            station.tier_changes.create(from_tier="", to_tier=station.tier, reason="演示数据：入网", actor=hq)
        slug = code.lower()
        coord = demo_user(
            username=f"demo-{slug}-coord",
            last_name=coordinator[0],
            first_name=coordinator[1],
            role=roles.COORDINATOR,
            station=station,
        )
        StaffProfile.objects.get_or_create(user=coord, defaults={"position": Position.COORDINATOR})
        for i, (last, first) in enumerate(technicians, start=1):
            tech = demo_user(
                username=f"demo-{slug}-tech{i}",
                last_name=last,
                first_name=first,
                role=roles.TECHNICIAN,
                station=station,
            )
            StaffProfile.objects.get_or_create(user=tech, defaults={"position": Position.REPAIR_TECHNICIAN})
            _certify(tech, state="v", seq=seq)
            seq += 1


def _seed_network(hq, stdout) -> int:
    from . import services

    created_count = 0
    regions = {r.code: r for r in Region.objects.filter(code__in=[n[1] for n in NETWORK]).select_related("parent")}
    for n, (code, region_code, tier, status, remote, certs) in enumerate(NETWORK):
        region = regions[region_code]
        station, created = Station.objects.get_or_create(
            code=code,
            defaults={
                "name": f"{region.parent.name}{region.name}{SUFFIX[tier]}",
                "tier": tier,
                "is_remote": remote,
                "scope_swap": tier == Tier.CENTRE,
                "scope_simple_repair": tier != Tier.ACCESSORY_POINT,
                "agreement_date": datetime.date(2023 + n % 3, 1 + n % 12, 1 + n % 27),
                "address": f"{region.full_name}人民路{10 + n}号",
                "phone": phone_normalise(f"0371-6{n:07d}" if code.startswith("HA") else f"028-8{n:07d}"),
            },
        )
        if not created:
            continue
        created_count += 1
        station.regions.add(region)
        TierChange.objects.create(station=station, from_tier="", to_tier=tier, reason="演示数据：入网", actor=hq)
        slug = code.lower()
        last, first = _name(n * 3)
        _staff_user(
            username=f"demo-{slug}-coord", last=last, first=first, station=station, position=Position.COORDINATOR
        )
        for i, state in enumerate(certs, start=1):
            last, first = _name(n * 3 + i)
            tech = _staff_user(
                username=f"demo-{slug}-tech{i}",
                last=last,
                first=first,
                station=station,
                position=Position.REPAIR_TECHNICIAN,
            )
            _certify(tech, state=state, seq=100 + n * 5 + i)
        requirement = selectors.tier_requirement(tier)
        services._deposit_handoff(
            station=station,
            amount=requirement.deposit,
            actor=hq,
            note="演示数据：保证金",
            paid_on=station.agreement_date,
            bank_reference=f"DEMO-BJ-{code}",
        )
        services.station_staffing_refresh(station=station)
        if status in ("suspended", "revoked"):
            services.station_suspend(station=station, actor=hq, note="演示数据：多次投诉成立，暂停派单")
        if status == "revoked":
            services.station_revoke(station=station, actor=hq, note="演示数据：销售假冒产品，取消授权")
        if status == "exited":
            services.station_exit(
                station=station, actor=hq, note="演示数据：经营者主动退出", bank_reference=f"DEMO-TK-{code}"
            )
    return created_count


def _seed_applications(hq) -> None:
    from . import services

    today = timezone.localdate()
    for i, (company, region_code, tier, engineers, final) in enumerate(APPLICATIONS):
        if Application.objects.filter(company_name=company).exists():
            continue
        data = {
            "company_name": company,
            "licence_number": f"9141{i:02d}00MA4{i:05d}X",
            "legal_representative": "".join(_name(200 + i)),
            "contact_name": "".join(_name(200 + i)),
            "contact_phone": f"1390371{i:04d}",
            "email": f"apply{i}@example.com",
            "address": f"{Region.objects.get(code=region_code).full_name}建设路{8 + i}号",
            "region": Region.objects.get(code=region_code),
            "tier_wanted": tier,
            "years_experience": 3 + i,
            "brands_serviced": "移动、联通、小灵通",
            "staff_list": "\n".join(f"{''.join(_name(300 + i * 4 + k))} 维修工程师" for k in range(engineers))
            or "负责人一名",
            "coordinators": 1,
            "engineers": engineers,
            "clerks": 1,
            "reception_area": 12,
            "repair_area": 12 if tier != Tier.ACCESSORY_POINT else 0,
            "storage_area": 10 if tier == Tier.CENTRE else 4,
            "has_repair_tools": tier != Tier.ACCESSORY_POINT,
            "has_computer": True,
            "has_instruments": tier != Tier.ACCESSORY_POINT,
            "has_service_phone": True,
            "equipment_notes": "万用表、示波器、电烙铁、电脑",
            "declares_no_counterfeit": True,
            **SITE.get(company, {}),
        }
        app = services.application_submit(
            data=data,
            business_licence=ContentFile(_pdf_bytes(), name="licence.pdf"),
            financial_report=ContentFile(_pdf_bytes(), name="report.pdf"),
        )
        if final == "submitted":
            continue
        if final == "withdrawn":
            services.application_withdraw_by_applicant(
                reference=app.reference, phone=app.contact_phone, reason="演示数据：申请人决定暂不加入"
            )
            continue
        services.application_check_documents(application=app, actor=hq, note="营业执照、财务报表齐全")
        if final == "documents_checked":
            continue
        if final == "rejected":
            services.application_reject(application=app, actor=hq, reason="演示数据：仅一名工程师，不满足服务中心条件")
            continue
        services.application_record_visit(
            application=app,
            actor=hq,
            visited_on=today - datetime.timedelta(days=3),
            visited_by="张志强",
            notes="场地整洁，维修区与仓储区分开",
            photos=[_png_file("visit.png")],
        )
        if final == "site_visited":
            continue
        services.application_score(application=app, actor=hq, points=DEMO_SCORES)
        if final == "approved":
            code = APPROVED_CODES[company]
            # The coordinator's login made first, with the demo password (the service links an existing login;
            # one it creates gets a random one-time password, hashed anew: slow, and different on every run).
            demo_user(
                username=f"demo-{code.lower()}-coord",
                last_name=data["contact_name"][:1],
                first_name=data["contact_name"][1:],
                role=roles.COORDINATOR,
                phone=data["contact_phone"],
            )
            app = services.application_approve(
                application=app,
                actor=hq,
                tier=tier,
                code=code,
                note="演示数据：综合评审通过",
                coordinator_username=f"demo-{code.lower()}-coord",
                deposit_amount=selectors.tier_requirement(tier).deposit,
                deposit_paid_on=today,
                deposit_reference=f"DEMO-BJ-{code}",
            )
            for k in range(1, engineers + 1 if code == UPGRADE_STATION else 1):
                last, first = _name(300 + i * 4 + k - 1)
                tech = _staff_user(
                    username=f"demo-{code.lower()}-tech{k}",
                    last=last,
                    first=first,
                    station=app.station,
                    position=Position.REPAIR_TECHNICIAN,
                )
                _certify(tech, state="v", seq=900 + i * 4 + k)
            services.station_staffing_refresh(station=app.station)


def _seed_sanctions(hq) -> None:
    from . import services

    stations = {s.code: s for s in Station.objects.filter(code__in=["ZZ001", "CD001", "HA0104", "SC0104", "SC0108"])}
    if not stations:
        return
    plan = [
        ("ZZ001", "inspection_grade_a", "演示：巡检评级A", "approve"),
        ("CD001", "complaint_upheld", "演示：客户投诉上门迟到，投诉成立", "raised"),
        ("HA0104", "daily_report_late", "演示：本月第3次日报迟报", "approve"),
        ("SC0104", "complaint_hidden", "演示：投诉延迟上报", "appeal"),
        ("SC0108", "fabricated_ticket", "演示：重复工单", "cancel"),
    ]
    for code, rule, note, outcome in plan:
        station = stations.get(code)
        if station is None:
            continue
        sanction = services.sanction_raise(
            station=station, rule_code=rule, actor=hq, note=note, source_ref=f"demo:{code}:{rule}"
        )
        if sanction.status != Sanction.Status.RAISED:
            continue
        if outcome == "approve":
            services.sanction_decide(sanction=sanction, actor=hq, approve=True, note="演示：核实无误")
        elif outcome == "cancel":
            services.sanction_decide(sanction=sanction, actor=hq, approve=False, note="演示：经核实为系统重复提交")
        elif outcome == "appeal":
            coord = User.objects.filter(station=station, groups__name=roles.COORDINATOR).first()
            if coord is not None:
                services.sanction_appeal(sanction=sanction, actor=coord, text="演示：当日系统故障，已电话报备")


def _seed_assessment() -> None:
    from . import services

    today = timezone.localdate()
    prev = today - relativedelta(months=3)
    year, quarter = prev.year, (prev.month - 1) // 3 + 1
    if not Assessment.objects.filter(year=year, quarter=quarter).exists():
        services.assessment_run(year=year, quarter=quarter, actor=roles.SYSTEM)


# One station for each kind of assessment suggestion (SPEC 1.4) on the last quarter, from the component scores
# (inspection, satisfaction, SLA, first-time fix) given here; the upgrade also needs the quarter before at 85+.
SUGGESTION_DEMO = [
    # code, last quarter's components, the quarter before's (None: as the run left it)
    ("SC0202", (92, 90, 95, 90), (90, 88, 92, 88)),  # 91.8 after 89.6, a centre's site and staff → upgrade
    ("HA0104", (55, 50, 60, 70), None),  # 55.0 → downgrade (centre → station)
    ("HA0112", (30, 25, 40, 50), None),  # 32.5 → revocation review
]


def _quarter_back(on: datetime.date, n: int) -> tuple[int, int]:
    back = on - relativedelta(months=3 * n)
    return back.year, (back.month - 1) // 3 + 1


def _components(scores) -> dict[str, Decimal]:
    return dict(zip(("inspection", "satisfaction", "sla", "first_time_fix"), map(Decimal, scores), strict=True))


def _demo_assessment(*, station, quarter: tuple[int, int], scores, weights, suggestion=None) -> Assessment:
    """The station's assessment of ``quarter`` from the component ``scores``; one HQ decided is left as it is."""
    from . import services

    year, q = quarter
    row = Assessment.objects.filter(station=station, year=year, quarter=q).first()
    if row is not None and row.status in (Assessment.Status.APPROVED, Assessment.Status.REJECTED):
        return row
    parts = _components(scores)
    kind, tier = suggestion or (Assessment.Suggestion.NONE, "")
    row, _created = Assessment.objects.update_or_create(
        station=station,
        year=year,
        quarter=q,
        defaults={
            "inspection_score": parts["inspection"],
            "satisfaction_score": parts["satisfaction"],
            "sla_score": parts["sla"],
            "first_time_fix_score": parts["first_time_fix"],
            "total": services.assessment_total(parts, weights),
            "tier_at_assessment": station.tier,
            "inputs": {"demo": True},
            "suggestion": kind,
            "suggested_tier": tier,
            "status": Assessment.Status.NO_ACTION if kind == Assessment.Suggestion.NONE else Assessment.Status.PENDING,
        },
    )
    return row


def _seed_assessment_suggestions() -> None:
    """Give the stations of ``SUGGESTION_DEMO`` their quarters' component scores and let the assessment's own rules
    (total, suggestion) say what each suggests; a quarter HQ has decided since is left (idempotent)."""
    from . import services

    today = timezone.localdate()
    last, before = _quarter_back(today, 1), _quarter_back(today, 2)
    end = services.quarter_bounds(*last)[1]
    weights, thresholds = setting("ASSESSMENT_WEIGHTS", on=end), setting("ASSESSMENT_THRESHOLDS", on=end)
    ladder = services._tier_by_rank(end)
    stations = {s.code: s for s in Station.objects.filter(code__in=[c for c, *_ in SUGGESTION_DEMO])}
    for code, components, previous in SUGGESTION_DEMO:
        station = stations.get(code)
        if station is None:
            continue
        prior = (
            _demo_assessment(station=station, quarter=before, scores=previous, weights=weights)
            if previous is not None
            else Assessment.objects.filter(station=station, year=before[0], quarter=before[1]).first()
        )
        parts = _components(components)
        suggestion = services._suggest(
            station=station,
            total=services.assessment_total(parts, weights),
            previous=prior,
            certified=selectors.certified_engineer_counts(station_ids=[station.pk], on=end).get(station.pk, 0),
            coordinators=User.objects.filter(station=station, groups__name=roles.COORDINATOR).count(),
            thresholds=thresholds,
            ladder=ladder,
        )
        _demo_assessment(station=station, quarter=last, scores=components, weights=weights, suggestion=suggestion)


def seed(*, stdout) -> None:
    hq = User.objects.filter(username="hq").first()
    with transaction.atomic():
        _seed_original(hq)
        added = _seed_network(hq, stdout)
        _seed_applications(hq)
        _seed_sanctions(hq)
        _seed_assessment()
        _seed_assessment_suggestions()
    stdout.write(
        f"stations: {Station.objects.count()} stations ({added} new), {Application.objects.count()} applications, "
        f"{Certificate.objects.count()} certificates, {Sanction.objects.count()} reward/penalty records"
    )
