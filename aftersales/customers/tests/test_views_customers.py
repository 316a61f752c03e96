"""Customer list and page, and the forms writers use."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.core import clock
from aftersales.customers.models import Contact, Customer, Product

# Tests that need tickets (the open-ticket column, the Tickets panel's content) live in
# tickets/tests/test_views_customer_tickets.py: customers may not import tickets. Here the
# page is checked the way a browser sees it: registered panels arrive through their hx-get URL.
pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


def make_customer(code: str, name: str, **extra) -> Customer:
    now = clock.now()
    return Customer.objects.create(code=code, name=name, created_at=now, updated_at=now, **extra)


def make_contact(customer: Customer, name: str) -> Contact:
    return Contact.objects.create(customer=customer, name=name, created_at=clock.now())


def detail(code: str) -> str:
    return reverse("customers:detail", args=[code])


def load_panels(client, html: str) -> str:
    """What htmx adds to the page: each placeholder's hx-get, fetched as htmx would."""
    urls = re.findall(r'<section class="panel"[^>]*hx-get="([^"]+)"', html)
    assert urls, "the customer page has no lazy-loaded panels"
    return "".join(client.get(url, HTTP_HX_REQUEST="true").content.decode() for url in urls)


def test_anonymous_is_sent_to_sign_in(client, personas):
    for path in (LIST, detail("starriver"), reverse("customers:new"), reverse("customers:edit", args=["starriver"]),
                 reverse("customers:contact_new", args=["starriver"])):
        assert client.get(path)["Location"].startswith(reverse("core:login")), path


def test_outsider_is_refused(client, personas):
    client.force_login(personas.outsider)
    assert client.get(LIST).status_code == 403
    assert client.get(detail("starriver")).status_code == 404
    assert client.post(reverse("customers:new"), {"code": "x", "name": "X"}).status_code == 403


def test_viewer_reads_but_cannot_create_or_edit(client, personas):
    client.force_login(personas.viewer)
    assert client.get(LIST).status_code == 200
    page = client.get(detail("starriver")).content.decode()
    assert "Starriver Tech 星河科技" in page and reverse("customers:edit", args=["starriver"]) not in page
    assert client.get(reverse("customers:new")).status_code == 403
    assert client.post(reverse("customers:edit", args=["starriver"]), {"name": "Hacked"}).status_code == 403
    assert client.post(reverse("customers:contact_new", args=["starriver"]), {"name": "X"}).status_code == 403
    edit_contact = reverse("customers:contact_edit", args=["starriver", personas.contact.pk])
    assert client.post(edit_contact, {"name": "X"}).status_code == 403
    assert Customer.objects.get(code="starriver").name == "Starriver Tech 星河科技"


def test_list_shows_sub_accounts_under_their_master(client, personas):
    client.force_login(personas.agent)
    html = client.get(LIST).content.decode()
    rows = html.split('data-testid="customer-row"')[1:]
    names = [("Bluewave" if "Bluewave" in row else "Sub" if "Sub-account 2" in row else "Master") for row in rows]
    assert names == ["Bluewave", "Master", "Sub"]
    assert 'class="row-sub"' in rows[2] and "Sub-account of Starriver Tech 星河科技" in rows[2]


def test_search_by_code_finds_master_and_its_subs(client, personas):
    client.force_login(personas.agent)
    html = client.get(LIST, {"q": "starriver"}).content.decode()
    assert "Starriver Sub-account 2" in html and "Bluewave" not in html
    assert "No customers match." in client.get(LIST, {"q": "zzz"}).content.decode()
    suspended = make_customer("dormant", "Dormant Ltd", status="suspended")
    assert suspended.name in client.get(LIST, {"status": "suspended"}).content.decode()


def test_list_pagination(client, personas, settings):
    settings.QUEUE_PAGE_SIZE = 2
    client.force_login(personas.agent)
    assert "1–2 of 3" in client.get(LIST).content.decode()


