"""Vendor accounts: the secret is encrypted at rest and write-only in admin. Vendor cases: found by number."""

from __future__ import annotations

import pytest
from django.db import connection

from aftersales.core import clock
from aftersales.sms.admin import VendorAccountForm
from aftersales.sms.models import VendorAccount, VendorCase

pytestmark = pytest.mark.django_db

SECRET = "Zq8xW3vT6pLm2Rk9"


def make_account(customer, **kwargs) -> VendorAccount:
    values = {"name": "Starriver master", "kind": "vonage", "api_key": "a1b2c3d4", "api_secret": SECRET}
    values.update(kwargs)
    return VendorAccount.objects.create(customer=customer, **values)


def test_the_secret_is_stored_encrypted_and_read_back_in_clear(personas):
    account = make_account(personas.customer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_secret FROM sms_vendoraccount WHERE id = %s", [account.pk])
        stored = cursor.fetchone()[0]
    assert SECRET not in stored
    assert VendorAccount.objects.get(pk=account.pk).api_secret == SECRET


def test_the_admin_form_never_shows_the_secret_and_empty_keeps_it(personas):
    account = make_account(personas.customer)
    form = VendorAccountForm(instance=account)
    assert SECRET not in str(form["api_secret"])
    data = {
        "name": "Starriver master (renamed)",
        "kind": "vonage",
        "api_key": "a1b2c3d4",
        "api_secret": "",
        "signature_method": "md5hash",
        "customer": personas.customer.pk,
        "options": "{}",
        "active": "on",
    }
    form = VendorAccountForm(data=data, instance=account)
    assert form.is_valid(), form.errors
    form.save()
    account.refresh_from_db()
    assert account.name == "Starriver master (renamed)"
    assert account.api_secret == SECRET
    form = VendorAccountForm(data={**data, "api_secret": "New-secret-42"}, instance=account)
    assert form.is_valid(), form.errors
    form.save()
    account.refresh_from_db()
    assert account.api_secret == "New-secret-42"


def test_the_admin_list_and_change_page_do_not_show_the_secret(admin_client, personas):
    account = make_account(personas.customer)
    for url in ("/admin/sms/vendoraccount/", f"/admin/sms/vendoraccount/{account.pk}/change/"):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert SECRET not in response.content.decode()


def test_a_subaccount_row_points_at_its_master(personas):
    master = make_account(personas.customer)
    sub = make_account(personas.subaccount, name="Starriver sub 2", api_key="a1b2sub02", api_secret="", parent=master)
    assert list(master.subaccounts.all()) == [sub]
    assert str(sub) == "Starriver sub 2 (a1b2…)"


def test_balance_readings_cannot_be_typed_in_or_edited_in_admin(admin_client):
    assert admin_client.get("/admin/sms/balancereading/").status_code == 200
    assert admin_client.get("/admin/sms/balancereading/add/").status_code == 403


def test_a_case_number_is_found_whatever_its_case_through_an_index() -> None:
    """Opening a case and the importer look numbers up case-insensitively: among thousands of
    cases that is an index lookup on PostgreSQL, not a scan of every case."""
    now = clock.now()
    VendorCase.objects.bulk_create([
        VendorCase(vendor="vonage", case_number=f"VN-{n:06d}", subject="Delivery to Vietnam", opened_at=now,
                   created_at=now, updated_at=now)
        for n in range(3000)
    ])  # fmt: skip
    found = VendorCase.objects.filter(case_number__iexact="vn-001234")
    assert [case.case_number for case in found] == ["VN-001234"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sms_vendorcase")
        assert "sms_vendorcase_number_upper" in found.explain()
