"""Issue 8, "done when", in the demo, through the pages a lead uses (Django test client).

With the demo loaded (at a fixed Wednesday morning, so nothing depends on when the test runs): a lead
opens the dashboard; generates last month's review as a PDF in Chinese and in English; every number of
the web version leads to a list of exactly that many tickets; a resolved ticket's contact rates it 2/5
through the emailed link and the lead gets the follow-up; an overdue check-in and a churn-risk customer
with its reasons are listed.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from aftersales.feedback.csat import FOLLOWUP_SOURCE
from aftersales.notify.models import Notification
from aftersales.people.models import AgentProfile
from aftersales.tickets import actions
from aftersales.tickets.models import OPEN_STATUSES, Status, Ticket

pytestmark = pytest.mark.django_db

LOADED = dt.datetime(2026, 11, 25, 2, 16, tzinfo=dt.UTC)
NUMBER = re.compile(r'<a href="([^"]+)" data-count="(\d+)"')
RATING_LINK = re.compile(r"https?://[^\s\"<>]+/feedback/csat/([^/\s\"<>]+)/")


@pytest.fixture(autouse=True)
def _weekday_morning(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://desk.example"
    settings.DESK_EMAIL = "support@desk.example"
    with time_machine.travel(LOADED, tick=False):
        yield


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_issue8_done_when(client, django_capture_on_commit_callbacks):
    call_command("demo", "--tickets", "120", stdout=io.StringIO(), stderr=io.StringIO())
    lead = User.objects.get(username="demo-lead")
    AgentProfile.objects.filter(user=lead).update(language="en")
    client.force_login(lead)

    # 1. The dashboard, with its figures linked to their tickets.
    page = client.get("/reports/").content.decode()
    assert NUMBER.search(page), "the dashboard's numbers link to their tickets"

    # 2. Last month's review as a PDF, in Chinese and in English: real text, not boxes.
    zh = client.get("/reports/review/export/?period=2026-10&language=zh-hans&format=pdf")
    assert zh.status_code == 200 and zh["Content-Type"] == "application/pdf"
    assert "attachment" in zh["Content-Disposition"]
    zh_text = _pdf_text(zh.content)
    assert "复盘" in zh_text and "建议" in zh_text
    en = client.get("/reports/review/export/?period=2026-10&language=en&format=pdf")
    en_text = _pdf_text(en.content)
    assert "Recommendations" in en_text and "复盘" not in en_text

    # 3. Every number of the web version: its link lists exactly that many tickets.
    web = client.get("/reports/review/?period=2026-10&language=en").content.decode().replace("&amp;", "&")
    numbers = set(NUMBER.findall(web))
    assert len(numbers) >= 20
    assert any(int(count) > 0 for _link, count in numbers), "last month of the demo has tickets"
    for link, count in numbers:
        listing = client.get(link).content.decode()
        shown = re.search(r'data-testid="report-count" data-count="(\d+)"', listing)
        assert shown and shown.group(1) == count, link
        assert listing.count('data-testid="report-ticket"') == min(int(count), 50)

    # 4. A contact rates a resolved ticket 2/5 through the emailed link; the lead gets the follow-up.
    ticket = (Ticket.objects.filter(status__in=OPEN_STATUSES, contact__email__contains="@", owner__isnull=False,
                                    source_kind="")
              .exclude(contact__email="").order_by("pk").first())
    assert ticket is not None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_status(ticket=ticket, status=Status.RESOLVED, actor=ticket.owner,
                              resolution=actions.Resolution.of(summary="Route switched", root_cause="vendor-carrier"))
    contact = ticket.contact
    assert contact is not None
    [survey] = [m for m in mail.outbox if contact.email in m.to]
    two = RATING_LINK.findall(str(survey.body))[1]
    client.logout()
    assert "2" in client.get(f"/feedback/csat/{two}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/feedback/csat/{two}/", {"rating": "2", "comment": "Took too long."})
    assert response.status_code == 302
    followup = Ticket.objects.get(source_kind=FOLLOWUP_SOURCE, links_out__to_ticket=ticket)
    assert followup.subject.startswith("Low satisfaction 2/5")
    assert Notification.objects.filter(recipient=followup.owner, ticket_ref=followup.ref).exists()
    client.force_login(followup.owner)
    assert followup.ref in client.get("/tickets/?view=mine").content.decode()

    # 5. An overdue check-in and a churn-risk customer with its reasons.
    client.force_login(lead)
    checkins = client.get("/feedback/checkins/?overdue=on").content.decode()
    assert 'data-due="overdue"' in checkins
    churn = client.get("/feedback/churn/?level=high").content.decode()
    assert 'data-testid="churn-row"' in churn and churn.count('data-testid="churn-reason"') >= 2
