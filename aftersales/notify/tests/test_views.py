"""The notifications page, marking read, and the unread count in the sidebar."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.notify.api import notify
from aftersales.notify.models import Notification

pytestmark = pytest.mark.django_db
LIST = reverse("notify:list")


def test_list_shows_only_my_notifications_and_the_unread_count(client, personas):
    notify([personas.agent], kind="sla_warning", title="AS-000007 first response due in 1h", url="/tickets/AS-000007/",
           ticket_ref="AS-000007")
    notify([personas.agent2], kind="sla_warning", title="Someone else's ticket")
    client.force_login(personas.agent)
    html = client.get(LIST).content.decode()
    assert "AS-000007 first response due in 1h" in html
    assert "Someone else" not in html
    assert 'data-testid="notifications-unread"' in html and ">1</span>" in html
    assert "Open AS-000007" in html


def test_a_page_elsewhere_shows_the_unread_count_in_the_sidebar(client, personas):
    notify([personas.agent], kind="x", title="one")
    notify([personas.agent], kind="x", title="two")
    client.force_login(personas.agent)
    html = client.get(reverse("tickets:queue")).content.decode()
    assert 'data-testid="notifications-link"' in html
    assert 'data-testid="notifications-unread"' in html and ">2</span>" in html


def test_mark_read_and_follow(client, personas):
    notify([personas.agent], kind="x", title="go there", url="/tickets/AS-000001/")
    note = Notification.objects.get()
    client.force_login(personas.agent)
    response = client.post(reverse("notify:read", args=[note.pk]), {"follow": "1"})
    assert response.status_code == 302 and response["Location"] == "/tickets/AS-000001/"
    note.refresh_from_db()
    assert note.read_at is not None
    html = client.get(LIST).content.decode()
    assert 'data-testid="notifications-unread"' not in html
    assert 'data-read="true"' in html


def test_someone_else_s_notification_is_a_404(client, personas):
    notify([personas.agent2], kind="x", title="not yours")
    client.force_login(personas.agent)
    response = client.post(reverse("notify:read", args=[Notification.objects.get().pk]))
    assert response.status_code == 404
    assert Notification.objects.get().read_at is None


def test_mark_all_read(client, personas):
    notify([personas.agent], kind="x", title="a")
    notify([personas.agent], kind="x", title="b")
    notify([personas.agent2], kind="x", title="c")
    client.force_login(personas.agent)
    response = client.post(reverse("notify:read_all"), follow=True)
    assert "All notifications marked read." in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_an_external_follow_url_is_not_followed(client, personas):
    notify([personas.agent], kind="x", title="phish", url="https://evil.example/")
    client.force_login(personas.agent)
    response = client.post(reverse("notify:read", args=[Notification.objects.get().pk]), {"follow": "1"})
    assert response["Location"] == LIST


def test_empty_state(client, personas):
    client.force_login(personas.viewer)
    assert "No notifications." in client.get(LIST).content.decode()
