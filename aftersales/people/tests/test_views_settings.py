"""The agent's own settings page and the language switch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
SETTINGS = reverse("people:settings")
LANGUAGE = reverse("people:language")


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(SETTINGS)["Location"].startswith(reverse("core:login"))
    assert client.post(LANGUAGE, {"language": "en"})["Location"].startswith(reverse("core:login"))


def test_outsider_is_refused(client, personas):
    client.force_login(personas.outsider)
    assert client.get(SETTINGS).status_code == 403
    assert client.post(LANGUAGE, {"language": "en"}).status_code == 403


def test_agent_saves_settings_and_the_ui_switches_language(client, personas):
    client.force_login(personas.agent)
    page = client.get(SETTINGS).content.decode()
    assert 'value="Li Heping"' in page
    response = client.post(SETTINGS, {"display_name": "Li Heping 李和平", "language": "zh-hans",
                                      "timezone": "Europe/Berlin", "is_away": "on"})
    assert response.status_code == 302
    profile = personas.agent.agent_profile
    profile.refresh_from_db()
    assert (profile.display_name, profile.language, profile.timezone, profile.is_away) == (
        "Li Heping 李和平", "zh-hans", "Europe/Berlin", True)
    assert AuditEntry.objects.filter(action="profile.update").exists()
    html = client.get(reverse("tickets:queue")).content.decode()
    assert '<html lang="zh-hans">' in html and "Li Heping 李和平" in html


def test_viewer_may_change_own_settings(client, personas):
    client.force_login(personas.viewer)
    response = client.post(SETTINGS, {"display_name": "Zhao Kan", "language": "en", "timezone": "Asia/Shanghai"})
    assert response.status_code == 302


def test_bad_timezone_is_shown_next_to_the_field(client, personas):
    client.force_login(personas.agent)
    response = client.post(SETTINGS, {"display_name": "Li", "language": "en", "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_language_switch_in_the_user_menu_follows_the_agent(client, personas):
    client.force_login(personas.agent)
    queue = reverse("tickets:queue")
    response = client.post(LANGUAGE, {"language": "zh-hans", "next": queue})
    assert response["Location"] == queue
    personas.agent.agent_profile.refresh_from_db()
    assert personas.agent.agent_profile.language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get(queue).content.decode()
    assert client.post(LANGUAGE, {"language": "en", "next": "https://evil.example/"})["Location"] == "/"
    assert client.post(LANGUAGE, {"language": "klingon"}).status_code == 400
