"""Demo users for the HQ-side roles and the regional managers. Station staff are created with their stations
(stations.demo)."""

import functools

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from . import roles
from .models import Region, User
from .phones import phone_normalise_optional

DEMO_PASSWORD = "RepairNet-demo-2026"
# A fixed salt: every demo user shares one hash, computed once per run (PBKDF2 per user took ~0.6 s each), and two
# fresh seeds store the same value. Logging in re-hashes it with a fresh salt if the hasher's settings changed.
DEMO_SALT = "repairnetdemo2026"


@functools.cache
def demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD, salt=DEMO_SALT)


HQ_SIDE_USERS = [
    ("admin", "管理员", "系统", roles.ADMIN),
    ("hotline", "小红", "王", roles.HOTLINE),
    ("hotline2", "建华", "刘", roles.HOTLINE),
    ("hq", "志强", "张", roles.HQ),
    ("inspector", "伟", "陈", roles.INSPECTOR),
    ("finance", "芳", "李", roles.FINANCE),
]
# regional managers (区域经理): username, first, last, the division codes of the regions they manage
REGIONAL_USERS = [
    ("demo-region-sc", "建国", "赵", ["510000"]),  # 四川省
]


def demo_user(*, username: str, first_name: str, last_name: str, role: str, station=None, phone: str = "") -> User:
    """Create the demo user once; later runs leave it (and its password) as it is."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "station": station,
            "phone": phone_normalise_optional(phone),
            "is_staff": role == roles.ADMIN,
            "is_superuser": role == roles.ADMIN,
            "password": demo_password_hash(),
        },
    )
    if created:
        user.groups.add(Group.objects.get(name=role))
    return user


def seed(*, stdout) -> None:
    for username, first, last, role in HQ_SIDE_USERS:
        demo_user(username=username, first_name=first, last_name=last, role=role)
    for username, first, last, codes in REGIONAL_USERS:
        user = demo_user(username=username, first_name=first, last_name=last, role=roles.REGIONAL)
        user.managed_regions.set(Region.objects.filter(code__in=codes))  # set(): a second run changes nothing


def print_logins(*, stdout) -> None:
    """Every HQ-side login (regional managers with their regions), then the staff of the first demo stations (one
    of each station role)."""
    stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    regional = [u[0] for u in REGIONAL_USERS]
    hq_side = User.objects.filter(username__in=[u[0] for u in HQ_SIDE_USERS] + regional).prefetch_related(
        "groups", "managed_regions"
    )
    station_staff = (
        User.objects.filter(username__regex=r"^demo-(zz001|cd001|ab001)-")
        .select_related("station")
        .prefetch_related("groups")
    )
    for user in [*hq_side.order_by("username"), *station_staff.order_by("username")]:
        labels = ", ".join(str(roles.ROLE_LABELS.get(g.name, g.name)) for g in user.groups.all())
        where = f" @ {user.station.code} {user.station.name}" if user.station_id else ""
        if user.username in regional:
            where = " @ " + "、".join(r.name for r in user.managed_regions.all())
        stdout.write(f"  {user.username:<22} {labels}{where}")
    others = User.objects.filter(username__startswith="demo-").exclude(username__in=regional).count()
    others -= len(station_staff)
    if others > 0:
        stdout.write(f"  … and {others} more station logins (demo-<station code>-coord / -tech<n>)")
