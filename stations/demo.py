"""Demo stations with their coordinators and technicians (idempotent)."""

from repairnet import roles
from repairnet.demo import demo_user
from repairnet.models import Region

from .models import Station, Tier

DEMO_STATIONS = [
    # code, name, tier, region code, remote, coordinator, technicians
    ("ZZ001", "郑州中原家电维修服务中心", Tier.CENTRE, "410102", False, ("赵", "磊"), [("孙", "强"), ("周", "杰")]),
    ("CD001", "成都锦江数码维修服务站", Tier.STATION, "510104", False, ("吴", "敏"), [("郑", "浩")]),
    ("AB001", "汶川县广电附件代卖点", Tier.ACCESSORY_POINT, "513221", True, ("马", "琳"), []),
]


def seed(*, stdout) -> None:
    for code, name, tier, region_code, remote, coordinator, technicians in DEMO_STATIONS:
        station, created = Station.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "tier": tier,
                "is_remote": remote,
                "scope_swap": tier == Tier.CENTRE,
                "scope_simple_repair": tier != Tier.ACCESSORY_POINT,
            },
        )
        if created:
            station.regions.add(Region.objects.get(code=region_code))
        slug = code.lower()
        demo_user(
            username=f"demo-{slug}-coord",
            last_name=coordinator[0],
            first_name=coordinator[1],
            role=roles.COORDINATOR,
            station=station,
        )
        for i, (last, first) in enumerate(technicians, start=1):
            demo_user(
                username=f"demo-{slug}-tech{i}",
                last_name=last,
                first_name=first,
                role=roles.TECHNICIAN,
                station=station,
            )
