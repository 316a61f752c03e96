"""Reply templates: rendering, languages, the picker's data and what inserting one does."""

from __future__ import annotations

import pytest

from aftersales.knowledge import actions, macros
from aftersales.knowledge.actions import KnowledgeError
from aftersales.knowledge.models import Macro
from aftersales.testing.factories import make_contact, make_ticket
from aftersales.tickets.models import Category

pytestmark = pytest.mark.django_db


def test_variables_are_filled_in_from_the_ticket(personas):
    ticket = make_ticket("模板被拒", customer=personas.customer, contact=personas.contact)
    values = macros.context_for(ticket=ticket, agent=personas.agent)
    rendered = macros.render(
        "{{ contact.name }} 您好，工单 {{ ticket.ref }}（{{ ticket.subject }}）由 {{ agent.name }} 处理。"
        "{{ customer.name }}",
        values,
    )
    assert rendered.text == f"Zhou Min 您好，工单 {ticket.ref}（模板被拒）由 Li Heping 处理。Starriver Tech 星河科技"
    assert rendered.missing == [] and rendered.error == ""


def test_missing_and_unknown_variables_are_shown_not_swallowed(personas):
    ticket = make_ticket("No contact yet")  # no customer, no contact
    rendered = macros.render(
        "Hello {{ contact.name }}, {{ ticket.ref }} {{ order.id }}", macros.context_for(ticket=ticket)
    )
    assert rendered.text == f"Hello [contact.name], {ticket.ref} [order.id]"
    assert rendered.missing == ["contact.name", "order.id"]


def test_plain_text_is_not_html_escaped(personas):
    ticket = make_ticket("A <b> & B", customer=personas.customer)
    assert macros.render("Re: {{ ticket.subject }}", macros.context_for(ticket=ticket)).text == "Re: A <b> & B"


def test_a_broken_template_is_refused_with_the_reason(personas):
    with pytest.raises(KnowledgeError) as caught:
        actions.save_macro(actor=personas.agent, texts={"en": ("Broken", "Hello {{ contact.name ")})
    assert "The template has an error" in str(caught.value.error_dict["body_en"])
    assert macros.render("{% include 'core/base.html' %}", {}).error  # no file access from a template


def test_agents_keep_personal_templates_and_leads_share(personas):
    mine = actions.save_macro(actor=personas.agent, texts={"en": ("Thanks", "Thanks {{ contact.name }}")})
    assert mine.owner == personas.agent and not mine.shared
    with pytest.raises(KnowledgeError, match="share"):
        actions.save_macro(actor=personas.agent, shared=True, texts={"en": ("Team", "Hi")})
    shared = actions.save_macro(actor=personas.lead, shared=True, texts={"zh-hans": ("团队", "您好")})
    with pytest.raises(KnowledgeError):
        actions.save_macro(actor=personas.agent, macro=shared, shared=True, texts={"zh-hans": ("改", "改")})
    with pytest.raises(KnowledgeError):
        actions.save_macro(actor=personas.agent2, macro=mine, texts={"en": ("Mine now", "x")})


def _choices(client, ticket):
    return client.get(f"/knowledge/macros/for/{ticket.ref}/").json()["items"]


def test_the_picker_offers_the_contacts_language_first(client, no_seed, personas):
    actions.save_macro(
        actor=personas.lead,
        shared=True,
        texts={
            "zh-hans": ("请提供模板", "{{ contact.name }} 您好，请提供模板。"),
            "en": ("Ask for the template", "Hello {{ contact.name }}, please send the template."),
        },
    )
    english = make_contact(personas.customer, "Ada Park", language="en")
    client.force_login(personas.agent)
    zh_items = _choices(client, make_ticket("模板", customer=personas.customer, contact=personas.contact))
    assert [item["language"] for item in zh_items] == ["zh-hans", "en"]
    assert zh_items[0]["text"] == "Zhou Min 您好，请提供模板。"
    en_items = _choices(client, make_ticket("Template", customer=personas.customer, contact=english))
    assert [item["language"] for item in en_items] == ["en", "zh-hans"]
    assert en_items[0]["text"] == "Hello Ada Park, please send the template."


def test_the_picker_lists_shared_and_own_templates_only(client, no_seed, personas):
    actions.save_macro(actor=personas.agent2, texts={"en": ("Someone else's", "x")})
    actions.save_macro(actor=personas.agent, texts={"en": ("Mine", "y")})
    client.force_login(personas.agent)
    names = [item["name"] for item in _choices(client, make_ticket(customer=personas.customer))]
    assert names == ["Mine"]


def test_inserting_a_template_sets_its_category_through_the_ticket_actions(client, no_seed, personas):
    category = Category.objects.get(code="sender-id")
    macro = actions.save_macro(
        actor=personas.lead,
        shared=True,
        set_status="waiting_customer",
        category=category,
        texts={"en": ("Sender ID papers", "Please send the licence.")},
    )
    ticket = make_ticket("Sender ID", customer=personas.customer, contact=personas.contact)
    client.force_login(personas.agent)
    item = _choices(client, ticket)[0]
    assert item["set_status"] == "waiting_customer" and item["apply_url"]
    response = client.post(item["apply_url"])
    assert response.json()["ok"] is True
    ticket.refresh_from_db()
    assert ticket.category == category
    assert ticket.events.filter(kind="category").exists()
    assert Macro.objects.get(pk=macro.pk)  # still there


def test_template_pages(client, no_seed, personas):
    client.force_login(personas.agent)
    assert "No reply templates yet." in client.get("/knowledge/macros/").content.decode()
    response = client.post(
        "/knowledge/macros/new/",
        {
            "name_zh": "感谢",
            "body_zh": "{{ contact.name }} 您好，感谢反馈。",
            "name_en": "",
            "body_en": "",
            "set_status": "resolved",
        },
    )
    assert response.status_code == 302
    page = client.get("/knowledge/macros/").content.decode()
    assert "感谢" in page and "Only me" in page
    macro = Macro.objects.get()
    bad = client.post(f"/knowledge/macros/{macro.pk}/edit/", {"body_zh": "{% if %}", "name_zh": "x"})
    assert bad.status_code == 400
    assert "The template has an error" in bad.content.decode()
    assert client.post(f"/knowledge/macros/{macro.pk}/delete/").status_code == 302
    assert not Macro.objects.exists()


def test_viewers_have_no_templates(client, personas):
    client.force_login(personas.viewer)
    assert client.get("/knowledge/macros/").status_code == 403
