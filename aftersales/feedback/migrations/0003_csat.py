# CSAT (issue 8): satisfaction requests and their survey-email outbox.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_contact_portal_user"),
        ("feedback", "0002_checkins_surveys"),
        ("people", "0002_roles"),
        ("tickets", "0004_ticket_created_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CsatRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("language", models.CharField(max_length=10, verbose_name="language")),
                ("resolved_at", models.DateTimeField(verbose_name="resolved")),
                ("sent_at", models.DateTimeField(verbose_name="sent")),
                ("times_sent", models.PositiveSmallIntegerField(default=1, verbose_name="times asked")),
                ("expires_at", models.DateTimeField(verbose_name="link expires")),
                ("rating", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="rating")),
                ("comment", models.TextField(blank=True, verbose_name="comment")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered")),
                ("changed_at", models.DateTimeField(blank=True, null=True, verbose_name="changed")),
                (
                    "answered_via",
                    models.CharField(
                        blank=True,
                        choices=[("email", "Email link"), ("portal", "Portal")],
                        max_length=10,
                        verbose_name="answered via",
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="created")),
                (
                    "category",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.category",
                        verbose_name="category",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="csat_requests",
                        to="customers.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "followup_ticket",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.ticket",
                        verbose_name="follow-up",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner at resolution",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="people.team",
                        verbose_name="team",
                    ),
                ),
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="csat",
                        to="tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "satisfaction request",
                "verbose_name_plural": "satisfaction requests",
                "ordering": ["-sent_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="CsatEmail",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("from_email", models.CharField(max_length=320, verbose_name="from")),
                ("to", models.CharField(max_length=320, verbose_name="to")),
                ("subject", models.CharField(max_length=998, verbose_name="subject")),
                ("message_id", models.CharField(max_length=255, unique=True, verbose_name="Message-ID")),
                ("language", models.CharField(max_length=10, verbose_name="language")),
                ("body_text", models.TextField(verbose_name="text")),
                ("body_html", models.TextField(blank=True, verbose_name="HTML")),
                (
                    "state",
                    models.CharField(
                        choices=[("pending", "Queued"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed")],
                        db_index=True,
                        default="pending",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("next_attempt_at", models.DateTimeField(verbose_name="next attempt")),
                ("claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="claimed")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("created_at", models.DateTimeField(verbose_name="created")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="emails", to="feedback.csatrequest"
                    ),
                ),
            ],
            options={
                "verbose_name": "satisfaction email",
                "verbose_name_plural": "satisfaction emails",
                "ordering": ["id"],
            },
        ),
        migrations.AddIndex(
            model_name="csatrequest",
            index=models.Index(fields=["owner", "answered_at"], name="csat_owner_answered"),
        ),
        migrations.AddIndex(
            model_name="csatrequest",
            index=models.Index(fields=["customer", "answered_at"], name="csat_customer_answered"),
        ),
        migrations.AddIndex(
            model_name="csatrequest",
            index=models.Index(fields=["answered_at"], name="csat_answered"),
        ),
        migrations.AddConstraint(
            model_name="csatrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("rating__isnull", True), models.Q(("rating__gte", 1), ("rating__lte", 5)), _connector="OR"
                ),
                name="csat_rating_1_to_5",
            ),
        ),
        migrations.AddIndex(
            model_name="csatemail",
            index=models.Index(
                condition=models.Q(("state", "pending")), fields=["next_attempt_at"], name="csat_email_pending"
            ),
        ),
        migrations.AddIndex(
            model_name="csatemail",
            index=models.Index(
                condition=models.Q(("state", "sending")), fields=["claimed_at"], name="csat_email_sending"
            ),
        ),
    ]
