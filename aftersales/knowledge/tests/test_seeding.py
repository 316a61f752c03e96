"""The shipped seed: loaded by the data migration and ``aftersales knowledge-seed``, never overwriting."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aftersales.core.search import query
from aftersales.knowledge import actions
from aftersales.knowledge.models import Article, ArticleGroup, Macro
from aftersales.knowledge.seeding import SEED_DIR, SeedError, load, read_articles, read_macros

pytestmark = pytest.mark.django_db


def test_loader_creates_articles_in_both_languages_and_templates(no_seed, seed_dir):
    result = load(seed_dir)
    assert sorted(result.articles_created) == ["low-balance", "sender-id-registration"]
    assert result.macros_created == ["ask-for-template"]
    assert result.unknown_categories == {"no-such-category"}
    group = ArticleGroup.objects.get(key="sender-id-registration")
    zh, en = group.articles.order_by("-language")
    assert (zh.language, en.language) == ("zh-hans", "en")
    assert (
        zh.category is not None
        and zh.category.code == "sender-id"
        and zh.audience == "public"
        and zh.status == "published"
    )
    assert zh.versions.get().number == 1
    macro = Macro.objects.get(key="ask-for-template")
    assert macro.shared and macro.set_status == "waiting_customer" and macro.category is not None
    assert macro.category.code == "platform-logic"
    assert sorted(macro.texts.values_list("language", flat=True)) == ["en", "zh-hans"]
    hits = query.search("越南", kinds=["article"], status=["published"])
    assert [hit.object_id for hit in hits.items] == [zh.pk]


def test_loader_is_idempotent_and_never_overwrites_edits(no_seed, seed_dir, personas):
    load(seed_dir)
    article = Article.objects.get(group__key="sender-id-registration", language="en")
    actions.update_article(article=article, actor=personas.lead, title="Edited by the desk")
    macro = Macro.objects.get(key="ask-for-template")
    macro.texts.filter(language="en").update(body="Edited")
    again = load(seed_dir)
    assert again.articles_created == [] and sorted(again.articles_skipped) == ["low-balance", "sender-id-registration"]
    assert again.macros_created == []
    article.refresh_from_db()
    assert article.title == "Edited by the desk"
    assert macro.texts.get(language="en").body == "Edited"
    assert Article.objects.count() == 3


def test_a_malformed_file_is_named_in_the_error(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "broken.toml").write_text('[en]\ntitle = "x"\n', encoding="utf-8")
    with pytest.raises(SeedError, match=r"broken.toml: \[en\] needs a problem"):
        read_articles(tmp_path)
    (tmp_path / "articles" / "broken.toml").write_text("not = [toml", encoding="utf-8")
    with pytest.raises(SeedError, match=r"broken\.toml"):
        read_articles(tmp_path)


def test_the_command_reports_what_it_did(no_seed, seed_dir):
    out = StringIO()
    call_command("knowledge-seed", "--dir", str(seed_dir), stdout=out, stderr=StringIO())
    assert "articles: 2 created, 0 already there" in out.getvalue()
    out = StringIO()
    call_command("knowledge-seed", "--dir", str(seed_dir), stdout=out, stderr=StringIO())
    assert "articles: 0 created, 2 already there" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("knowledge-seed", "--dir", str(seed_dir / "missing"))


def test_the_shipped_seed_is_valid_and_was_loaded_by_the_migration():
    """Every shipped file parses; the data migration put each shipped article in the database."""
    shipped = read_articles(SEED_DIR)
    read_macros(SEED_DIR)
    keys = set(ArticleGroup.objects.values_list("key", flat=True))
    assert {slug for slug, _data in shipped} <= keys
