# Quality review (issue 8): written by hand next to the other parts' 0002 migrations; the lead chains them.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_csat"),
        ("tickets", "0005_root_causes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="QualityReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("correct", models.BooleanField(verbose_name="correct")),
                ("complete", models.BooleanField(verbose_name="complete")),
                (
                    "tone",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(5),
                        ],
                        verbose_name="tone",
                    ),
                ),
                ("root_cause_found", models.BooleanField(verbose_name="root cause found")),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
                ("ticket_resolved_at", models.DateTimeField(blank=True, null=True, verbose_name="ticket resolved")),
                ("created_at", models.DateTimeField(verbose_name="reviewed")),
                ("updated_at", models.DateTimeField(verbose_name="updated")),
                (
                    "agent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="agent",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reviewer",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="quality_reviews",
                        to="tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "quality review",
                "verbose_name_plural": "quality reviews",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["agent", "created_at"], name="quality_agent_created"),
                    models.Index(fields=["created_at"], name="quality_created"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("ticket", "reviewer"), name="quality_review_once_per_reviewer"),
                    models.CheckConstraint(
                        condition=models.Q(("tone__gte", 1), ("tone__lte", 5)), name="quality_review_tone_1_5"
                    ),
                ],
            },
        ),
    ]
