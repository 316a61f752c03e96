"""Fixtures of the knowledge tests: articles and templates written through the actions, and a
seed folder in the shipped format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aftersales.knowledge import actions
from aftersales.knowledge.models import Article, ArticleGroup, Macro
from aftersales.tickets.models import Category

REJECTED_ZH = {
    "title": "短信模板被拒：如何修改为合规模板",
    "problem": "客户提交的短信模板审核不通过，模板被拒，短信无法发送。",
    "cause": "模板含有营销用语、短链接或未报备的签名，不符合运营商规范。",
    "solution": "1. 删除营销用语和短链接。\n2. 使用已报备的签名。\n\n重新提交后一般 2 小时内审核完成。详情见 https://help.example/templates",
}
REJECTED_EN = {
    "title": "Rejected SMS template: make it compliant",
    "problem": "The customer's SMS template was rejected in review and messages cannot be sent.",
    "cause": "The template contains marketing wording, short links or an unregistered signature.",
    "solution": "Remove marketing wording and short links, use the registered signature, then submit again.",
}


@pytest.fixture
def no_seed(db: Any) -> None:
    """Start from an empty knowledge base (the data migration seeds the shipped articles)."""
    from aftersales.core.search import index

    index.clear(["article"])
    ArticleGroup.objects.all().delete()
    Macro.objects.all().delete()


def make_article(actor: Any = None, *, language: str = "en", status: str = "published", **fields: Any) -> Article:
    base: dict[str, Any] = dict(REJECTED_EN if language == "en" else REJECTED_ZH)
    base.update(fields)
    return actions.create_article(actor=actor, language=language, status=status, **base)


@pytest.fixture
def template_category(db: Any) -> Category:
    return Category.objects.get(code="platform-logic")


@pytest.fixture
def rejected_article(no_seed: None, personas: Any, template_category: Category) -> Article:
    """The standard solution for rejected templates, in Chinese and English, published."""
    zh = make_article(
        personas.lead,
        language="zh-hans",
        category=template_category,
        tags=["模板", "template"],
        audience="public",
        key="rejected-template",
    )
    make_article(
        personas.lead, language="en", category=template_category, tags=["template"], audience="public", group=zh.group
    )
    return zh


SEED_ARTICLE = '''
category = "sender-id"
tags = ["sender id", "注册"]
audience = "public"

[zh-hans]
title = "各国 Sender ID 注册要求"
problem = """客户询问发送到越南时 Sender ID 显示为数字。"""
cause = """越南要求预先注册 Sender ID。"""
solution = """准备营业执照和授权书，提交注册，约 10 个工作日。"""

[en]
title = "Sender ID registration by country"
problem = """The customer asks why the Sender ID shows as a number in Vietnam."""
cause = """Vietnam requires Sender IDs to be registered in advance."""
solution = """Prepare the business licence and a letter of authorisation; registration takes about 10 working days."""
'''

SEED_INTERNAL = '''
category = "no-such-category"
tags = []
audience = "internal"

[zh-hans]
title = "余额不足与充值"
problem = """余额不足导致发送失败。"""
cause = ""
solution = """在控制台充值，或联系客户经理开通信用额度。"""
'''

SEED_MACROS = '''
[[macro]]
key = "ask-for-template"
shared = true
set_status = "waiting_customer"
category = "platform-logic"

[macro.zh-hans]
name = "请客户提供模板"
body = """{{ contact.name }} 您好，请提供被拒的模板内容，我们帮您检查。工单号 {{ ticket.ref }}。"""

[macro.en]
name = "Ask for the template"
body = """Hello {{ contact.name }}, please send us the rejected template text. Reference {{ ticket.ref }}."""
'''


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "seed"
    (folder / "articles").mkdir(parents=True)
    (folder / "articles" / "sender-id-registration.toml").write_text(SEED_ARTICLE, encoding="utf-8")
    (folder / "articles" / "low-balance.toml").write_text(SEED_INTERNAL, encoding="utf-8")
    (folder / "macros.toml").write_text(SEED_MACROS, encoding="utf-8")
    return folder
