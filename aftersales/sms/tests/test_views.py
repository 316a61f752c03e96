"""The template checker page: what an agent sees after pasting a template."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aftersales.knowledge.models import Article
from aftersales.sms.tests.test_templatecheck import CHINESE_OTP

pytestmark = pytest.mark.django_db
URL = "/sms/template-check/"


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_empty_page_explains_what_to_do(personas):
    response = _client(personas.viewer).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="check-empty"' in html
    assert "Paste a template above" in html
    assert 'data-testid="template-check-link"' in html  # the sidebar link


def _article(key: str, language: str) -> Article:
    return Article.objects.get(group__key=key, language=language)  # shipped by the knowledge seed


def test_chinese_otp_with_bitly_explains_two_parts_and_the_shortener(personas):
    article = _article("template-rejected", "en")
    response = _client(personas.agent).post(URL, {"text": CHINESE_OTP, "country": "CN", "purpose": "otp"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-testid="check-encoding">UCS-2<', html)
    assert re.search(r'data-testid="check-segments">2\b', html)
    assert html.count('data-testid="check-part"') == 2
    text = _text(response)
    assert "Part 1: 67 of 67" in text
    assert "This one has 97, so it is sent as 2 parts" in text and "Public link shortener bit.ly" in text
    assert f'href="/knowledge/{article.pk}/"' in html  # the shortener finding links the article
    assert f"Read: {article.title}" in text
    assert "2 errors" in text


def test_article_link_is_in_the_readers_language(personas):
    english = _article("gsm7-ucs2-segments", "en")
    chinese = _article("gsm7-ucs2-segments", "zh-hans")
    client = _client(personas.agent)
    body = {"text": "您好，订单已发货。", "country": "", "purpose": "notification"}
    assert f'href="/knowledge/{english.pk}/"' in client.post(URL, body).content.decode()
    personas.agent.agent_profile.language = "zh-hans"
    personas.agent.agent_profile.save()
    html = client.post(URL, body).content.decode()
    assert f'href="/knowledge/{chinese.pk}/"' in html
    assert "阅读" in html or chinese.title in html


def test_smart_quotes_are_highlighted_with_their_replacement(personas):
    response = _client(personas.viewer).post(
        URL, {"text": "Acme: don\u2019t miss it \u2014 ends today\u2026", "country": "GB", "purpose": "notification"}
    )
    html = response.content.decode()
    assert '<mark class="check-mark" title="Replace with “&#x27;”">\u2019</mark>' in html
    assert 'data-testid="check-suggested">Acme: don&#x27;t miss it - ends today...</pre>' in html


def test_other_country_code_wins_over_the_select(personas):
    response = _client(personas.agent).post(
        URL, {"text": "Your code is ${code}", "country": "GB", "other_country": "in", "purpose": "otp"}
    )
    text = _text(response)
    assert "is not a placeholder this market accepts" in text


def test_bad_input_is_a_400_with_the_errors_next_to_the_fields(personas):
    response = _client(personas.agent).post(URL, {"text": "  ", "other_country": "China", "purpose": "spam"})
    assert response.status_code == 400
    text = _text(response)
    assert "Paste the message text to check." in text
    assert "Enter a two-letter ISO country code" in text
    assert "Select a valid choice" in text


def test_htmx_gets_only_the_result(personas):
    response = _client(personas.agent).post(
        URL, {"text": "Hello", "purpose": "notification"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="check-summary"' in html
    assert 'data-testid="no-findings"' in html
    invalid = _client(personas.agent).post(URL, {"text": "", "purpose": "otp"}, headers={"HX-Request": "true"})
    assert invalid.status_code == 200 and 'data-testid="check-invalid"' in invalid.content.decode()


def test_outsider_and_anonymous_are_kept_out(personas):
    assert _client(personas.outsider).get(URL).status_code == 403
    assert _client(None).get(URL).status_code == 302


def test_sender_id_finding_on_the_page(personas):
    response = _client(personas.agent).post(
        URL, {"text": "Your parcel arrives today.", "country": "AE", "purpose": "notification", "sender": "ACME"}
    )
    assert "allow about 25 days" in _text(response)


def test_examples_check_a_template_by_get(personas):
    client = _client(personas.viewer)
    html = client.get(URL).content.decode()
    links = re.findall(r'href="(/sms/template-check/\?[^"]+)" data-testid="check-example"', html)
    assert len(links) == 4
    first = client.get(links[0].replace("&amp;", "&"))
    assert first.status_code == 200
    text = _text(first)
    assert "This one has 97, so it is sent as 2 parts" in text and "Public link shortener bit.ly" in text
    marketing = _text(client.get(links[3].replace("&amp;", "&")))
    assert "must tell the recipient how to opt out" in marketing and "tinyurl.com" in marketing
