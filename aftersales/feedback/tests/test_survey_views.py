"""The survey pages: leads create and send, staff read results, contacts answer through the link."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail

from aftersales.feedback import surveys
from aftersales.feedback.models import Survey, SurveyInvitation
from aftersales.feedback.tests.html import parse
from aftersales.testing.factories import make_contact

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)


def _sent_survey(personas: Any, contacts: list[Any] | None = None) -> Survey:
    with time_machine.travel(T0, tick=False):
        survey = surveys.create_survey(
            actor=personas.lead,
            name="2026 Q4 check-up",
            closes_at=T0 + dt.timedelta(days=14),
            nps_question={"en": "How likely are you to recommend us?", "zh-hans": "您向朋友推荐我们的可能性有多大？"},
            questions=[{"en": "What should we do better?", "zh-hans": "我们哪里可以做得更好？"}],
        )
        surveys.send_survey(survey=survey, contacts=contacts or [personas.contact], actor=personas.lead)
    return survey


def _link(invitation: SurveyInvitation) -> str:
    return surveys.answer_path(invitation)


def test_a_lead_creates_and_sends_a_survey_to_primary_contacts(
    client: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_contact(personas.other_customer, "Jade Park", is_primary=True, language="en")
    client.force_login(personas.lead)
    with time_machine.travel(T0, tick=False):
        form = parse(client.get("/feedback/surveys/new/").content)
        assert form.select_one("#id_nps_en")["value"].startswith("How likely is it")
        response = client.post(
            "/feedback/surveys/new/",
            {
                "name": "2026 Q4 check-up",
                "closes_on": "2026-11-30",
                "nps_en": "How likely are you to recommend us?",
                "nps_zh": "您向朋友推荐我们的可能性有多大？",
                "q1_en": "What should we do better?",
                "q1_zh": "我们哪里可以做得更好？",
                "q2_en": "",
                "q2_zh": "",
            },
        )
        survey = Survey.objects.get()
        assert response.status_code == 302 and response.url == f"/feedback/surveys/{survey.pk}/send/"
        assert survey.questions == [{"en": "What should we do better?", "zh-hans": "我们哪里可以做得更好？"}]
        assert survey.closes_at == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)  # end of the 30th in Shanghai
        page = parse(client.get(f"/feedback/surveys/{survey.pk}/send/").content)
        assert "2 primary contacts with an email" in page.get_text(strip=True)
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post(f"/feedback/surveys/{survey.pk}/send/", {"scope": "primary"}, follow=True)
    assert sorted(m.to[0] for m in mail.outbox) == ["jade.park@bluewave.example", "zhou.min@starriver.example"]
    assert "Survey sent to 2 contacts." in parse(sent.content).get_text()
    results = parse(client.get(f"/feedback/surveys/{survey.pk}/").content)  # after the commit: sent
    assert results.select_one("[data-testid=survey-delivery]").get_text(strip=True) == (
        "Emails: 2 sent, 0 queued, 0 failed."
    )


def test_the_customer_scope_needs_a_customer(client: Any, personas: Any) -> None:
    survey = _sent_survey(personas)
    client.force_login(personas.lead)
    with time_machine.travel(T0, tick=False):
        response = client.post(f"/feedback/surveys/{survey.pk}/send/", {"scope": "customers"})
    assert response.status_code == 400
    assert "Choose at least one customer." in response.content.decode()


def test_a_closing_date_in_the_past_is_refused_next_to_the_field(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    with time_machine.travel(T0, tick=False):
        response = client.post(
            "/feedback/surveys/new/", {"name": "Late", "closes_on": "2026-11-01", "nps_en": "Recommend us?"}
        )
    assert response.status_code == 400
    assert parse(response.content).select_one(".field.has-error #id_closes_on") is not None
    assert not Survey.objects.exists()


def test_agents_read_results_but_do_not_create_or_send(client: Any, personas: Any) -> None:
    survey = _sent_survey(personas)
    client.force_login(personas.agent)
    assert client.get("/feedback/surveys/").status_code == 200
    assert client.get(f"/feedback/surveys/{survey.pk}/").status_code == 200
    assert client.get("/feedback/surveys/new/").status_code == 403
    assert client.post(f"/feedback/surveys/{survey.pk}/send/", {"scope": "primary"}).status_code == 403
    client.force_login(personas.outsider)
    assert client.get(f"/feedback/surveys/{survey.pk}/").status_code == 403


def test_the_contact_answers_in_their_language_without_signing_in(client: Any, personas: Any) -> None:
    survey = _sent_survey(personas)  # Zhou Min reads Chinese
    invitation = SurveyInvitation.objects.get()
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        page = client.get(_link(invitation))
        assert page.status_code == 200
        text = parse(page.content).get_text()
        assert "您向朋友推荐我们的可能性有多大？" in text and "我们哪里可以做得更好？" in text
        assert 'lang="zh-hans"' in page.content.decode()
        saved = client.post(_link(invitation), {"score": "3", "answer_0": "回复太慢"})
    assert saved.status_code == 200
    assert parse(saved.content).select_one("[data-testid=survey-saved]") is not None
    invitation.refresh_from_db()
    assert (invitation.score, invitation.answers) == (3, ["回复太慢"])
    assert invitation.answered_at == T0 + dt.timedelta(days=1)
    # The lead's results page counts it.
    client.force_login(personas.lead)
    results = parse(client.get(f"/feedback/surveys/{survey.pk}/").content)
    assert results.select_one("[data-testid=survey-nps] strong").get_text(strip=True) == "-100"
    assert results.select_one("[data-testid=survey-bar-3]").get_text() == "1"
    assert "回复太慢" in results.select_one("[data-testid=survey-answers]").get_text()


def test_the_answer_can_be_changed_until_the_survey_closes(client: Any, personas: Any) -> None:
    _sent_survey(personas)
    invitation = SurveyInvitation.objects.get()
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        client.post(_link(invitation), {"score": "6", "answer_0": ""})
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        again = parse(client.get(_link(invitation)).content)
        assert again.select_one("[data-testid=survey-score-6]").get("checked") is not None
        client.post(_link(invitation), {"score": "9", "answer_0": "Better now"})
    invitation.refresh_from_db()
    assert invitation.score == 9 and invitation.answered_at == T0 + dt.timedelta(days=1)
    assert invitation.changed_at == T0 + dt.timedelta(days=2)
    with time_machine.travel(T0 + dt.timedelta(days=15), tick=False):
        closed = client.post(_link(invitation), {"score": "0", "answer_0": "too late"})
    assert closed.status_code == 410
    page = closed.content.decode()  # in the contact's language (Chinese)
    assert "该问卷已截止" in page and "您的回答（9 分，满分 10 分）已保留" in page
    invitation.refresh_from_db()
    assert invitation.score == 9


def test_a_missing_or_out_of_range_score_is_refused(client: Any, personas: Any) -> None:
    _sent_survey(personas)
    invitation = SurveyInvitation.objects.get()
    with time_machine.travel(T0, tick=False):
        assert client.post(_link(invitation), {"answer_0": "no score"}).status_code == 400
        assert client.post(_link(invitation), {"score": "11"}).status_code == 400
    invitation.refresh_from_db()
    assert invitation.score is None


def test_a_tampered_link_opens_a_clear_page(client: Any, personas: Any) -> None:
    _sent_survey(personas)
    link = _link(SurveyInvitation.objects.get())
    tampered = re.sub(r"/s/(.)", lambda m: "/s/" + ("x" if m.group(1) != "x" else "y"), link, count=1)
    response = client.get(tampered)
    assert response.status_code == 404
    assert "This survey link is not valid" in response.content.decode()
    assert client.post(tampered, {"score": "10"}).status_code == 404
    assert SurveyInvitation.objects.get().score is None


def test_the_list_shows_answers_per_survey_and_an_empty_state(client: Any, personas: Any) -> None:
    client.force_login(personas.lead)
    empty = parse(client.get("/feedback/surveys/").content)
    assert "No surveys yet." in empty.select_one("[data-testid=empty-state]").get_text()
    _sent_survey(personas, [personas.contact, make_contact(personas.customer, "Wu Fang")])
    with time_machine.travel(T0, tick=False):
        surveys.record_answer(invitation=SurveyInvitation.objects.order_by("pk")[0], score=10, answers=[""])
    listing = parse(client.get("/feedback/surveys/").content)
    assert listing.select_one("[data-testid=survey-answered]").get_text(strip=True) == "1 of 2"
