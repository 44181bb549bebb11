"""The default on-site checklist (现场检查表) v1, from SPEC 5 and the seed's section titles; totals 100."""

import datetime

from django.db import migrations

SECTIONS = [
    (
        "维修服务中心/站填写记录报表的管理",
        [
            ("records.tickets", "最近20张工单维修记录完整、填写规范", 10),
            ("records.daily", "本月日报按时提交", 5),
            ("records.callbacks", "回访记录完整，满意度如实登记", 5),
            ("records.complaints", "投诉登记及处理结果记录完整、及时上报", 5),
            ("records.parts", "备件领用、更换记录与工单一一对应", 5),
        ],
    ),
    (
        "维修服务的管理",
        [
            ("service.process", "按受理—检测—维修—测试—交付流程作业", 8),
            ("service.tools", "维修工具及仪器设备齐全完好、定期校验", 6),
            ("service.staff", "维修人员持证上岗、佩戴工牌", 8),
            ("service.reception", "接待规范：服务用语、告知维修时限和收费", 8),
        ],
    ),
    (
        "备机备件的管理",
        [
            ("spares.count", "备机备件实物盘点与台账相符", 8),
            ("spares.storage", "备件存放符合要求（防潮、防静电、分类上架）", 6),
            ("spares.defective", "故障件隔离并标识", 6),
            ("spares.original", "仅使用原厂备件，无兼容或假冒配件", 5),
        ],
    ),
    (
        "店面形象",
        [
            ("image.signage", "品牌标识（门头、标牌）规范醒目", 5),
            ("image.clean", "店面整洁，维修台有序", 4),
            ("image.prices", "收费价目表公示", 3),
            ("image.certificate", "授权证书悬挂于显眼位置", 3),
        ],
    ),
]


def create(apps, schema_editor):
    Template = apps.get_model("inspections", "ChecklistTemplate")
    Section = apps.get_model("inspections", "ChecklistSection")
    Item = apps.get_model("inspections", "ChecklistItem")
    if Template.objects.filter(version=1).exists():
        return
    assert sum(m for _, items in SECTIONS for _, _, m in items) == 100
    template = Template.objects.create(
        name="授权维修服务中心/站现场检查表", version=1, is_active=True, effective_from=datetime.date(2026, 1, 1)
    )
    for s_pos, (title, items) in enumerate(SECTIONS, start=1):
        section = Section.objects.create(template=template, position=s_pos, title=title)
        for i_pos, (code, text, max_score) in enumerate(items, start=1):
            Item.objects.create(section=section, position=i_pos, code=code, text=text, max_score=max_score)


def remove(apps, schema_editor):
    apps.get_model("inspections", "ChecklistTemplate").objects.filter(version=1, inspections__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
