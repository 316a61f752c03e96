from __future__ import annotations

import pytest

from aftersales.audit.log import record
from aftersales.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_entries_cannot_be_changed_or_deleted(personas):
    entry = record(actor=personas.lead, action="config.change", obj=personas.customer, after={"tier": "key"})
    assert entry.actor_label == "han.pengshuai" and entry.object_type == "customers.customer"
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "config.change"


def test_system_actor_is_labelled(personas):
    assert record(actor=None, action="job.run").actor_label == "system"
