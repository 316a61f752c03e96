import aftersales.people.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0002_roles'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='scopes',
            field=models.JSONField(default=aftersales.people.models.default_scopes, verbose_name='scopes'),
        ),
    ]
