"""The numbers pages and the "Numbers" panel on the customer page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from aftersales.customers.forms import CustomerForm
from aftersales.sms import numbers as actions
from aftersales.sms.models import PhoneNumber, VendorAccount
from aftersales.sms.models.registrations import RegistrationType

pytestmark = pytest.mark.django_db


def add(
    personas: Any, msisdn: str, url: str = "https://hooks.example.test/in", *, customer: Any = None, **extra: Any
) -> PhoneNumber:
    return actions.add_number(
        actor=personas.agent, customer=customer or personas.customer, msisdn=msisdn, inbound_webhook_url=url, **extra
    )


def failing(number: PhoneNumber, reason: str = "The address answered HTTP 500 (a server error).") -> None:
    PhoneNumber.objects.filter(pk=number.pk).update(webhook_state="failing", webhook_message=reason)


# --- panel ---------------------------------------------------------------------------------------


def _panel(client: Any, code: str) -> str:
    response = client.get(f"/panels/customer/sms-numbers/{code}/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_warns_about_a_number_without_inbound_webhook(client, personas):
    add(personas, "+442079460101", monthly_cost="0.9", features=["SMS", "VOICE"])
    add(personas, "+442079460102", "")
    broken = add(personas, "+18335550101", type="toll_free", customer=personas.subaccount)
    failing(broken)
    client.force_login(personas.viewer)
    page = _panel(client, personas.customer.code)
    assert page.count('data-testid="sms-number"') == 3  # the sub-account's number too
    assert "+442079460101" in page and "0.90 EUR" in page and "VOICE" in page
    assert "No inbound webhook: inbound SMS to this number are lost." in page
    assert "answered HTTP 500 (a server error). Inbound SMS to this number are lost until it answers." in page
    assert "2 numbers have inbound webhook problems." in page
    assert "Toll-free" in page and "Starriver Sub-account 2" in page
    assert f"/sms/numbers/?customer={personas.customer.code}" in page
    assert "Add a number" not in page  # a viewer reads only


def test_the_panel_says_so_when_the_customer_holds_no_numbers(client, personas):
    client.force_login(personas.agent)
    page = _panel(client, personas.other_customer.code)
    assert "This customer holds no numbers with us." in page and "Add a number" in page


def test_the_panel_is_on_the_customer_page_only(client, personas):
    client.force_login(personas.agent)
    assert client.get(f"/panels/ticket/sms-numbers/{personas.customer.code}/").status_code == 404
    page = client.get(f"/customers/{personas.customer.code}/").content.decode()
    assert "/panels/customer/sms-numbers/starriver/" in page


# --- list ---------------------------------------------------------------------------------------


def test_the_list_counts_problems_and_filters(client, personas, django_assert_max_num_queries):
    add(personas, "+442079460101")
    add(personas, "+442079460102", "")
    add(personas, "+18335550101", type="toll_free", customer=personas.other_customer)
    failing(add(personas, "+18335550102", type="toll_free", customer=personas.other_customer))
    gone = add(personas, "+442079460103")
    actions.release_number(actor=personas.agent, number=gone)
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(12):
        page = client.get("/sms/numbers/").content.decode()
    assert page.count('data-testid="number-row"') == 4  # released ones are hidden by default
    assert "2 numbers have inbound webhook problems: inbound SMS to them are lost." in page
    only_problems = client.get("/sms/numbers/?problems=on").content.decode()
    assert only_problems.count('data-testid="number-row"') == 2
    assert "+18335550102" in only_problems and "+442079460102" in only_problems
    uk = client.get("/sms/numbers/?country=gb").content.decode()
    assert uk.count('data-testid="number-row"') == 2
    customer = client.get("/sms/numbers/?customer=bluewave").content.decode()
    assert customer.count('data-testid="number-row"') == 2
    released = client.get("/sms/numbers/?status=released").content.decode()
    assert released.count('data-testid="number-row"') == 1 and "+442079460103" in released
    nothing = client.get("/sms/numbers/?country=FR").content.decode()
    assert "No numbers match." in nothing


def test_the_list_pages(client, personas, settings):
    settings.QUEUE_PAGE_SIZE = 2
    for n in range(5):
        add(personas, f"+44207946011{n}")
    client.force_login(personas.agent)
    first = client.get("/sms/numbers/").content.decode()
    assert "1–2 of 5" in first and "?page=2" in first
    assert "5–5 of 5" in client.get("/sms/numbers/?page=3").content.decode()


def test_an_empty_desk_explains_where_numbers_come_from(client, personas):
    client.force_login(personas.agent)
    page = client.get("/sms/numbers/").content.decode()
    assert "No numbers yet." in page and "No number has a webhook problem." in page


# --- forms --------------------------------------------------------------------------------------


def test_adding_a_number_by_hand(client, personas):
    client.force_login(personas.agent)
    form = client.get("/sms/numbers/new/?customer=starriver").content.decode()
    assert f'<option value="{personas.customer.pk}" selected>' in form
    response = client.post(
        "/sms/numbers/new/",
        {
            "customer": personas.customer.pk,
            "msisdn": "+44 20 7946 0123",
            "type": "landline",
            "country": "",
            "features": ["SMS"],
            "inbound_webhook_url": "https://hooks.example.test/in",
            "monthly_cost": "1.20",
            "currency": "EUR",
            "status": "active",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/sms/numbers/?customer=starriver"
    number = PhoneNumber.objects.get()
    assert (number.msisdn, number.country, number.type, number.source) == ("442079460123", "GB", "landline", "manual")


def test_a_refused_number_shows_the_reason_next_to_the_field(client, personas):
    client.force_login(personas.agent)
    response = client.post(
        "/sms/numbers/new/",
        {
            "customer": personas.customer.pk,
            "msisdn": "+44 20 7946 0123",
            "type": "long",
            "country": "US",
            "features": ["SMS"],
            "inbound_webhook_url": "ftp://x.example/",
            "currency": "EUR",
            "status": "active",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "http:// or https://" in form.errors["inbound_webhook_url"][0]
    response = client.post(
        "/sms/numbers/new/",
        {
            "customer": personas.customer.pk,
            "msisdn": "+44 20 7946 0123",
            "type": "long",
            "country": "US",
            "features": ["SMS"],
            "currency": "EUR",
            "status": "active",
        },
    )
    assert "is a number in GB, not US" in response.context["form"].errors["country"][0]
    assert not PhoneNumber.objects.exists()


def test_editing_and_releasing_a_hand_entered_number(client, personas):
    number = add(personas, "+442079460123")
    client.force_login(personas.agent)
    page = client.get(f"/sms/numbers/{number.pk}/edit/").content.decode()
    assert 'value="+442079460123"' in page and "Release this number" in page
    response = client.post(
        f"/sms/numbers/{number.pk}/edit/",
        {
            "customer": personas.customer.pk,
            "msisdn": "+442079460123",
            "type": "long",
            "country": "GB",
            "features": ["SMS", "VOICE"],
            "inbound_webhook_url": "",
            "monthly_cost": "",
            "currency": "EUR",
            "status": "active",
        },
    )
    assert response.status_code == 302
    number.refresh_from_db()
    assert number.features == ["SMS", "VOICE"] and number.webhook_state == "missing"
    assert client.post(f"/sms/numbers/{number.pk}/release/").status_code == 302
    number.refresh_from_db()
    assert number.status == "released" and number.released_at is not None
    again = client.get(f"/sms/numbers/{number.pk}/edit/", follow=True)  # the browser's Back: no form, no error page
    assert again.status_code == 200
    assert "This number was released; add it again to hold it anew." in again.content.decode()


def test_a_synced_number_shows_only_its_cost_for_editing(client, personas):
    account = VendorAccount.objects.create(
        customer=personas.customer,
        name="Starriver simulator",
        kind="simulator",
        api_key="SIMNUM01",
        options={
            "subaccounts": [],
            "numbers": [{"country": "GB", "msisdn": "447700900101", "type": "mobile-lvn", "features": ["SMS"]}],
        },
    )
    actions.sync_numbers(account=account)
    number = PhoneNumber.objects.get()
    client.force_login(personas.agent)
    page = client.get(f"/sms/numbers/{number.pk}/edit/").content.decode()
    assert "Synced from Starriver simulator" in page and 'name="msisdn"' not in page and "Release this" not in page
    response = client.post(f"/sms/numbers/{number.pk}/edit/", {"monthly_cost": "2.5", "currency": "USD"})
    assert response.status_code == 302
    number.refresh_from_db()
    assert (str(number.monthly_cost), number.currency, number.msisdn) == ("2.5000", "USD", "447700900101")
    response = client.post(f"/sms/numbers/{number.pk}/release/", follow=True)
    assert "release it at the vendor" in response.content.decode()


def test_sync_now_reports_what_it_did(client, personas):
    account = VendorAccount.objects.create(
        customer=personas.customer,
        name="Starriver simulator",
        kind="simulator",
        api_key="SIMNUM01",
        options={
            "subaccounts": [],
            "numbers": [{"country": "GB", "msisdn": "447700900101", "type": "mobile-lvn", "features": ["SMS"]}],
        },
    )
    client.force_login(personas.agent)
    assert "Sync numbers of Starriver simulator now" in client.get("/sms/numbers/?customer=starriver").content.decode()
    response = client.post(f"/sms/numbers/sync/{account.pk}/", follow=True)
    assert "Synced Starriver simulator. Listed: 1; new: 1; changed: 0; released: 0." in response.content.decode()
    broken = VendorAccount.objects.create(customer=personas.customer, name="No secret", kind="vonage", api_key="x1")
    response = client.post(f"/sms/numbers/sync/{broken.pk}/", follow=True)
    assert "The numbers of No secret could not be synced" in response.content.decode()


def test_the_sidebar_links_the_numbers_page(client, personas):
    client.force_login(personas.agent)
    page = client.get("/sms/numbers/").content.decode()
    assert 'data-testid="numbers-link"' in page


def test_admin_lists_numbers_and_audits_a_correction(client, personas):
    from aftersales.audit.models import AuditEntry

    number = add(personas, "+442079460101")
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    assert "+442079460101" in client.get("/admin/sms/phonenumber/").content.decode()
    assert client.get("/admin/sms/phonenumber/add/").status_code == 403  # added on the desk, validated
    page = client.get(f"/admin/sms/phonenumber/{number.pk}/change/")
    assert page.status_code == 200
    data = {
        "customer": personas.customer.pk, "account": "", "msisdn": "442079460101", "country": "GB", "type": "long",
        "features": '["SMS"]', "monthly_cost": "1.10", "currency": "EUR",
        "inbound_webhook_url": "https://hooks.example.test/in", "status": "active", "bought_at": "", "released_at": "",
    }
    response = client.post(f"/admin/sms/phonenumber/{number.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    number.refresh_from_db()
    assert number.monthly_cost == Decimal("1.1")
    assert AuditEntry.objects.filter(action="sms.number.admin_change", actor=personas.admin).exists()


def test_a_short_code_number_is_not_a_customer_code_in_chinese():
    with translation.override("zh-hans"):
        assert str(PhoneNumber.Type.SHORT_CODE.label) == "短码"
        assert str(RegistrationType.SHORT_CODE.label) == "短码"
        assert str(CustomerForm().fields["code"].label) == "客户代码"
