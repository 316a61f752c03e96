from __future__ import annotations

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.tickets.models import RootCause

pytestmark = pytest.mark.django_db


def test_staff_read_the_list_and_leads_add_a_cause(client, personas):
    client.force_login(personas.agent)
    page = client.get("/tickets/root-causes/").content.decode()
    assert 'data-code="documentation-gap"' in page or 'data-code="other"' in page
    assert 'data-testid="root-cause-new"' not in page  # agents read only
    assert client.post("/tickets/root-causes/", {"new-code": "x"}).status_code == 403

    client.force_login(personas.lead)
    response = client.post("/tickets/root-causes/", {
        "new-code": "carrier-filtering", "new-name_en": "Carrier filtering", "new-name_zh": "运营商拦截",
        "new-order": "55", "new-is_active": "on",
    }, follow=True)
    assert "Carrier filtering" in response.content.decode()
    cause = RootCause.objects.get(code="carrier-filtering")
    assert cause.is_active and cause.order == 55
    assert AuditEntry.objects.filter(action="root_cause.create", object_id=str(cause.pk)).exists()


def test_a_duplicate_code_is_refused_with_the_reason(client, personas):
    client.force_login(personas.lead)
    response = client.post("/tickets/root-causes/", {
        "new-code": "other", "new-name_en": "Other again", "new-name_zh": "其他", "new-order": "1",
    })
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_retiring_a_cause_keeps_it_but_stops_offering_it(client, personas):
    client.force_login(personas.lead)
    cause = RootCause.objects.get(code="other")
    response = client.post(f"/tickets/root-causes/{cause.pk}/", {
        "edit-code": "other", "edit-name_en": "Something else", "edit-name_zh": "其他原因", "edit-order": "99",
    }, follow=True)
    assert response.status_code == 200
    cause.refresh_from_db()
    assert (cause.name_en, cause.is_active) == ("Something else", False)
    entry = AuditEntry.objects.get(action="root_cause.update", object_id=str(cause.pk))
    assert entry.before["is_active"] is True and entry.after["is_active"] is False
