"""Demo inspections (idempotent): a history per demo station with every grade, item photos generated with
Pillow, rectifications open / answered / confirmed / overdue, a stock count with a difference, and
upcoming visits for the demo inspector. A station that already has inspections is left alone."""

import datetime
import io
import random

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from repairnet import roles
from repairnet.models import User
from stations.models import Station

from . import services
from .models import Inspection, Rectification

# Per station (by position in code order): (days ago, target total) for each past inspection.
HISTORIES = [
    [(180, 72), (100, 84), (40, 93)],  # C → B → A
    [(170, 82), (95, 65), (20, 54)],  # B → C → D (penalty, re-inspection)
    [(150, 91), (60, 86), (10, 80)],  # A → B → B
]
ANSWERS = [
    "已按要求整改，附整改后照片。",
    "已组织全员学习并补齐记录。",
    "已重新整理，设专人负责每日检查。",
]


# Demo photos are small (a phone's upload is re-encoded to at most PHOTO_MAX_EDGE anyway): at 1600×1200 the ~300
# generated photos took half of seed_demo's time, encoding them and then re-encoding them in photo_prepare.
PHOTO_SIZE = (640, 480)


def _photo(label: str, seed: int) -> ContentFile:
    """A generated 'photo': a shelf-like scene with coloured boxes and a label, a 640×480 JPEG."""
    rnd = random.Random(seed)
    width, height = PHOTO_SIZE
    k = width / 1600  # the scene is laid out on 1600×1200 and drawn scaled

    def box(x0, y0, x1, y1):
        return [round(x0 * k), round(y0 * k), round(x1 * k), round(y1 * k)]

    image = Image.new("RGB", (width, height), (rnd.randint(180, 230), rnd.randint(180, 230), rnd.randint(180, 230)))
    draw = ImageDraw.Draw(image)
    for shelf in range(3):
        y = 250 + shelf * 320
        draw.rectangle(box(80, y + 220, 1520, y + 240), fill=(110, 80, 50))
        x = 100
        while x < 1450:
            w = rnd.randint(90, 220)
            h = rnd.randint(80, 210)
            color = (rnd.randint(20, 240), rnd.randint(20, 240), rnd.randint(20, 240))
            draw.rectangle(box(x, y + 220 - h, x + w, y + 220), fill=color, outline=(40, 40, 40), width=2)
            x += w + rnd.randint(10, 40)
    draw.rectangle(box(0, 0, 1600, 90), fill=(20, 20, 20))
    draw.text((12, 12), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name=f"demo-{seed}.jpg")


def _scores(lines, target: int, rnd: random.Random) -> dict[int, int]:
    """Full marks minus a deficit of (100 − target) spread over random items."""
    scores = {line.pk: line.max_score for line in lines}
    deficit = 100 - target
    while deficit > 0:
        line = rnd.choice(lines)
        if scores[line.pk] == 0:
            continue
        take = min(deficit, rnd.randint(1, max(1, line.max_score // 2)), scores[line.pk])
        scores[line.pk] -= take
        deficit -= take
    return scores


def _coordinator(station):
    return User.objects.filter(station=station, groups__name=roles.COORDINATOR, is_active=True).order_by("pk").first()


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _past_inspection(*, station, inspector, hq, days_ago: int, target: int, latest: bool, rnd, count_diff: bool):
    today = timezone.localdate()
    day = today - datetime.timedelta(days=days_ago)
    inspection = services.inspection_schedule(station=station, inspector=inspector, scheduled_for=today, actor=hq)
    Inspection.objects.filter(pk=inspection.pk).update(scheduled_for=day)
    lines = list(inspection.scores.order_by("section_position", "position"))
    scores = _scores(lines, target, rnd)
    for i, line in enumerate(lines):
        below = scores[line.pk] < line.max_score
        services.item_score_save(
            score_id=line.pk,
            actor=inspector,
            score=scores[line.pk],
            comment="现场发现问题，需整改。" if below else "",
            photo=_photo(f"{station.code} {day} item {line.item_code}", seed=inspection.pk * 100 + i)
            if below
            else None,
        )
    for j, line in enumerate(inspection.stock_lines.all()):
        counted = line.expected_quantity - 1 if (count_diff and j == 0 and line.expected_quantity > 0) else None
        services.stock_count_save(
            line_id=line.pk,
            actor=inspector,
            counted_quantity=counted if counted is not None else line.expected_quantity,
        )
    inspection = services.inspection_submit(
        inspection_id=inspection.pk, actor=inspector, summary=f"{day} 现场检查，总分 {target}。"
    )
    Inspection.objects.filter(pk=inspection.pk).update(submitted_at=_at(day, 16))
    rects = list(Rectification.objects.filter(inspection=inspection).order_by("pk"))
    Rectification.objects.filter(inspection=inspection).update(deadline=day + datetime.timedelta(days=15))
    coordinator = _coordinator(station)
    if coordinator is None:
        return inspection
    for k, rect in enumerate(rects):
        # Older inspections are fully settled; the latest has a mix: confirmed, answered, still open.
        state = "confirmed" if not latest else ("confirmed", "answered", "open")[k % 3]
        if state == "open":
            continue
        services.rectification_answer(
            rectification_id=rect.pk,
            actor=coordinator,
            answer=ANSWERS[k % len(ANSWERS)],
            evidence=_photo(f"{station.code} fixed {rect.pk}", seed=rect.pk + 7),
        )
        if state == "confirmed":
            services.rectification_confirm(rectification_id=rect.pk, actor=inspector, note="复查合格")
    return inspection


def seed(*, stdout) -> None:
    """Demo data for this area (idempotent); called by manage.py seed_demo."""
    inspector = (
        User.objects.filter(username="inspector").first()
        or User.objects.filter(groups__name=roles.INSPECTOR, is_active=True).order_by("pk").first()
    )
    hq = User.objects.filter(username="hq").first() or inspector
    if inspector is None:
        stdout.write("inspections: no inspector user, skipped")
        return
    stations = list(Station.objects.filter(status="active").order_by("code")[:6])
    made = 0
    for index, station in enumerate(stations):
        if Inspection.objects.filter(station=station).exists():
            continue
        rnd = random.Random(station.code)
        history = HISTORIES[index % len(HISTORIES)]
        for n, (days_ago, target) in enumerate(history):
            latest = n == len(history) - 1
            _past_inspection(
                station=station,
                inspector=inspector,
                hq=hq,
                days_ago=days_ago,
                target=target,
                latest=latest,
                rnd=rnd,
                count_diff=latest and index == 0,
            )
            made += 1
        if not Inspection.objects.filter(station=station, status=Inspection.Status.DRAFT).exists():
            upcoming = services.inspection_schedule(
                station=station,
                inspector=inspector,
                scheduled_for=timezone.localdate() + datetime.timedelta(days=3 + index * 4),
                actor=hq,
            )
            if index % 2 == 0:  # a visit already half filled in on the phone
                for line in upcoming.scores.order_by("section_position", "position")[:6]:
                    services.item_score_save(score_id=line.pk, actor=inspector, score=line.max_score)
            made += 1
    overdue = services.rectification_mark_overdue()
    open_count = Rectification.objects.filter(status=Rectification.Status.OPEN).count()
    stdout.write(
        f"inspections: {made} inspections created, {overdue} rectifications marked overdue, "
        f"{open_count} open, {Rectification.objects.filter(status='answered').count()} answered, "
        f"{Rectification.objects.filter(status='confirmed').count()} confirmed"
    )
