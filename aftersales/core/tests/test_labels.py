"""Punctuation around labels and asides follows the page's language (core.templatetags.labels)."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

PAGE = Template('{% load i18n labels %}{% translate "Owner" %}{% colon %}{{ who }} {{ late|paren }}')


def test_colon_and_brackets_in_english_and_chinese():
    context = Context({"who": "Lin Xiaoyu", "late": "<2 days ago>"})
    with translation.override("en"):
        assert PAGE.render(context) == "Owner: Lin Xiaoyu (&lt;2 days ago&gt;)"  # (still escaped)
    with translation.override("zh-hans"):
        assert PAGE.render(context) == "负责人：Lin Xiaoyu （&lt;2 days ago&gt;）"
