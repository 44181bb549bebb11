"""The outbox's Chinese message templates, one per event and channel (HQ edits them in the admin), and the
delivery sweep every minute (repairnet.tasks.outbox_deliver_task)."""

from django.db import migrations

from repairnet.beat import schedule

SIGN = "【RepairNet售后】"
CUSTOMER = {
    "ticket_logged": "{{ customer }}您好，您的报修已受理，工单号{{ number }}。我们将尽快安排服务站与您联系。",
    "customer_dispatched": (
        "{{ customer }}您好，工单{{ number }}已派给{{ station }}，服务站电话{{ station_phone }}，稍后将与您预约上门时间。"
    ),
    "appointment_set": "{{ customer }}您好，工单{{ number }}已预约在{{ appointment }}，由{{ station }}上门服务。如需改约请致电{{ station_phone }}。",
    "technician_on_the_way": "{{ customer }}您好，{{ technician }}师傅已出发前往您处（工单{{ number }}），如有疑问请致电{{ station_phone }}。",
    "ticket_completed": (
        "{{ customer }}您好，工单{{ number }}已维修完成{% if charge and charge != '0.00' %}，收费{{ charge }}元{% endif %}。"
        "我们将在24小时内回访，感谢您的耐心。"
    ),
    "callback_due": "{{ customer }}您好，我们就工单{{ number }}回访未能联系到您，请拨打客服热线或在自助页面确认维修结果。",
}
STAFF = {
    "ticket_dispatched": ("新派工单{{ number }}", "新工单{{ number }}已派到贵站，请及时接单。{{ url }}"),
    "ticket_rejected": ("工单{{ number }}被拒单", "服务站{{ station }}拒绝了工单{{ number }}：{{ reason }}。请重新派单。{{ url }}"),
    "sla_due_soon": ("工单{{ number }}即将超时", "工单{{ number }}的时限将于{{ due }}到期，请尽快处理。{{ url }}"),
    "rectification_due": ("整改即将到期", "整改项“{{ item }}”将于{{ deadline }}到期，请按时提交整改。{{ url }}"),
    "statement_issued": ("{{ month }}结算单已发布", "{{ station }}{{ month }}结算单已发布，净额{{ net }}元，请核对确认。{{ url }}"),
}


def seed(apps, schema_editor):
    template = apps.get_model("repairnet", "MessageTemplate")
    rows = []
    for event, body in CUSTOMER.items():
        rows.append(template(event=event, channel="sms", body=SIGN + body))
        rows.append(template(event=event, channel="wechat", body=body))
    for event, (subject, body) in STAFF.items():
        rows.append(template(event=event, channel="email", subject=subject, body=body))
    template.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("repairnet", "MessageTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("repairnet", "0012_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
        schedule("repairnet: outbox delivery", "repairnet.tasks.outbox_deliver_task"),
    ]
