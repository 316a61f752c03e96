"""The public rating page behind the emailed links: confirm on GET, store on POST, expiry, changes,
and the follow-up a low rating opens for the lead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from aftersales.core import clock
from aftersales.feedback.csat import FOLLOWUP_SOURCE, make_token, record_rating
from aftersales.feedback.tests.csat_helpers import (  # noqa: F401 - csat_mail_settings is a fixture
    csat_mail_settings,
    request_of,
    resolved_ticket,
    survey_links,
)
from aftersales.notify.models import Notification
from aftersales.people.models import Team
from aftersales.tickets.models import Ticket, TicketLink

pytestmark = pytest.mark.django_db


def test_opening_a_link_shows_the_rating_preselected_and_stores_nothing(
    client, personas, django_capture_on_commit_callbacks
):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    four = survey_links(mail.outbox[0])[3]

    page = client.get(f"/feedback/csat/{four}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert ticket.ref in html
    assert 'value="4" checked' in html and 'value="3" checked' not in html
    assert request_of(ticket).rating is None  # a mail scanner's prefetch records nothing


def test_every_emailed_link_records_its_rating(client, personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    for rating, token in enumerate(survey_links(mail.outbox[0]), start=1):
        page = client.get(f"/feedback/csat/{token}/")
        assert f'value="{rating}" checked' in page.content.decode()
        response = client.post(f"/feedback/csat/{token}/", {"rating": rating, "comment": ""})
        assert response.status_code == 302
        assert request_of(ticket).rating == rating


def test_posting_records_the_rating_and_comment(client, personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    five = survey_links(mail.outbox[0])[4]

    response = client.post(f"/feedback/csat/{five}/", {"rating": "5", "comment": "Fast and clear, thank you."})

    assert response.status_code == 302
    request = request_of(ticket)
    assert request.rating == 5 and request.comment == "Fast and clear, thank you."
    assert request.answered_via == "email" and request.answered_at is not None and request.changed_at is None
    page = client.get(response["Location"]).content.decode()
    assert "Thank you! Your rating is saved." in page
    assert "Your rating: 5 out of 5" in page


def test_a_rating_outside_one_to_five_is_refused(client, personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    token = survey_links(mail.outbox[0])[0]
    response = client.post(f"/feedback/csat/{token}/", {"rating": "9"})
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert request_of(ticket).rating is None


def test_a_tampered_link_is_a_clear_400(client, personas, django_capture_on_commit_callbacks):
    resolved_ticket(personas, django_capture_on_commit_callbacks)
    token = survey_links(mail.outbox[0])[4]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for path in (f"/feedback/csat/{tampered}/", "/feedback/csat/not-a-token/"):
        response = client.get(path)
        assert response.status_code == 400
        assert "This rating link is not valid" in response.content.decode()
        assert client.post(path, {"rating": "1"}).status_code == 400


def test_an_expired_link_is_a_clear_410(client, personas, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    token = survey_links(mail.outbox[0])[2]
    time_machine.move_to(dt.datetime(2026, 11, 16, 9, 1, tzinfo=dt.UTC), tick=False)  # 14 days and a minute

    response = client.get(f"/feedback/csat/{token}/")
    assert response.status_code == 410
    assert "This rating link has expired" in response.content.decode()
    assert client.post(f"/feedback/csat/{token}/", {"rating": "3"}).status_code == 410
    assert request_of(ticket).rating is None


def test_the_answer_can_change_for_seven_days_then_is_final(
    client, personas, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    links = survey_links(mail.outbox[0])
    time_machine.move_to(dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC), tick=False)
    client.post(f"/feedback/csat/{links[2]}/", {"rating": "3"})

    time_machine.move_to(dt.datetime(2026, 11, 9, 9, 0, tzinfo=dt.UTC), tick=False)  # 6 days later
    assert client.post(f"/feedback/csat/{links[3]}/", {"rating": "4", "comment": "Better now"}).status_code == 302
    request = request_of(ticket)
    assert request.rating == 4 and request.changed_at == clock.now()
    assert request.answered_at == dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)  # the first answer's time

    time_machine.move_to(dt.datetime(2026, 11, 10, 9, 1, tzinfo=dt.UTC), tick=False)  # 7 days and a minute
    page = client.get(f"/feedback/csat/{links[0]}/")  # the link still works: the answer shows, read-only
    assert page.status_code == 200
    html = page.content.decode()
    assert "is now final" in html and "csat-form" not in html
    assert "Your rating: 4 out of 5" in html
    assert client.post(f"/feedback/csat/{links[0]}/", {"rating": "1"}).status_code == 409
    assert request_of(ticket).rating == 4


def test_a_low_rating_opens_one_follow_up_for_the_team_lead(client, personas, django_capture_on_commit_callbacks):
    team = Team.objects.create(name="Key accounts", lead=personas.lead)
    team.members.add(personas.agent)
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    links = survey_links(mail.outbox[0])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/feedback/csat/{links[1]}/", {"rating": "2", "comment": "Took a week to fix."})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/feedback/csat/{links[0]}/", {"rating": "1", "comment": "Still unhappy."})

    followups = Ticket.objects.filter(source_kind=FOLLOWUP_SOURCE)
    assert followups.count() == 1
    followup = followups.get()
    assert followup.owner == personas.lead and followup.customer == personas.customer
    assert followup.subject == f"Low satisfaction 2/5 on {ticket.ref}: SMS to Vietnam not delivered"
    assert "Took a week to fix." in followup.description
    assert TicketLink.objects.filter(from_ticket=followup, to_ticket=ticket).exists()
    assert request_of(ticket).followup_ticket == followup and request_of(ticket).rating == 1
    assert Notification.objects.filter(recipient=personas.lead, ticket_ref=followup.ref).count() == 1


def test_a_good_rating_opens_no_follow_up(personas, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    record_rating(request=request_of(ticket), rating=3)
    assert not Ticket.objects.filter(source_kind=FOLLOWUP_SOURCE).exists()


def test_the_low_threshold_is_a_setting(personas, settings, django_capture_on_commit_callbacks):
    settings.FEEDBACK_CSAT_LOW_RATING = 3
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    record_rating(request=request_of(ticket), rating=3)
    assert Ticket.objects.filter(source_kind=FOLLOWUP_SOURCE).count() == 1


def test_resolving_the_follow_up_asks_no_survey(personas, django_capture_on_commit_callbacks):
    from aftersales.feedback.tests.csat_helpers import resolve

    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    followup = record_rating(request=request_of(ticket), rating=1).followup_ticket
    assert followup is not None
    mail.outbox.clear()
    resolve(followup, personas.lead, django_capture_on_commit_callbacks)
    assert not mail.outbox


def test_a_link_for_another_request_cannot_be_forged_from_a_real_one(
    client, personas, django_capture_on_commit_callbacks
):
    ticket = resolved_ticket(personas, django_capture_on_commit_callbacks)
    request = request_of(ticket)
    token = make_token(request, 5)
    payload, _sep, signature = token.rpartition(":")
    assert client.get(f"/feedback/csat/{payload}:{signature[::-1]}/").status_code == 400
