"""Scheduled reviews: the lead's page, and the hourly job sending a due period once, by real SMTP."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from typing import Any

import pytest
import time_machine

from aftersales.core.scheduler import discover_jobs
from aftersales.notify.tests.test_smtp import smtp_server  # noqa: F401 - the loopback SMTP fixture
from aftersales.reports.models import ReviewDelivery, ReviewSchedule
from aftersales.reports.review import schedules
from aftersales.reports.tests.test_review import seed
from aftersales.testing.factories import make_user

pytestmark = pytest.mark.django_db

NOV_2 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai


@pytest.fixture
def site(settings: Any) -> None:
    settings.SITE_URL = "https://desk.example"
    settings.DESK_EMAIL = "support@desk.example"


def _schedule(personas: Any, **extra: Any) -> ReviewSchedule:
    personas.lead.email = "han.pengshuai@desk.example"
    personas.lead.save(update_fields=["email"])
    options: dict[str, Any] = {"name": "Monthly review", "frequency": "monthly", "recipient_users": [personas.lead],
               "recipient_emails": "boss@partner.example", "language": "en", "formats": "pdf,xlsx"}
    options.update(extra)
    with time_machine.travel(NOV_2 - dt.timedelta(days=5), tick=False):
        return schedules.create_schedule(actor=personas.lead, **options)


def test_a_due_monthly_review_is_sent_once_to_its_recipients(personas, site, smtp_server):  # noqa: F811
    seed(personas)
    _schedule(personas)
    with time_machine.travel(NOV_2, tick=False):
        report = schedules.send_due()
    assert report.sent == 1 and len(smtp_server.messages) == 1
    mail_from, rcpt_tos, content = smtp_server.messages[0]
    assert mail_from == "support@desk.example"
    assert sorted(rcpt_tos) == ["boss@partner.example", "han.pengshuai@desk.example"]
    parsed = email.message_from_bytes(content, policy=policy.default)
    assert parsed["Subject"] == "Review of 2026-10 (Monthly review)"
    names = sorted(str(part.get_filename()) for part in parsed.iter_attachments())
    assert names == ["review-2026-10-en.pdf", "review-2026-10-en.xlsx"]
    body = parsed.get_body(("plain",))
    assert body is not None and "https://desk.example/reports/review/?period=2026-10&language=en" in body.get_content()
    # The next hour, and the next day: the period was sent, nothing more goes out.
    for later in (NOV_2 + dt.timedelta(hours=1), NOV_2 + dt.timedelta(days=3)):
        with time_machine.travel(later, tick=False):
            schedules.send_due()
    assert len(smtp_server.messages) == 1
    assert ReviewSchedule.objects.get().last_sent_period == "2026-10"
    assert list(ReviewDelivery.objects.values_list("period", "state")) == [("2026-10", "sent")]
    # December 1st: November is due.
    with time_machine.travel(dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC), tick=False):
        schedules.send_due()
    assert len(smtp_server.messages) == 2


def test_a_weekly_review_sends_the_week_before(personas, site, smtp_server):  # noqa: F811
    _schedule(personas, name="Weekly", frequency="weekly", formats="md", language="zh-hans")
    with time_machine.travel(NOV_2, tick=False):
        schedules.send_due()
    assert ReviewDelivery.objects.get().period == "2026-W44"
    parsed = email.message_from_bytes(smtp_server.messages[0][2], policy=policy.default)
    attachment = next(parsed.iter_attachments())
    assert attachment.get_filename() == "review-2026-W44-zh-hans.md"
    assert "改进建议" in attachment.get_content()


def test_the_job_is_registered():
    assert "reports.send_scheduled_reviews" in {job.name for job in discover_jobs()}


def test_leads_create_list_and_delete_schedules(client, personas):
    client.force_login(personas.lead)
    page = client.get("/reports/schedules/")
    assert page.status_code == 200 and "No review is scheduled yet." in page.content.decode()
    response = client.post("/reports/schedules/", {
        "name": "Quarter for the board", "frequency": "monthly", "recipient_users": [personas.viewer.pk],
        "recipient_emails": "board@partner.example", "language": "zh-hans", "formats": ["pdf", "md"],
    })
    assert response.status_code == 302
    page = client.get("/reports/schedules/").content.decode()
    assert "Quarter for the board" in page and "board@partner.example" in page and "pdf,md" in page
    schedule = ReviewSchedule.objects.get()
    assert client.post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 302
    assert not ReviewSchedule.objects.exists()


def test_a_schedule_needs_a_recipient_and_real_addresses(client, personas):
    client.force_login(personas.lead)
    response = client.post("/reports/schedules/", {"name": "x", "frequency": "weekly", "language": "en",
                                                    "formats": ["pdf"]})
    assert response.status_code == 400 and "at least one recipient" in response.content.decode()
    response = client.post("/reports/schedules/", {"name": "x", "frequency": "weekly", "language": "en",
                                                    "formats": ["pdf"], "recipient_emails": "not-an-address"})
    assert response.status_code == 400 and "not-an-address" in response.content.decode()
    assert not ReviewSchedule.objects.exists()


def test_only_leads_manage_schedules(client, personas):
    for who in (personas.viewer, personas.agent):
        client.force_login(who)
        assert client.get("/reports/schedules/").status_code == 403
    user = make_user("someone.else", role="admin", display_name="Someone Else")
    client.force_login(user)
    assert client.get("/reports/schedules/").status_code == 200
