"""Article pages: list with filters and search, page, form, history, diff, restore, documents."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.knowledge import actions
from aftersales.knowledge.models import Article
from aftersales.knowledge.tests.conftest import make_article

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def test_empty_knowledge_base_says_so(client, no_seed, personas):
    client.force_login(personas.agent)
    page = client.get("/knowledge/").content.decode()
    assert "No articles yet." in page
    assert "New article" in page


def test_viewers_read_but_do_not_write(client, no_seed, personas):
    article = make_article(personas.lead)
    client.force_login(personas.viewer)
    page = client.get("/knowledge/").content.decode()
    assert article.title in page
    assert "New article" not in page
    assert client.get(f"/knowledge/{article.pk}/").status_code == 200
    assert client.get(f"/knowledge/{article.pk}/edit/").status_code == 403
    assert client.get("/knowledge/new/").status_code == 403


def test_outsiders_see_nothing(client, no_seed, personas):
    article = make_article(personas.lead)
    client.force_login(personas.outsider)
    assert client.get("/knowledge/").status_code == 403
    assert client.get(f"/knowledge/{article.pk}/").status_code == 404


def test_list_filters_by_status_language_and_audience(client, no_seed, personas):
    zh = make_article(personas.lead, language="zh-hans", audience="public")
    en = make_article(personas.lead, language="en", group=zh.group, status="draft")
    client.force_login(personas.agent)
    page = client.get("/knowledge/?language=zh-hans").content.decode()
    assert zh.title in page and en.title not in page
    page = client.get("/knowledge/?status=draft").content.decode()
    assert en.title in page and zh.title not in page
    page = client.get("/knowledge/?audience=internal&status=published").content.decode()
    assert "No articles match." in page


def test_search_box_finds_articles_by_a_chinese_word(client, no_seed, personas):
    zh = make_article(personas.lead, language="zh-hans")
    make_article(personas.lead, language="en", title="Low balance", problem="Balance is low", solution="Top up")
    client.force_login(personas.agent)
    page = client.get("/knowledge/", {"q": "被拒"}).content.decode()
    assert zh.title in page
    assert "Low balance" not in page
    assert "<mark>" in page


def test_article_page_renders_problem_cause_solution_with_links_and_languages(client, no_seed, personas):
    zh = make_article(personas.lead, language="zh-hans")
    en = make_article(personas.lead, language="en", group=zh.group)
    client.force_login(personas.agent)
    page = client.get(f"/knowledge/{zh.pk}/").content.decode()
    assert "<p>1. 删除营销用语和短链接。<br>2. 使用已报备的签名。</p>" in page
    assert '<a href="https://help.example/templates" rel="nofollow">' in page
    assert "Also in" in page and f'href="/knowledge/{en.pk}/"' in page and "English" in page


def test_a_lead_edits_and_the_history_shows_both_versions(client, no_seed, personas):
    article = make_article(personas.lead)
    client.force_login(personas.admin)
    form = client.get(f"/knowledge/{article.pk}/edit/")
    assert form.status_code == 200
    response = client.post(
        f"/knowledge/{article.pk}/edit/",
        {
            "language": "en",
            "title": "Rejected template (updated)",
            "problem": article.problem,
            "cause": article.cause,
            "solution": "Use the checker first.",
            "audience": "internal",
            "status": "published",
            "tags": "template",
        },
    )
    assert response.status_code == 302
    history = client.get(f"/knowledge/{article.pk}/history/").content.decode()
    assert "v2" in history and "v1" in history and "Qian Guan" in history
    diff = client.get(f"/knowledge/{article.pk}/versions/1/").content.decode()
    assert '<del class="kb-del">' in diff and '<ins class="kb-add">' in diff
    assert "Use the checker first." in diff or "checker" in diff
    unified = client.get(f"/knowledge/{article.pk}/versions/1/?mode=unified").content.decode()
    assert "kb-line-add" in unified


def test_diff_escapes_html(client, no_seed, personas):
    article = make_article(personas.lead)
    actions.update_article(article=article, actor=personas.lead, solution="<script>alert(1)</script>")
    client.force_login(personas.agent)
    page = client.get(f"/knowledge/{article.pk}/versions/1/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_restore_from_the_page_is_for_leads(client, no_seed, personas):
    article = make_article(personas.lead)
    actions.update_article(article=article, actor=personas.lead, title="Changed")
    client.force_login(personas.agent)
    assert client.post(f"/knowledge/{article.pk}/versions/1/restore/").status_code == 403
    client.force_login(personas.lead)
    response = client.post(f"/knowledge/{article.pk}/versions/1/restore/", follow=True)
    assert "Version 1 restored" in response.content.decode()
    article.refresh_from_db()
    assert article.title == "Rejected SMS template: make it compliant"


def test_an_agent_creates_a_draft(client, no_seed, personas):
    client.force_login(personas.agent)
    page = client.get("/knowledge/new/").content.decode()
    assert "You are writing a draft" in page
    response = client.post(
        "/knowledge/new/",
        {
            "language": "zh-hans",
            "title": "余额不足",
            "problem": "余额不足无法发送",
            "solution": "请充值",
            "audience": "internal",
            "status": "draft",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(title="余额不足")
    assert article.status == "draft" and article.owner == personas.agent
    refused = client.post(
        "/knowledge/new/",
        {"language": "en", "title": "", "problem": "", "solution": "", "audience": "internal", "status": "draft"},
    )
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()


def test_adding_a_language_version(client, no_seed, personas):
    zh = make_article(personas.lead, language="zh-hans")
    client.force_login(personas.lead)
    page = client.get(f"/knowledge/{zh.pk}/").content.decode()
    assert "Add the English version" in page
    form = client.get(f"/knowledge/new/?translation_of={zh.pk}").content.decode()
    assert 'value="en" selected' in form
    client.post(
        f"/knowledge/new/?translation_of={zh.pk}",
        {
            "language": "en",
            "title": "Template rejected",
            "problem": "Rejected.",
            "solution": "Fix it.",
            "audience": "public",
            "status": "published",
            "translation_of": zh.pk,
        },
    )
    assert zh.group.articles.count() == 2


def test_documents_upload_version_and_download(client, no_seed, personas):
    article = make_article(personas.lead)
    client.force_login(personas.lead)
    client.post(f"/knowledge/{article.pk}/documents/", {"title": "Procedure", "file": SimpleUploadedFile("p.pdf", PDF)})
    document = article.documents.get()
    client.post(f"/knowledge/documents/{document.pk}/versions/", {"file": SimpleUploadedFile("p2.pdf", PDF + b"2")})
    page = client.get(f"/knowledge/{article.pk}/").content.decode()
    assert "p2.pdf" in page and "Older versions" in page and "v1 · p.pdf" in page
    client.force_login(personas.viewer)
    download = client.get(f"/knowledge/documents/{document.pk}/versions/1/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"


def test_a_refused_upload_shows_why(client, no_seed, personas):
    article = make_article(personas.lead)
    client.force_login(personas.lead)
    response = client.post(
        f"/knowledge/{article.pk}/documents/", {"file": SimpleUploadedFile("run.exe", b"MZ")}, follow=True
    )
    assert "documents may be PDF, DOCX, XLSX or images" in response.content.decode()


def test_the_list_costs_the_same_for_many_articles_and_pages(client, personas, django_assert_max_num_queries):
    # The shipped articles (about 60 language versions) are there: more than one page.
    client.force_login(personas.agent)
    client.get("/knowledge/")
    with django_assert_max_num_queries(12):
        first = client.get("/knowledge/").content.decode()
    assert 'rel="next"' in first and "1–25 of" in first
    second = client.get("/knowledge/?page=2").content.decode()
    assert "26–50 of" in second


def test_long_unchanged_stretches_are_folded_in_the_diff(client, no_seed, personas):
    lines = [f"第 {n} 步：照做。" for n in range(1, 11)]
    article = make_article(personas.lead, solution="\n".join(lines))
    lines[7] = "第 8 步：先问客户。"
    actions.update_article(article=article, actor=personas.lead, solution="\n".join(lines))
    client.force_login(personas.agent)
    page = client.get(f"/knowledge/{article.pk}/versions/1/").content.decode()
    assert "… 5 unchanged lines …" in page
    assert "第 6 步" in page and "第 5 步" not in page  # two lines of context before the change
    assert '<ins class="kb-add">先问客户</ins>' in page


def test_the_review_date_survives_the_chinese_form(client, no_seed, personas):
    # The browser's date box takes only 2027-03-01; written as 2027/03/01 (Chinese) it showed empty,
    # and saving the form unchanged cleared the date.
    article = make_article(personas.lead, review_by=dt.date(2027, 3, 1))
    personas.admin.agent_profile.language = "zh-hans"
    personas.admin.agent_profile.save()
    client.force_login(personas.admin)
    page = client.get(f"/knowledge/{article.pk}/edit/").content.decode()
    box = re.search(r'<input type="date" name="review_by"[^>]*>', page)
    assert box is not None and 'value="2027-03-01"' in box.group(0)
