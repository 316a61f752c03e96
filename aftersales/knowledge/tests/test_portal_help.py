"""Public help pages in the portal: only published public articles exist there, in the right language."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from aftersales.knowledge import actions
from aftersales.knowledge.tests.conftest import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def help_articles(no_seed, personas):
    public_zh = make_article(personas.lead, language="zh-hans", audience="public", key="template-help")
    public_en = make_article(personas.lead, language="en", audience="public", group=public_zh.group)
    internal = make_article(
        personas.lead,
        language="en",
        title="Vendor escalation contacts",
        problem="Internal.",
        solution="Call the vendor's NOC.",
        audience="internal",
        key="vendor-escalation",
    )
    draft = make_article(
        personas.lead,
        language="en",
        title="Draft about templates",
        problem="Not ready.",
        solution="Not ready.",
        audience="public",
        status="draft",
        key="draft-help",
    )
    archived = make_article(
        personas.lead,
        language="en",
        title="Old template rules",
        problem="Old.",
        solution="Old.",
        audience="public",
        key="old-help",
    )
    actions.update_article(article=archived, actor=personas.lead, status="archived")
    return {"zh": public_zh, "en": public_en, "internal": internal, "draft": draft, "archived": archived}


def test_the_portal_lists_public_articles_in_the_contacts_language(client, help_articles, personas):
    contact = personas.contact  # writes Chinese; signed in to the portal (knowledge never imports the portal)
    contact.portal_user = User.objects.create_user("zhou.min.portal")
    contact.save(update_fields=["portal_user"])
    client.force_login(contact.portal_user)
    page = client.get("/portal/help/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert help_articles["zh"].title in page
    assert help_articles["en"].title not in page  # one entry per article, in the reader's language
    for hidden in ("internal", "draft", "archived"):
        assert help_articles[hidden].title not in page
    article = client.get("/portal/help/template-help/?language=en").content.decode()
    assert help_articles["en"].title in article and "中文" in article


def test_internal_draft_and_archived_articles_are_404_in_the_portal(client, help_articles, personas):
    for slug in ("vendor-escalation", "draft-help", "old-help", "no-such-article"):
        assert client.get(f"/portal/help/{slug}/").status_code == 404


def test_portal_search_finds_only_public_published_articles(client, help_articles):
    page = client.get("/portal/help/", {"q": "template"}).content.decode()
    assert help_articles["en"].title in page or help_articles["zh"].title in page
    assert "Draft about templates" not in page and "Old template rules" not in page
    page = client.get("/portal/help/", {"q": "NOC"}).content.decode()
    assert "Vendor escalation" not in page
    assert "No help article matches." in page


def test_the_portal_navigation_links_to_help(client, help_articles):
    assert 'data-testid="portal-help-link"' in client.get("/portal/").content.decode()
