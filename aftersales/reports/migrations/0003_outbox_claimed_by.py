# The outbox leases name their holder (core.leases.holder): claimed_by, blank when nobody holds the row.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_daily_figures'),
    ]

    operations = [
        migrations.AddField(
            model_name='reviewdelivery',
            name='claimed_by',
            field=models.CharField(blank=True, max_length=200, verbose_name='claimed by'),
        ),
    ]
