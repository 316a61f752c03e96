"""The Django admin pages of the knowledge models open; articles are read-only there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from aftersales.knowledge.tests.conftest import make_article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    ["articlegroup", "article", "document", "macro", "ticketsolution"],
)
def test_admin_lists_open(client, personas, model):
    make_article(personas.lead)
    client.force_login(User.objects.create_superuser("root", "root@desk.example", "correct-horse-battery"))
    assert client.get(f"/admin/knowledge/{model}/").status_code == 200


def test_articles_are_read_only_in_the_admin(client, no_seed, personas):
    article = make_article(personas.lead)
    client.force_login(User.objects.create_superuser("root", "root@desk.example", "correct-horse-battery"))
    page = client.get(f"/admin/knowledge/article/{article.pk}/change/").content.decode()
    assert article.title in page
    assert 'name="_save"' not in page
    assert client.get(f"/admin/knowledge/article/{article.pk}/delete/").status_code == 403
