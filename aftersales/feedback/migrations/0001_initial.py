# The feedback app's first migration: empty; each part (CSAT, surveys, check-ins, quality reviews)
# adds its own tables in the migrations that follow.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations: list = []
