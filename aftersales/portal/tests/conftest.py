from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from aftersales.portal.actions import ensure_portal_user
from aftersales.testing.factories import make_contact, make_ticket


@dataclass
class PortalWorld:
    master_contact: Any
    sub_contact: Any
    other_contact: Any
    master_ticket: Any
    sub_ticket: Any
    other_ticket: Any


@pytest.fixture
def world(personas: Any) -> PortalWorld:
    sub_contact = make_contact(personas.subaccount, "Qin Lan", email="qin.lan@sub2.starriver.example", language="en")
    other_contact = make_contact(personas.other_customer, "Gao Yu", email="gao.yu@bluewave.example", language="en")
    personas.contact.language = "en"
    personas.contact.save(update_fields=["language"])
    return PortalWorld(
        master_contact=personas.contact,
        sub_contact=sub_contact,
        other_contact=other_contact,
        master_ticket=make_ticket(
            "Master: DLR reports missing", customer=personas.customer, contact=personas.contact,
            description="Since Monday no delivery reports arrive.",
        ),
        sub_ticket=make_ticket("Sub: Vietnam route failing", customer=personas.subaccount, contact=sub_contact),
        other_ticket=make_ticket("Bluewave: invoice question", customer=personas.other_customer, contact=other_contact),
    )


def sign_in(client: Any, contact: Any) -> Any:
    user = ensure_portal_user(contact)
    client.force_login(user)
    return user
