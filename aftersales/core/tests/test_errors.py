"""The database unreachable answers 503 with Retry-After (``core.errors``), never a 500 or a traceback."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from aftersales.core.errors import database_unavailable

pytestmark = pytest.mark.django_db

DOWN = OperationalError("server closed the connection unexpectedly")


def _client(user: Any = None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def test_a_page_whose_session_cannot_be_read_answers_503_with_retry_after(personas: Any) -> None:
    client = _client(personas.agent)
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=DOWN):
        response = client.get("/tickets/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Temporarily unavailable" in body
    assert "The database is not reachable right now" in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_the_api_answers_json_503_when_the_database_is_gone(personas: Any) -> None:
    client = _client()
    gone = InterfaceError("connection already closed")
    with mock.patch("aftersales.api.auth.TokenAuth.authenticate", side_effect=gone):
        response = client.get("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer whatever")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"] == "unavailable"


def test_any_other_error_is_still_a_plain_500(personas: Any) -> None:
    client = _client(personas.agent)
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=ValueError("a bug")):
        response = client.get("/tickets/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "a bug" not in response.content.decode()


def test_a_database_error_wrapped_in_another_is_recognised() -> None:
    try:
        try:
            raise DOWN
        except OperationalError as exc:
            raise RuntimeError("while loading the queue") from exc
    except RuntimeError as outer:
        assert database_unavailable(outer)
    assert not database_unavailable(ValueError("no"))
    assert not database_unavailable(None)
