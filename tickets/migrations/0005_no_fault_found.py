"""The repair report's explicit outcome "no fault found" (未发现故障), which settlement pays at the no-fault fee.

Until now settlement guessed it from the technician's free text. The data step classifies the completed
tickets already recorded from their text (fault found, diagnosis, work done) with ``is_no_fault_text``; from
here on the technician ticks the box and the text is never read for it again.
"""

import re

from django.db import migrations, models

# Chinese markers are matched anywhere; the English ones as whole words ("NFF" is not inside "sniff").
NO_FAULT_MARKERS = ("无故障", "未发现故障", "未见故障", "检测正常", "无异常")
NO_FAULT_WORDS = re.compile(r"\b(?:no\s+fault|nff)\b", re.IGNORECASE)
BATCH = 1000


def is_no_fault_text(*texts: str) -> bool:
    """Does any of the repair report's texts say the inspection found no fault?"""
    text = " ".join(t for t in texts if t)
    return any(marker in text for marker in NO_FAULT_MARKERS) or NO_FAULT_WORDS.search(text) is not None


def classify_completed_tickets(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    # the database narrows the rows down by substring; the classifier decides
    maybe = models.Q()
    for marker in (*NO_FAULT_MARKERS, "no", "nff"):
        for field in ("fault_found", "diagnosis", "work_done"):
            maybe |= models.Q(**{f"{field}__icontains": marker})
    rows = (
        Ticket.objects.filter(maybe, completed_at__isnull=False, no_fault_found=False)
        .values_list("pk", "fault_found", "diagnosis", "work_done")
        .order_by("pk")
    )
    ids = [pk for pk, *texts in rows.iterator(chunk_size=BATCH) if is_no_fault_text(*texts)]
    for start in range(0, len(ids), BATCH):
        Ticket.objects.filter(pk__in=ids[start : start + BATCH]).update(no_fault_found=True)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_station_day_stats"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="no_fault_found",
            field=models.BooleanField(
                db_default=False,
                default=False,
                help_text="The inspection found the device working normally (at most guidance on its use).",
                verbose_name="No fault found",
            ),
        ),
        migrations.RunPython(classify_completed_tickets, migrations.RunPython.noop, elidable=True),
    ]
