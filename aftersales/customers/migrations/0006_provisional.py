from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_contact_portal_user"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="provisional",
            field=models.BooleanField(
                default=False,
                help_text="Created by an import; waiting for a lead to confirm or merge it.",
                verbose_name="provisional",
            ),
        ),
    ]
