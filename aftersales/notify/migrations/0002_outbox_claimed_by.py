# The outbox leases name their holder (core.leases.holder): claimed_by, blank when nobody holds the row.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='claimed_by',
            field=models.CharField(blank=True, max_length=200, verbose_name='claimed by'),
        ),
    ]
