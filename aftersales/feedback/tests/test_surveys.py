"""Periodic surveys (NPS): creating, sending through the outbox, the signed link, answering, figures."""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st

from aftersales.audit.models import AuditEntry
from aftersales.feedback import surveys, surveys_delivery
from aftersales.feedback.models import Survey, SurveyInvitation
from aftersales.feedback.surveys import NpsFigures
from aftersales.feedback.tests.html import parse
from aftersales.testing.factories import make_contact

T0 = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
CLOSES = T0 + dt.timedelta(days=14)


def _survey(actor: Any, **extra: Any) -> Survey:
    values: dict[str, Any] = {
        "name": "2026 Q4 check-up",
        "closes_at": CLOSES,
        "nps_question": {"en": "How likely are you to recommend us?", "zh-hans": "您向朋友推荐我们的可能性有多大？"},
        "questions": [{"en": "What should we do better?", "zh-hans": "我们哪里可以做得更好？"}],
    }
    values.update(extra)
    with time_machine.travel(T0, tick=False):
        return surveys.create_survey(actor=actor, **values)


def _figures(scores: list[int]) -> NpsFigures:
    figures = NpsFigures()
    for score in scores:
        figures.distribution[score] += 1
        figures.answered += 1
        if score >= 9:
            figures.promoters += 1
        elif score <= 6:
            figures.detractors += 1
        else:
            figures.passives += 1
    return figures


def test_nps_is_promoters_minus_detractors_in_percent() -> None:
    assert _figures([10, 9, 8, 7, 6, 0]).nps == 0
    assert _figures([10, 10, 9, 3]).nps == 50
    assert _figures([0, 6]).nps == -100
    assert _figures([7, 8]).nps == 0
    assert _figures([10, 9, 9, 9, 9, 8, 7]).nps == 71  # 5/7 = 71.4 %
    assert NpsFigures().nps is None  # no answers: no NPS, not zero


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=200))
def test_nps_stays_between_minus_100_and_100(scores: list[int]) -> None:
    figures = _figures(scores)
    assert figures.nps is not None and -100 <= figures.nps <= 100
    assert figures.promoters + figures.passives + figures.detractors == len(scores)


@pytest.mark.django_db
def test_figures_come_from_one_grouped_query(personas: Any, django_assert_num_queries: Any) -> None:
    survey = _survey(personas.lead)
    contacts = [make_contact(personas.customer, f"Contact {n}") for n in range(6)]
    with time_machine.travel(T0, tick=False):
        surveys.send_survey(survey=survey, contacts=contacts, actor=personas.lead)
    for invitation, score in zip(SurveyInvitation.objects.order_by("pk"), [10, 9, 8, 3, 0], strict=False):
        with time_machine.travel(T0, tick=False):
            surveys.record_answer(invitation=invitation, score=score, answers=[""])
    with django_assert_num_queries(1):
        figures = surveys.nps_figures(survey.invitations.all())
    assert (figures.answered, figures.promoters, figures.passives, figures.detractors) == (5, 2, 1, 2)
    assert figures.nps == 0
    assert figures.distribution == [1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1]


