# The outbox leases name their holder (core.leases.holder): claimed_by, blank when nobody holds the row.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0004_quality'),
    ]

    operations = [
        migrations.AddField(
            model_name='csatemail',
            name='claimed_by',
            field=models.CharField(blank=True, max_length=200, verbose_name='claimed by'),
        ),
        migrations.AddField(
            model_name='surveyinvitation',
            name='claimed_by',
            field=models.CharField(blank=True, max_length=200, verbose_name='claimed by'),
        ),
    ]
