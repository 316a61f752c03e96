"""An API client per persona: a real personal token sent as ``Authorization: Bearer``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from aftersales.people.tokens import issue_token

BASE = "/api/v1"


class ApiClient:
    def __init__(self, client: Client, raw_token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def get(self, path: str, params: Any = None) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def post(self, path: str, body: Any = None, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(BASE + path, data, content_type="application/json", headers=self.headers)

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(BASE + path, json.dumps(body), content_type="application/json", headers=self.headers)


@pytest.fixture
def api_as(personas: Any) -> Any:
    """``api_as("agent")`` → a client authenticated with a fresh token of that persona; None: anonymous."""

    def make(name: str | None) -> ApiClient:
        if name is None:
            return ApiClient(Client(), None)
        _token, raw = issue_token(user=getattr(personas, name), name="tests", actor=None)
        return ApiClient(Client(), raw)

    return make
