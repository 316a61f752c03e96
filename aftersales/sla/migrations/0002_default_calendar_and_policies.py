"""The product's default calendar and policy, and two example policies a lead can edit."""

import datetime as dt

from django.db import migrations

DEFAULT_CALENDAR = "China (Asia/Shanghai) 09:00-18:00"
WEEK = {str(day): [["09:00", "12:00"], ["13:00", "18:00"]] for day in range(5)}


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Calendar = apps.get_model("sla", "Calendar")
    Policy = apps.get_model("sla", "Policy")
    calendar, _created = Calendar.objects.db_manager(schema_editor.connection.alias).get_or_create(
        name=DEFAULT_CALENDAR,
        defaults={"timezone": "Asia/Shanghai", "week": WEEK, "country": "CN", "is_default": True, "version": 1},
    )
    hours = dt.timedelta(hours=1)
    Policy.objects.db_manager(schema_editor.connection.alias).get_or_create(name="Default", defaults={
        "order": 1000, "is_default": True, "calendar": calendar,
        # a business day here is 8 hours (09:00-18:00 less lunch): 3 business days = 24 hours
        "first_response": 4 * hours, "next_response": 8 * hours, "resolution": 24 * hours,
    })
    Policy.objects.db_manager(schema_editor.connection.alias).get_or_create(name="P1 · urgent", defaults={
        "order": 10, "priorities": [1], "calendar": calendar,
        "first_response": dt.timedelta(minutes=30), "next_response": 2 * hours, "resolution": 8 * hours,
    })
    Policy.objects.db_manager(schema_editor.connection.alias).get_or_create(name="Key accounts", defaults={
        "order": 20, "tiers": ["key"], "calendar": calendar,
        "first_response": 2 * hours, "next_response": 4 * hours, "resolution": 16 * hours,
    })


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
