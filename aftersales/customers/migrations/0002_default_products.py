from django.db import migrations

PRODUCTS = [("sms", "SMS"), ("wap", "WAP"), ("ddt", "DDT"), ("voice", "Voice"), ("verify", "Verify / OTP")]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Product = apps.get_model("customers", "Product")
    for code, name in PRODUCTS:
        Product.objects.db_manager(schema_editor.connection.alias).get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
