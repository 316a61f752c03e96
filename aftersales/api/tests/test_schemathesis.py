"""schemathesis holds the API to its OpenAPI contract: generated requests for every endpoint and
method, sent through Django's WSGI app with a lead's real token.

Checks: no 5xx; every status code, content type, header and body is the one documented; a
request the schema forbids is refused. Not checked: that every schema-valid request succeeds
(``positive_data_acceptance``), since a well-formed request may still name an unknown customer or
a status change the ticket cannot make; those answer the documented 400/404/422.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from aftersales.api.main import api
from aftersales.people.tokens import issue_token
from aftersales.wsgi import application

pytestmark = pytest.mark.django_db

OPENAPI = api.get_openapi_schema(path_prefix="/api/v1/")
schema = schemathesis.openapi.from_dict(OPENAPI)
schema.app = application


@pytest.fixture
def lead_token(personas: Any) -> Any:
    _token, raw = issue_token(user=personas.lead, name="schemathesis", actor=None)
    # Called straight through the WSGI handler (not Django's test Client), each request would close
    # the test's database connection when it starts and ends (``close_old_connections``): on
    # PostgreSQL that drops the test transaction. The test Client unhooks it the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield raw
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case: Any, lead_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {lead_token}"},
                           excluded_checks=[positive_data_acceptance])


def test_choices_with_the_same_short_name_keep_their_own_values_in_the_schema() -> None:
    components = OPENAPI["components"]["schemas"]
    assert components["Status"]["enum"] == ["new", "open", "waiting_customer", "waiting_vendor", "resolved", "closed"]
    case_out = components["CaseOut"]["properties"]
    assert case_out["status"]["title"] == "VendorCaseStatus" and "waiting_us" in case_out["status"]["enum"]
    assert case_out["vendor"]["enum"] == ["vonage", "simulator"]
    assert components["NoteOut"]["properties"]["kind"]["enum"] == ["note", "to_vendor", "from_vendor", "status"]