@pytest.mark.django_db
def test_a_survey_needs_a_future_closing_date_and_at_most_three_questions(personas: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _survey(personas.lead, closes_at=T0 - dt.timedelta(days=1))
    assert "closes_at" in caught.value.error_dict
    with pytest.raises(ValidationError):
        _survey(personas.lead, questions=[{"en": f"Q{n}"} for n in range(4)])
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_recipients_all_primary_contacts_with_an_email(personas: Any) -> None:
    make_contact(personas.customer, "Xu Ming")  # not primary
    make_contact(personas.other_customer, "Jade Park", is_primary=True, language="en")
    make_contact(personas.other_customer, "No Mail", is_primary=True, email="")
    names = [contact.name for contact in surveys.recipients(scope=surveys.SCOPE_PRIMARY)]
    assert names == ["Jade Park", "Zhou Min"]
    chosen = surveys.recipients(scope=surveys.SCOPE_CUSTOMERS, customers=[personas.customer])
    assert sorted(contact.name for contact in chosen) == ["Xu Ming", "Zhou Min"]


@pytest.mark.django_db
def test_sending_emails_each_contact_once_in_their_language(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    english = make_contact(personas.other_customer, "Jade Park", is_primary=True, language="en")
    survey = _survey(personas.lead)
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        invited = surveys.send_survey(survey=survey, contacts=surveys.recipients(scope="primary"), actor=personas.lead)
    assert invited == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    chinese = by_address["zhou.min@starriver.example"]
    with translation.override("zh-hans"):  # the catalogue's Chinese once the lead merges the .po files
        assert chinese.subject == gettext("How are we doing? A two-minute survey")
    assert "您向朋友推荐我们的可能性有多大？" in chinese.body
    assert "How likely are you to recommend us?" in by_address[english.email].body
    assert SurveyInvitation.objects.filter(state="sent").count() == 2
    survey.refresh_from_db()
    assert survey.sent_at == T0
    # The link in the email opens the answer page.
    link = re.search(r"http://\S+/feedback/s/\S+/", str(by_address[english.email].body))
    assert link is not None
    # Sending again skips everyone already invited.
    mail.outbox.clear()
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationError):
        surveys.send_survey(survey=survey, contacts=surveys.recipients(scope="primary"), actor=personas.lead)
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="feedback.survey.sent", after={"invited": 2}).exists()


@pytest.mark.django_db
def test_a_failed_send_is_retried_and_a_refused_address_fails_for_good(personas: Any, monkeypatch: Any) -> None:
    survey = _survey(personas.lead)
    other = make_contact(personas.customer, "Wu Fang")
    with time_machine.travel(T0, tick=False):
        surveys.send_survey(survey=survey, contacts=[personas.contact, other], actor=personas.lead)
    first, second = SurveyInvitation.objects.order_by("pk")
    calls = {"n": 0}

    def flaky(self: Any, fail_silently: bool = False) -> int:
        calls["n"] += 1
        if self.to == [first.email]:
            raise smtplib.SMTPServerDisconnected("connection lost")
        raise smtplib.SMTPRecipientsRefused({self.to[0]: (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", flaky)
    with time_machine.travel(T0, tick=False):
        report = surveys_delivery.deliver()
    assert (report.retried, report.failed) == (1, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == "pending" and first.attempts == 1 and first.next_attempt_at > T0
    assert "connection lost" in first.last_error
    assert second.state == "failed"
    monkeypatch.undo()
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        assert surveys_delivery.deliver_due().sent == 1
    first.refresh_from_db()
    assert first.state == "sent" and len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_invitation_still_queued_when_the_survey_closes_is_not_sent(personas: Any) -> None:
    survey = _survey(personas.lead)
    with time_machine.travel(T0, tick=False):
        surveys.send_survey(survey=survey, contacts=[personas.contact], actor=personas.lead)
    with time_machine.travel(CLOSES + dt.timedelta(minutes=1), tick=False):
        assert surveys_delivery.deliver_due().failed == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_tampered_token_reads_nothing(personas: Any) -> None:
    survey = _survey(personas.lead)
    with time_machine.travel(T0, tick=False):
        surveys.send_survey(survey=survey, contacts=[personas.contact], actor=personas.lead)
    invitation = SurveyInvitation.objects.get()
    token = surveys.make_token(invitation)
    assert surveys.read_token(token) == invitation
    assert surveys.read_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert surveys.read_token("not-a-token") is None
    # A correctly signed token whose nonce no longer matches (e.g. made for another desk's row) fails too.
    SurveyInvitation.objects.filter(pk=invitation.pk).update(nonce="0" * 32)
    assert surveys.read_token(token) is None


@pytest.mark.django_db
def test_the_customer_panel_shows_the_latest_scores(client: Any, personas: Any) -> None:
    survey = _survey(personas.lead)
    with time_machine.travel(T0, tick=False):
        surveys.send_survey(survey=survey, contacts=[personas.contact], actor=personas.lead)
        surveys.record_answer(invitation=SurveyInvitation.objects.get(), score=4, answers=["更快回复"])
    client.force_login(personas.agent)
    soup = parse(client.get("/panels/customer/feedback-checkins/starriver/", headers={"HX-Request": "true"}).content)
    [score] = soup.select("[data-testid=panel-nps-score]")
    assert score.get_text(strip=True).startswith("4 2026-11-16")
    assert "2026 Q4 check-up" in score.get_text()
