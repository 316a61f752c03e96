"""Who may call the API, and the public schema and docs page."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from aftersales.testing.factories import make_ticket

pytestmark = pytest.mark.django_db

OPERATIONS = [
    ("get", "/customers"), ("post", "/customers"), ("get", "/customers/{code}"), ("patch", "/customers/{code}"),
    ("get", "/customers/{code}/contacts"), ("post", "/customers/{code}/contacts"),
    ("get", "/tickets"), ("post", "/tickets"), ("get", "/tickets/{ref}"), ("post", "/tickets/{ref}/replies"),
    ("post", "/tickets/{ref}/notes"), ("post", "/tickets/{ref}/assign"), ("post", "/tickets/{ref}/status"),
    ("get", "/sla/calendars"), ("get", "/sla/calendars/{calendar_id}/workdays"),
    ("get", "/search?q=otp"), ("post", "/sms/template-check"),
    ("get", "/sms/registrations"), ("post", "/sms/registrations"), ("get", "/sms/registrations/{registration_id}"),
    ("post", "/sms/registrations/{registration_id}/transition"), ("get", "/sms/numbers"),
    ("get", "/sms/cases"), ("post", "/sms/cases"), ("get", "/sms/cases/{case_id}"),
    ("post", "/sms/cases/{case_id}/tickets"), ("post", "/sms/cases/{case_id}/updates"),
]


def _call(api, method, path, ref):
    path = path.replace("{code}", "starriver").replace("{ref}", ref)
    if "{calendar_id}" in path:
        from aftersales.sla.models import Calendar

        path = path.replace("{calendar_id}", str(Calendar.get_default().pk)) + "?start=2026-01-01&end=2026-01-31"
    if "{registration_id}" in path or "{case_id}" in path:
        path = path.replace("{registration_id}", str(_registration().pk)).replace("{case_id}", str(_case().pk))
    return getattr(api, method)(path) if method == "get" else getattr(api, method)(path, {})


def _registration():
    from aftersales.core import clock
    from aftersales.customers.models import Customer
    from aftersales.sms.models import SenderIdRegistration

    now = clock.now()
    return SenderIdRegistration.objects.create(
        customer=Customer.objects.get(code="starriver"), country="AE", sender_id="STARRIVER", type="alphanumeric",
        created_at=now, updated_at=now,
    )


def _case():
    from aftersales.core import clock
    from aftersales.sms.models import VendorCase

    now = clock.now()
    return VendorCase.objects.get_or_create(
        vendor="vonage", case_number="04812345",
        defaults={"subject": "Route to Vietnam", "opened_at": now, "created_at": now, "updated_at": now},
    )[0]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_endpoint_needs_authentication(personas, api_as, method, path):
    ticket = make_ticket(customer=personas.customer)
    response = _call(api_as(None), method, path, ticket.ref)
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_outsider_without_staff_role_is_forbidden_everywhere(personas, api_as, method, path):
    ticket = make_ticket(customer=personas.customer)
    response = _call(api_as("outsider"), method, path, ticket.ref)
    assert response.status_code == 403
    assert response.json() == {"detail": "Your account has no staff role, so it cannot use the API."}


@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if op[0] != "get"])
def test_viewer_cannot_write(personas, api_as, method, path):
    ticket = make_ticket(customer=personas.customer)
    response = _call(api_as("viewer"), method, path, ticket.ref)
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if op[0] == "get"])
def test_viewer_can_read(personas, api_as, method, path):
    ticket = make_ticket(customer=personas.customer)
    assert _call(api_as("viewer"), method, path, ticket.ref).status_code == 200


def test_a_bad_token_is_401_even_with_a_session(personas):
    client = Client()
    client.force_login(personas.agent)
    response = client.get("/api/v1/tickets", headers={"Authorization": "Bearer as_wrong"})
    assert response.status_code == 401
    assert response.json() == {"detail": "The token is invalid, expired or revoked."}


def test_deactivated_users_token_is_refused(personas, api_as):
    api = api_as("agent")
    personas.agent.is_active = False
    personas.agent.save()
    assert api.get("/tickets").status_code == 401


def test_signed_in_browser_session_can_read(personas):
    ticket = make_ticket(customer=personas.customer)
    client = Client()
    client.force_login(personas.viewer)
    response = client.get("/api/v1/tickets")
    assert response.status_code == 200
    assert response.json()["items"][0]["ref"] == ticket.ref


def test_session_writes_need_the_csrf_token(personas):
    ticket = make_ticket(customer=personas.customer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.agent)
    url = f"/api/v1/tickets/{ticket.ref}/notes"
    body = json.dumps({"body": "Checked the route with the vendor."})
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not ticket.messages.exists()
    page = client.get("/api/v1/docs")  # sets the csrftoken cookie and embeds the token
    found = re.search(r'data-csrf-token="([^"]+)"', page.content.decode())
    assert found is not None
    csrf = found.group(1)
    accepted = client.post(url, body, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 201
    assert ticket.messages.get().body == "Checked the route with the vendor."


def test_anonymous_write_without_csrf_is_401_not_403(personas):
    ticket = make_ticket(customer=personas.customer)
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/api/v1/tickets/{ticket.ref}/notes", "{}", content_type="application/json")
    assert response.status_code == 401


def test_openapi_schema_is_public_and_declares_errors_on_every_operation(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "aftersales API" and schema["info"]["version"] == "1"
    operations = [(method, path) for path, item in schema["paths"].items() for method in item]
    assert sorted(operations) == sorted((method, "/api/v1" + path.split("?")[0]) for method, path in OPERATIONS)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status in ("400", "401", "403", "404", "422"):
                assert status in operation["responses"], f"{method} {path} lacks {status}"
            error = operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
            assert error == "#/components/schemas/ErrorOut"
    assert schema["components"]["schemas"]["ErrorOut"]["properties"]["detail"]["type"] == "string"
    bearer = [s for s in schema["components"]["securitySchemes"].values() if s.get("scheme") == "bearer"]
    assert bearer == [{"type": "http", "scheme": "bearer"}]


def test_docs_page_is_public_local_and_csp_safe(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "aftersales API" in html
    for cdn in ("cdn", "unpkg", "jsdelivr", "//"):
        assert cdn not in html.replace("/api/v1/openapi.json", ""), cdn
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    # The only inline <script> is a JSON data block, which browsers never execute: script-src 'self' holds.
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline_scripts == [' type="application/json" id="swagger-settings"']
    assert "style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
