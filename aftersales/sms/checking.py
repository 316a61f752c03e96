"""The Django side of the template checker: findings in the reader's language, each with a link
to its knowledge article (in the reader's language when that version exists). Used by the page
and the API, so both say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aftersales.knowledge.access import articles_visible_to
from aftersales.sms.templatecheck import CheckResult, Finding


@dataclass(frozen=True)
class ShownFinding:
    code: str
    severity: str
    message: str
    article: str | None
    article_url: str | None = None
    article_title: str | None = None


def finding_message(finding: Finding) -> str:
    """The finding's message translated (``MESSAGES`` are marked with ``gettext_noop``) and filled in."""
    template = _(finding.message_template)
    return template % finding.params if finding.params else template.replace("%%", "%")


def _articles(user: Any, slugs: set[str]) -> dict[str, tuple[str, str]]:
    """slug → (url, title), preferring the reader's language, then English, then any; one query."""
    if not slugs:
        return {}
    preferred = [get_language() or "en", "en"]
    found: dict[str, tuple[int, str, str]] = {}
    for article in articles_visible_to(user).filter(group__key__in=slugs).select_related("group"):
        rank = preferred.index(article.language) if article.language in preferred else len(preferred)
        key = article.group.key
        if key not in found or rank < found[key][0]:
            found[key] = (rank, reverse("knowledge:article", args=[article.pk]), article.title)
    return {key: (url, title) for key, (_rank, url, title) in found.items()}


def shown_findings(result: CheckResult, user: Any) -> list[ShownFinding]:
    links = _articles(user, {f.article for f in result.findings if f.article})
    shown = []
    for finding in result.findings:
        url, title = links.get(finding.article or "", (None, None))
        shown.append(
            ShownFinding(finding.code, finding.severity, finding_message(finding), finding.article, url, title)
        )
    return shown
