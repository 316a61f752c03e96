"""The default categories: the seed's step-2 problem taxonomy. Editable data afterwards."""

from django.db import migrations

DEFAULTS = [
    ("customer", "Customer problems", "客户问题", [
        ("delivery-conversion", "Delivery & conversion rate", "送达率和回填率"),
        ("sender-id", "Sender ID application", "Sender ID 申请"),
        ("fraud", "Fraud & abuse", "盗刷"),
        ("documents", "Missing documents", "文档不全"),
        ("support-quality", "Support quality", "技术支持不达标"),
    ]),
    ("technical", "Technical problems", "技术问题", [
        ("vendor-support", "Vendor support", "原厂技术支持"),
        ("inaccurate-answers", "Inaccurate answers", "答复不准确"),
        ("platform-logic", "Platform logic unclear", "JMC 平台逻辑不清晰"),
    ]),
    ("business", "Business problems", "业务问题", [
        ("accounts", "Master & sub-account management", "主账号和子账号管理"),
        ("billing-balance", "Billing & balance", "账单与余额"),
    ]),
    ("communication", "Communication problems", "沟通问题", [
        ("underlying-needs", "Underlying needs not explored", "未深挖客户痛点"),
        ("regular-contact", "No regular contact", "缺少定期问候"),
    ]),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Category = apps.get_model("tickets", "Category")
    for group_order, (code, en, zh, children) in enumerate(DEFAULTS):
        group, _ = Category.objects.db_manager(schema_editor.connection.alias).get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "order": group_order * 10})
        for order, (child_code, child_en, child_zh) in enumerate(children):
            Category.objects.db_manager(schema_editor.connection.alias).get_or_create(
                code=child_code,
                defaults={"parent": group, "name_en": child_en, "name_zh": child_zh, "order": group_order * 10 + order + 1},
            )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
