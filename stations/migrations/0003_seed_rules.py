"""Seed the SPEC 1.1 tier requirements, 1.2 screening criteria and 1.5 reward/penalty rules."""

from decimal import Decimal

from django.db import migrations

TIERS = [
    # tier, deposit, coordinators, engineers, repair m², storage m², equipment, min score, rank
    ("centre", "10000.00", 1, 2, "10.0", "8.0", True, 80, 3),
    ("station", "5000.00", 1, 1, "8.0", "0.0", True, 70, 2),
    ("accessory_point", "2000.00", 1, 0, "0.0", "0.0", False, 60, 1),
]

CRITERIA = [
    ("experience", "售后维修经验与商业信誉", 20),
    ("staff", "人员数量、培训与资质", 20),
    ("site", "场地：接待、维修、仓储面积与环境", 20),
    ("equipment", "设备：工具、电脑、仪器仪表、服务电话", 15),
    ("management", "管理制度与服务理念", 15),
    ("market", "市场需求：区域销量增长、现有服务不足", 10),
]

RULES = [
    ("complaint_upheld", "投诉成立", "-50.00", ""),
    ("fabricated_ticket", "虚假或重复工单（每单）", "-200.00", "追回费用，进入取消资格评审"),
    ("complaint_hidden", "隐瞒或拖延投诉", "-100.00", ""),
    ("daily_report_late", "日报迟报（当月超过2次后每次）", "-20.00", ""),
    ("inspection_grade_d", "巡检评级D", "-300.00", "30天内复检"),
    ("rectification_overdue", "整改逾期", "-100.00", ""),
    ("counterfeit_sales", "销售兼容或假冒产品", "0.00", "取消授权，没收保证金"),
    ("satisfaction_bonus", "月度满意度≥4.8（回访≥30次）", "200.00", ""),
    ("quarter_excellence", "季度无成立投诉且SLA≥98%", "500.00", ""),
    ("inspection_grade_a", "巡检评级A", "300.00", ""),
]


def seed(apps, schema_editor):
    TierRequirement = apps.get_model("stations", "TierRequirement")
    ScreeningCriterion = apps.get_model("stations", "ScreeningCriterion")
    SanctionRule = apps.get_model("stations", "SanctionRule")
    for tier, deposit, coords, engineers, repair, storage, equipment, score, rank in TIERS:
        TierRequirement.objects.update_or_create(
            tier=tier,
            defaults={
                "deposit": Decimal(deposit),
                "min_coordinators": coords,
                "min_engineers": engineers,
                "min_repair_area": Decimal(repair),
                "min_storage_area": Decimal(storage),
                "requires_repair_equipment": equipment,
                "min_score": score,
                "rank": rank,
            },
        )
    for order, (code, name, points) in enumerate(CRITERIA, start=1):
        ScreeningCriterion.objects.update_or_create(code=code, defaults={"name": name, "max_points": points, "order": order})
    for code, name, amount, consequence in RULES:
        SanctionRule.objects.update_or_create(
            code=code, defaults={"name": name, "amount": Decimal(amount), "consequence": consequence}
        )


class Migration(migrations.Migration):
    dependencies = [("stations", "0002_sanctionrule_screeningcriterion_tierrequirement_and_more")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
