"""Demo sender-ID registrations, written through ``sms.registrations`` so they carry real events,
audit entries and due dates:

- Bluewave Games: the UAE alphanumeric sender ID "BLUEWAVE", submitted 27 days ago and in vendor
  review; the AE lead time is 25 days, so it is overdue (the hourly reminder tells its owner);
- MoonLight Studio: "MOONLIGHT" in the UK, approved after 4 days (the GB observed median);
- Kaito Pay: an India DLT template (header "KAITOP") that needs information;
- Starriver: the China signature "星河科技" in carrier review;
- Bluewave MENA: "BLUEWAVE" in Saudi Arabia, submitted 5 days ago (no lead time set: the default);
- Pebblestone Health: a US long number still a draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.demo.loader import moving_clock
from aftersales.sms import registrations
from aftersales.sms.models import SenderIdRegistration

# A tiny but real PDF (the document check reads the first bytes).
LICENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"
)

# customer code, country, sender ID, type, owner, vendor reference, notes,
# then the moves: (days before now, status, note)
PLANS: tuple[tuple[str, str, str, str, str, str, str, tuple[tuple[float, str, str], ...]], ...] = (
    (
        "bluewave", "AE", "BLUEWAVE", "alphanumeric", "demo-agent", "GSID-AE-20931",
        "Sender ID for OTP and game notifications in the UAE; trade licence attached.",
        ((27.2, "submitted", "Sent through the Global Sender ID form with the trade licence."),
         (24.0, "vendor_review", "Vonage confirmed receipt; with their UAE team.")),
    ),
    (
        "moonlight", "GB", "MOONLIGHT", "alphanumeric", "demo-assistant", "GSID-GB-11874", "",
        ((12.0, "submitted", ""), (11.0, "vendor_review", ""), (8.0, "approved", "Live on all UK networks.")),
    ),
    (
        "kaito-pay", "IN", "KAITOP", "template", "demo-assistant", "DLT-1107457532145798767",
        "DLT content template for order updates; PE ID 1101456324675322134.",
        ((3.0, "submitted", "Sent to the account manager (India goes through Vonage support)."),
         (1.0, "needs_info", "Operator asks for the template with {#var#} placeholders and the brand name.")),
    ),
    (
        "starriver", "CN", "星河科技", "template", "demo-lead", "CN-SIG-5521", "Signature for OTP traffic in China.",
        ((8.0, "submitted", ""), (7.0, "vendor_review", ""), (5.0, "carrier_review", "Passed the vendor's check."))
    ),
    (
        "bluewave-mena", "SA", "BLUEWAVE", "alphanumeric", "demo-agent", "",
        "Saudi Arabia needs the letter of authorisation in Arabic.", ((5.0, "submitted", ""),),
    ),
    ("pebblestone", "US", "+12025550199", "long_number", "demo-assistant", "", "Toll-free verification next.", ()),
)  # fmt: skip


def load(
    *,
    now: dt.datetime,
    users: dict[str, Any],
    customers: dict[str, Any],
    set_clock: Callable[[dt.datetime], None] | None = None,
) -> list[SenderIdRegistration]:
    """Write the demo registrations. ``users`` by username (``demo-agent``, ``demo-assistant``,
    ``demo-lead``; ``demo-lead`` acts when an owner is missing), ``customers`` by code (a plan whose
    customer is missing is skipped). ``set_clock`` is the demo's moving clock (without it, one is
    set up here); it is left at ``now``. Returns the registrations written."""
    if set_clock is None:
        with moving_clock(now) as fake:

            def move(at: dt.datetime) -> None:
                fake.at = at

            return _load(now=now, users=users, customers=customers, set_clock=move)
    return _load(now=now, users=users, customers=customers, set_clock=set_clock)


def _load(
    *, now: dt.datetime, users: dict[str, Any], customers: dict[str, Any], set_clock: Callable[[dt.datetime], None]
) -> list[SenderIdRegistration]:
    actor = users.get("demo-lead")
    if actor is None:
        return []
    made = []
    for code, country, sender, kind, owner_name, reference, notes, moves in PLANS:
        customer = customers.get(code)
        if customer is None:
            continue
        owner = users.get(owner_name) or actor
        first = moves[0][0] + 0.5 if moves else 2.0
        set_clock(now - dt.timedelta(days=first))
        registration = registrations.create_registration(
            customer=customer, country=country, sender_id=sender, type=kind, owner=owner, notes=notes, actor=owner
        )
        if country == "AE":
            registrations.attach_document(
                registration=registration,
                upload=SimpleUploadedFile("trade-licence.pdf", LICENCE_PDF, content_type="application/pdf"),
                actor=owner,
            )
        for days_ago, status, note in moves:
            set_clock(now - dt.timedelta(days=days_ago))
            registrations.transition_registration(registration=registration, to_status=status, actor=owner, note=note)
            if status == "submitted" and reference:
                registrations.set_vendor_reference(registration=registration, reference=reference, actor=owner)
        made.append(registration)
    set_clock(now)
    return made
