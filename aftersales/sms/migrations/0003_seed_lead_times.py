"""Seed the expected registration lead times (sms-domain.md §3; AWS "Estimated registration times",
Aliyun, India DLT FAQs). Editable afterwards; existing rows are never overwritten."""

from django.db import migrations

LEAD_TIMES = [
    # country, type, days, note
    ("AE", "alphanumeric", 25, "AWS registration ETA"),
    ("AU", "alphanumeric", 15, "AWS registration ETA"),
    ("BY", "alphanumeric", 45, "AWS registration ETA"),
    ("EG", "alphanumeric", 21, "AWS registration ETA"),
    ("GB", "alphanumeric", 3, "AWS registration ETA"),
    ("ID", "alphanumeric", 50, "AWS registration ETA"),
    ("CN", "template", 15, "Carrier registration 7-15 business days (Aliyun)"),
    ("IN", "template", 4, "DLT content template: about 2-4 business days"),
    ("GB", "short_code", 84, "Short code: about 12 weeks"),
    ("DE", "short_code", 84, "Short code: about 12 weeks"),
    ("ES", "short_code", 84, "Short code: about 12 weeks"),
]


def seed(apps, schema_editor):
    LeadTime = apps.get_model("sms", "LeadTime")
    for country, kind, days, note in LEAD_TIMES:
        LeadTime.objects.db_manager(schema_editor.connection.alias).get_or_create(country=country, type=kind, defaults={"expected_days": days, "note": note})


class Migration(migrations.Migration):
    dependencies = [("sms", "0002_numbers_registrations_cases_incidents")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
