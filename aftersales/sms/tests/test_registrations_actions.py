"""Sender-ID registration actions: format checks, the workflow, due dates from the lead-time
table, the observed median fed back, owner, vendor reference and documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.audit.models import AuditEntry
from aftersales.sms import registrations as actions
from aftersales.sms.models import LeadTime, RegistrationEvent, SenderIdRegistration, VendorAccount

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def make(personas, *, country="AE", sender_id="ACMEPAY", kind="alphanumeric", owner=None, **extra):
    return actions.create_registration(
        customer=extra.pop("customer", personas.customer),
        country=country,
        sender_id=sender_id,
        type=kind,
        owner=owner if owner is not None else personas.agent,
        actor=personas.agent,
        **extra,
    )


def move(registration, to_status, actor, note=""):
    return actions.transition_registration(registration=registration, to_status=to_status, actor=actor, note=note)


def _errors(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


# --- Format checks ---------------------------------------------------------------------------
def test_a_new_registration_is_a_draft_with_a_creation_event_and_an_audit_entry(personas):
    with time_machine.travel(NOW, tick=False):
        registration = make(personas, country="ae", sender_id=" ACMEPAY ")
    assert (registration.status, registration.country, registration.sender_id) == ("draft", "AE", "ACMEPAY")
    assert registration.due_at is None and registration.submitted_at is None
    event = registration.events.get()
    assert (event.from_status, event.to_status, event.actor, event.at) == ("", "draft", personas.agent, NOW)
    assert AuditEntry.objects.filter(action="sms.registration.create", object_id=str(registration.pk)).exists()


@pytest.mark.parametrize(
    ("sender", "message"),
    [
        ("AB", "has 2 characters; an alphanumeric sender ID has 3 to 11"),
        ("ACMEPAYMENTS1", "has 13 characters; an alphanumeric sender ID has 3 to 11"),
        ("ACME-PAY", "may contain only Latin letters and digits"),
        ("12345", "needs at least one letter"),
    ],
)
def test_alphanumeric_sender_ids_are_checked(personas, sender, message):
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, sender_id=sender)
    assert message in " ".join(_errors(exc_info)["sender_id"])
    assert not SenderIdRegistration.objects.exists()


def test_alphanumeric_with_eleven_characters_and_digits_is_accepted(personas):
    assert make(personas, sender_id="Acme2Pay123").sender_id == "Acme2Pay123"


@pytest.mark.parametrize("country", ["US", "CA"])
def test_countries_without_alphanumeric_senders_refuse_them(personas, country):
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, country=country)
    assert "does not accept alphanumeric sender IDs" in _errors(exc_info)["country"][0]


def test_long_numbers_have_at_most_fifteen_digits(personas):
    assert make(personas, country="US", sender_id="+12025550143", kind="long_number").sender_id == "+12025550143"
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, country="GB", sender_id="4477009001234567", kind="long_number")
    assert "has 16 digits; a number has at most 15" in _errors(exc_info)["sender_id"][0]
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, country="GB", sender_id="ACME", kind="long_number")
    assert "digits only" in _errors(exc_info)["sender_id"][0]


def test_short_codes_and_china_signatures_are_checked(personas):
    with pytest.raises(actions.RegistrationError):
        make(personas, country="GB", sender_id="12", kind="short_code")
    assert make(personas, country="GB", sender_id="60123", kind="short_code").status == "draft"
    assert make(personas, country="CN", sender_id="星河科技", kind="template").sender_id == "星河科技"
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, country="CN", sender_id="【星河】", kind="template")
    assert "no symbols" in _errors(exc_info)["sender_id"][0]


def test_a_bad_country_code_is_refused_on_the_country_field(personas):
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, country="UAE")
    assert "two-letter ISO country code" in _errors(exc_info)["country"][0]


def test_a_second_open_registration_of_the_same_sender_is_refused(personas):
    first = make(personas)
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, sender_id="acmepay")
    assert f"already has an open registration of “ACMEPAY” in AE (#{first.pk})" in _errors(exc_info)["sender_id"][0]
    move(first, "cancelled", personas.agent)
    assert make(personas).pk != first.pk  # once the first is final, it can be registered again


def test_a_vendor_account_of_another_customer_is_refused(personas):
    other = VendorAccount.objects.create(customer=personas.other_customer, name="Bluewave", api_key="bw000001")
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, vendor_account=other)
    assert "belongs to another customer" in _errors(exc_info)["vendor_account"][0]


def test_a_viewer_cannot_create_and_the_owner_must_be_a_writer(personas):
    with pytest.raises(actions.RegistrationError):
        actions.create_registration(
            customer=personas.customer, country="AE", sender_id="ACME", type="alphanumeric", actor=personas.viewer
        )
    with pytest.raises(actions.RegistrationError) as exc_info:
        make(personas, owner=personas.viewer)
    assert "owner" in _errors(exc_info)


# --- Workflow --------------------------------------------------------------------------------
def test_submitting_stamps_submitted_at_and_due_at_from_the_lead_time(personas):
    registration = make(personas)
    with time_machine.travel(NOW, tick=False):
        event = move(registration, "submitted", personas.lead, "Sent through the Global Sender ID form")
    registration.refresh_from_db()
    assert registration.submitted_at == NOW
    assert registration.due_at == NOW + timedelta(days=25)  # AE alphanumeric, seeded
    assert (event.from_status, event.to_status, event.actor, event.at) == ("draft", "submitted", personas.lead, NOW)
    assert event.note == "Sent through the Global Sender ID form"
    assert str(actions.due_basis(registration)).startswith("25 days after submission: the expected lead time")
    entry = AuditEntry.objects.get(action="sms.registration.transition", object_id=str(registration.pk))
    assert entry.after["lead_days"] == 25 and entry.after["basis"] == "lead_time"


def test_without_a_lead_time_the_default_applies_and_is_shown_as_the_basis(personas, settings):
    settings.SMS_REGISTRATION_DEFAULT_DAYS = 30
    registration = make(personas, country="MX", sender_id="ACME")
    assert not LeadTime.objects.filter(country="MX").exists()
    with time_machine.travel(NOW, tick=False):
        move(registration, "submitted", personas.agent)
    assert registration.due_at == NOW + timedelta(days=30)
    assert "the default, as no lead time is set" in str(actions.due_basis(registration))


def test_the_full_path_to_approval_stamps_each_move_and_the_decision(personas):
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        registration = make(personas)
    steps = [
        ("submitted", ""),
        ("vendor_review", ""),
        ("carrier_review", ""),
        ("needs_info", "Carrier wants the trade licence"),
        ("carrier_review", "Licence sent"),
        ("approved", ""),
    ]
    for day, (status, note) in enumerate(steps):
        with time_machine.travel(NOW + timedelta(days=day), tick=False):
            move(registration, status, personas.agent, note)
    registration.refresh_from_db()
    assert registration.status == "approved"
    assert registration.decided_at == NOW + timedelta(days=5)
    events = list(RegistrationEvent.objects.filter(registration=registration).values_list("to_status", "at"))
    assert [status for status, _at in events] == ["draft", *[status for status, _note in steps]]
    assert events[-1][1] == NOW + timedelta(days=5)


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ([], "approved", "A registration that is “Draft” cannot become “Approved”."),
        ([], "vendor_review", "cannot become “Vendor review”"),
        (["submitted", "carrier_review"], "vendor_review", "“Carrier review” cannot become “Vendor review”"),
        (["submitted", "approved"], "cancelled", "This registration is approved; it cannot change any more."),
        (["cancelled"], "submitted", "This registration is cancelled; it cannot change any more."),
    ],
)
def test_moves_the_workflow_does_not_allow_are_refused(personas, path, target, message):
    registration = make(personas)
    for status in path:
        move(registration, status, personas.agent)
    with pytest.raises(actions.RegistrationError) as exc_info:
        move(registration, target, personas.agent)
    assert message in " ".join(exc_info.value.messages)
    registration.refresh_from_db()
    assert registration.status == (path[-1] if path else "draft")


def test_needs_info_and_rejection_need_a_note(personas):
    registration = make(personas)
    move(registration, "submitted", personas.agent)
    with pytest.raises(actions.RegistrationError) as exc_info:
        move(registration, "needs_info", personas.agent)
    assert "what information" in _errors(exc_info)["note"][0]
    with pytest.raises(actions.RegistrationError) as exc_info:
        move(registration, "rejected", personas.agent, "  ")
    assert "why the registration was rejected" in _errors(exc_info)["note"][0]
    with time_machine.travel(NOW, tick=False):
        move(registration, "rejected", personas.agent, "Brand not matching the licence")
    registration.refresh_from_db()
    assert registration.status == "rejected" and registration.decided_at == NOW


def test_cancel_from_any_open_status_without_a_decision_date(personas):
    registration = make(personas)
    move(registration, "submitted", personas.agent)
    move(registration, "needs_info", personas.agent, "LoA")
    move(registration, "cancelled", personas.agent)
    registration.refresh_from_db()
    assert registration.status == "cancelled" and registration.decided_at is None


def test_a_viewer_cannot_move_a_registration(personas):
    registration = make(personas)
    with pytest.raises(actions.RegistrationError):
        move(registration, "submitted", personas.viewer)


# --- Observed median -------------------------------------------------------------------------
def _approved_after(personas, sender: str, days: int, *, country="AE") -> SenderIdRegistration:
    registration = make(personas, sender_id=sender, country=country)
    with time_machine.travel(NOW, tick=False):
        move(registration, "submitted", personas.agent)
    with time_machine.travel(NOW + timedelta(days=days), tick=False):
        move(registration, "approved", personas.agent)
    return registration


def test_approvals_feed_the_observed_median_back_into_the_lead_time(personas):
    _approved_after(personas, "ACMEONE", 20)
    lead = LeadTime.objects.get(country="AE", type="alphanumeric")
    assert (lead.observed_median_days, lead.observed_count) == (20.0, 1)
    _approved_after(personas, "ACMETWO", 31)
    _approved_after(personas, "ACMETHREE", 28)
    rejected = make(personas, sender_id="ACMENO")
    move(rejected, "submitted", personas.agent)
    move(rejected, "rejected", personas.agent, "No")  # a rejection is not measured
    lead.refresh_from_db()
    assert (lead.observed_median_days, lead.observed_count, lead.expected_days) == (28.0, 3, 25)


def test_an_approval_without_a_table_row_adds_one_with_the_default(personas):
    _approved_after(personas, "ACME", 12, country="MX")
    lead = LeadTime.objects.get(country="MX", type="alphanumeric")
    assert (lead.expected_days, lead.observed_median_days, lead.observed_count) == (30, 12.0, 1)


# --- Owner, reference, documents, lead times -------------------------------------------------
def test_assign_and_vendor_reference_are_saved_and_audited(personas):
    registration = make(personas)
    actions.assign_registration(registration=registration, owner=personas.agent2, actor=personas.lead)
    actions.set_vendor_reference(registration=registration, reference=" GSID-2026-0113 ", actor=personas.lead)
    registration.refresh_from_db()
    assert registration.owner == personas.agent2 and registration.vendor_reference == "GSID-2026-0113"
    actions_logged = set(AuditEntry.objects.filter(object_id=str(registration.pk)).values_list("action", flat=True))
    assert {"sms.registration.assign", "sms.registration.vendor_reference"} <= actions_logged


def test_documents_are_checked_by_their_content(personas):
    registration = make(personas)
    document = actions.attach_document(
        registration=registration, upload=SimpleUploadedFile("licence.pdf", b"%PDF-1.4\n%%EOF\n"), actor=personas.agent
    )
    assert (document.name, document.content_type, document.size) == ("licence.pdf", "application/pdf", 15)
    assert document.file.read() == b"%PDF-1.4\n%%EOF\n"
    with pytest.raises(actions.RegistrationError) as exc_info:
        actions.attach_document(
            registration=registration, upload=SimpleUploadedFile("tool.pdf", b"MZ\x90\x00binary"), actor=personas.agent
        )
    assert "is not really a PDF file" in _errors(exc_info)["file"][0]
    with pytest.raises(actions.RegistrationError) as exc_info:
        actions.attach_document(
            registration=registration, upload=SimpleUploadedFile("run.exe", b"MZ"), actor=personas.agent
        )
    assert "cannot be attached" in _errors(exc_info)["file"][0]


def test_documents_over_the_size_limit_are_refused(personas, settings):
    settings.ATTACHMENT_MAX_BYTES = 1_048_576
    registration = make(personas)
    big = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 2_200_000)
    with pytest.raises(actions.RegistrationError) as exc_info:
        actions.attach_document(registration=registration, upload=big, actor=personas.agent)
    assert "is 2 MB; documents may be at most 1 MB" in _errors(exc_info)["file"][0]


def test_only_leads_set_expected_lead_times_and_new_ones_apply_to_later_submissions(personas):
    with pytest.raises(actions.RegistrationError):
        actions.save_lead_time(country="AE", kind="alphanumeric", expected_days=10, actor=personas.agent)
    submitted = make(personas, sender_id="EARLY")
    with time_machine.travel(NOW, tick=False):
        move(submitted, "submitted", personas.agent)
    actions.save_lead_time(country="ae", kind="alphanumeric", expected_days=40, actor=personas.lead, note="Slower")
    later = make(personas, sender_id="LATER")
    with time_machine.travel(NOW, tick=False):
        move(later, "submitted", personas.agent)
    submitted.refresh_from_db()
    assert submitted.due_at == NOW + timedelta(days=25)
    assert later.due_at == NOW + timedelta(days=40)
    assert LeadTime.objects.get(country="AE", type="alphanumeric").note == "Slower"
