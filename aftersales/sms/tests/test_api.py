"""POST /api/v1/sms/template-check."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from aftersales.knowledge.models import Article
from aftersales.people.tokens import issue_token
from aftersales.sms.tests.test_templatecheck import CHINESE_OTP

pytestmark = pytest.mark.django_db
URL = "/api/v1/sms/template-check"


def _post(user, body, raw=None):
    _token, token = issue_token(user=user, name="tests", actor=None)
    data = raw if raw is not None else json.dumps(body)
    return Client().post(URL, data, content_type="application/json", headers={"Authorization": f"Bearer {token}"})


def test_chinese_otp_with_a_bitly_link(personas):
    response = _post(personas.agent, {"text": CHINESE_OTP, "country": "CN", "purpose": "otp"})
    assert response.status_code == 200
    data = response.json()
    assert data["encoding"] == "UCS-2"
    assert data["characters"] == len(CHINESE_OTP)
    assert data["units"] == len(CHINESE_OTP)
    assert data["segments"] == 2
    assert "".join(data["parts"]) == CHINESE_OTP and len(data["parts"][0]) == 67
    assert data["compliant"] is False
    findings = {f["code"]: f for f in data["findings"]}
    assert findings["otp_multipart"] == {
        "code": "otp_multipart",
        "severity": "error",
        "article": "gsm7-ucs2-segments",
        "article_url": f"/knowledge/{Article.objects.get(group__key='gsm7-ucs2-segments', language='en').pk}/",
        "message": "A one-time-password message should fit in one part: 70 UCS-2 characters. This one has 97, "
        "so it is sent as 2 parts; each part is billed, and a split code arrives late or out of order.",
    }
    assert findings["shortener"]["article"] == "template-rejected"
    assert findings["shortener"]["article_url"].startswith("/knowledge/")


def test_stray_unicode_is_listed_with_its_replacement_through_the_session(personas):
    client = Client()
    client.force_login(personas.agent)
    answer = client.post(URL, json.dumps({"text": "Hi \u2014 there"}), content_type="application/json")
    assert answer.status_code == 200
    data = answer.json()
    assert (data["encoding"], data["segments"]) == ("UCS-2", 1)
    assert data["ucs2_characters"] == [{"char": "\u2014", "codepoint": "U+2014", "count": 1, "replacement": "-"}]
    assert data["suggested_text"] == "Hi - there"
    assert [f["code"] for f in data["findings"]] == ["accidental_unicode_same_parts"]


def test_gsm_text_with_extension_characters(personas):
    data = _post(personas.agent, {"text": "Price: 5€ [promo]", "country": None}).json()
    assert (data["encoding"], data["characters"], data["units"], data["segments"]) == ("GSM-7", 17, 20, 1)
    assert data["findings"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "hi", "purpose": "spam"},
        {"text": "hi", "country": "China"},
        {"country": "CN"},
        {"text": "a" * 6401},
    ],
)
def test_bad_input_is_422(personas, body):
    response = _post(personas.agent, body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("The request is invalid")


def test_not_json_is_a_clear_error(personas):
    response = _post(personas.agent, None, raw="text=hello")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_viewer_is_read_only_like_every_post(personas):
    assert _post(personas.viewer, {"text": "hi"}).status_code == 403


def test_sender_id_is_checked_when_given(personas):
    data = _post(personas.agent, {"text": "Your parcel arrives today.", "country": "US", "sender": "ACME"}).json()
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [("sender_alpha_unsupported", "error")]
    assert data["findings"][0]["article"] == "sender-id-us-canada"
    assert data["compliant"] is False