def test_list_uses_a_constant_number_of_queries(client, personas, django_assert_max_num_queries):
    client.force_login(personas.agent)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for number in range(30):
        master = make_customer(f"acme-{number}", f"Acme {number}", account_manager=personas.agent)
        make_customer(f"acme-{number}-sub", f"Acme {number} Sub", parent=master)
        make_contact(master, f"Contact {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_customer_page_shows_account_and_contacts(client, personas):
    personas.customer.products.set(Product.objects.all()[:1])
    personas.customer.account_manager = personas.lead
    personas.customer.save()
    client.force_login(personas.agent)
    html = client.get(detail("starriver")).content.decode()
    assert "Zhou Min" in html and "+8613800138000" in html
    assert "Han Pengshuai" in html and "Starriver Sub-account 2" in html
    assert "Loading…" in html and "<noscript>" in html
    assert "No tickets for this account yet." in load_panels(client, html)
    assert "Sub-account of" in client.get(detail("starriver-sub2")).content.decode()


def test_writer_creates_a_sub_account(client, personas):
    client.force_login(personas.agent)
    response = client.post(reverse("customers:new"), {
        "code": "starriver-sub9", "name": "Starriver Sub 9", "parent": personas.customer.pk, "tier": "standard",
        "status": "active", "timezone": "Asia/Shanghai", "language": "zh-hans", "account_manager": "",
        "products": [p.pk for p in Product.objects.all()[:1]], "notes": "",
    })
    assert response.status_code == 302 and response["Location"] == detail("starriver-sub9")
    created = Customer.objects.get(code="starriver-sub9")
    assert created.parent == personas.customer and created.products.count() == 1


def test_sub_account_cannot_become_a_master(client, personas):
    client.force_login(personas.agent)
    response = client.post(reverse("customers:edit", args=["starriver"]), {
        "code": "starriver", "name": "Starriver Tech 星河科技", "parent": personas.other_customer.pk,
        "tier": "key", "status": "active", "timezone": "Asia/Shanghai", "language": "zh-hans",
    })
    assert response.status_code == 400
    assert "This account has sub-accounts, so it cannot become one." in response.content.decode()


def test_contact_phone_is_validated_next_to_the_field(client, personas):
    client.force_login(personas.agent)
    url = reverse("customers:contact_new", args=["starriver"])
    response = client.post(url, {"name": "Sun Lei", "phone": "12345", "language": "en"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a valid phone number" in html or "is not a phone number" in html
    response = client.post(url, {"name": "Sun Lei", "phone": "+86 139 0013 9000", "language": "en",
                                 "im_handles": "wecom: sun.lei"})
    assert response.status_code == 302
    contact = Contact.objects.get(name="Sun Lei")
    assert contact.phone == "+8613900139000" and contact.im_handles == {"wecom": "sun.lei"}


def test_edit_contact(client, personas):
    client.force_login(personas.agent)
    url = reverse("customers:contact_edit", args=["starriver", personas.contact.pk])
    assert "Zhou Min" in client.get(url).content.decode()
    client.post(url, {"name": "Zhou Min", "email": "zhou.min@starriver.example", "phone": "+8613800138000",
                      "language": "zh-hans", "is_primary": "on"})
    personas.contact.refresh_from_db()
    assert personas.contact.email == "zhou.min@starriver.example"
    other = make_customer("elsewhere", "Elsewhere Co")
    assert client.get(reverse("customers:contact_edit", args=[other.code, personas.contact.pk])).status_code == 404


def test_customer_gets_its_own_business_calendar(client, personas):
    from aftersales.sla.models import Calendar

    london = Calendar.objects.create(name="UK (Europe/London) 09:00-17:30", timezone="Europe/London",
                                     week={str(day): [["09:00", "17:30"]] for day in range(5)}, country="GB")
    customer = personas.other_customer
    client.force_login(personas.agent)
    response = client.post(reverse("customers:edit", args=[customer.code]), {
        "code": customer.code, "name": customer.name, "tier": "standard", "status": "active",
        "timezone": "Europe/London", "language": "en", "calendar": london.pk,
    })
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.calendar == london
    page = client.get(reverse("customers:detail", args=[customer.code])).content.decode()
    assert "UK (Europe/London) 09:00-17:30" in page


def test_mail_domains_are_edited_in_the_customer_form(client, personas):
    customer = personas.other_customer
    client.force_login(personas.agent)
    form = {"code": customer.code, "name": customer.name, "tier": "standard", "status": "active",
            "timezone": "Asia/Shanghai", "language": "en"}
    response = client.post(reverse("customers:edit", args=[customer.code]),
                           {**form, "mail_domains": "Bluewave.example， @games.bluewave.example"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.mail_domains == ["bluewave.example", "games.bluewave.example"]
    response = client.post(reverse("customers:edit", args=[customer.code]), {**form, "mail_domains": "not a domain!"})
    assert response.status_code == 400 and "is not a domain name" in response.content.decode()
