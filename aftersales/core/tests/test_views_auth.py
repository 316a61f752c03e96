"""Sign in and out, lockout, the home redirect, language before sign-in, error pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
LOGIN = reverse("core:login")
PASSWORD = "correct-horse-battery"


def test_home_sends_anonymous_to_sign_in_and_staff_to_the_queue(client, personas):
    assert client.get("/")["Location"].startswith(LOGIN)
    client.force_login(personas.agent)
    assert client.get("/")["Location"] == reverse("tickets:queue")


def test_sign_in_page_has_labelled_fields_and_language_switch(client):
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'data-testid="language-switch"' in html and '<html lang="en">' in html


def test_agent_signs_in_and_lands_on_the_queue(client, personas):
    response = client.post(LOGIN, {"username": "li.heping", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("tickets:queue")
    assert "Li Heping" in response.content.decode()


def test_wrong_password_says_so(client, personas):
    response = client.post(LOGIN, {"username": "li.heping", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_user_without_a_role_signs_in_to_a_clear_403(client, personas):
    response = client.post(LOGIN, {"username": "outsider", "password": PASSWORD}, follow=True)
    assert response.status_code == 403
    html = response.content.decode()
    assert "This account has no access to the desk" in html
    assert 'data-testid="queue-nav"' not in html


def test_repeated_failures_show_the_locked_out_page(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(3):
        client.post(LOGIN, {"username": "li.heping", "password": "wrong"})
    response = client.post(LOGIN, {"username": "li.heping", "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "Sign-in is paused for this account" in response.content.decode()


def test_sign_out_needs_post(client, personas):
    client.force_login(personas.agent)
    assert client.get(reverse("core:logout")).status_code == 405
    response = client.post(reverse("core:logout"))
    assert response["Location"] == LOGIN
    assert client.get(reverse("tickets:queue")).status_code == 302


def test_language_switch_works_before_sign_in(client):
    response = client.post(reverse("core:set_language"), {"language": "zh-hans", "next": LOGIN}, follow=True)
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html


def test_unknown_page_is_a_friendly_404(client, personas):
    client.force_login(personas.agent)
    response = client.get("/customers/no-such-customer/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_pages_carry_no_inline_scripts_or_styles(client, personas):
    client.force_login(personas.agent)
    html = client.get(reverse("tickets:queue")).content.decode()
    assert "<script>" not in html and " style=" not in html and "hx-on" not in html
    assert "django_htmx/htmx-2.min.js" in html and "core/app.js" in html


def test_a_customer_contact_signing_in_here_lands_in_the_portal(client, db):
    # core imports no app: build the contact through the ORM registry.
    from django.apps import apps
    from django.contrib.auth.models import User

    from aftersales.core import clock

    customer_model = apps.get_model("customers", "Customer")
    contact_model = apps.get_model("customers", "Contact")
    now = clock.now()
    customer = customer_model.objects.create(code="kaito", name="Kaito Pay", created_at=now, updated_at=now)
    user = User.objects.create_user("aiko@kaito.example", password="correct-horse-battery")
    contact_model.objects.create(customer=customer, name="Aiko Tan", email="aiko@kaito.example",
                                 portal_user=user, created_at=now)
    response = client.post(reverse("core:login"), {"username": "aiko@kaito.example",
                                                    "password": "correct-horse-battery"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:tickets")
