"""Every page an agent can reach fits the screen: with the demo desk loaded, a lead follows every link
from the queue (one page per kind of address), in English and in Chinese, and no page scrolls
sideways at 1,280 px (a laptop) or at 390 px (a phone), answers with an error, or logs a script or
policy error in the browser's console (real Chromium, Playwright)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command

from aftersales.demo.data import DEMO_PASSWORD
from aftersales.people.models import AgentProfile
from aftersales.testing.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (1280, 390)
# Not pages: downloads, signing out, other apps' own front doors.
SKIP = re.compile(r"/(logout|signout|export|download|documents|attachments|files|media|static|api|admin|i18n|portal)\b")
# For a page wider than the screen: the elements that stick out, outside any box that scrolls by itself.
STICKING_OUT = """() => {
  const width = window.innerWidth, found = [];
  const inScroller = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  for (const el of document.querySelectorAll('body *')) {
    const right = el.getBoundingClientRect().right;
    const leaf = [...el.children].every(c => c.getBoundingClientRect().right <= width + 1);
    if (right > width + 1 && leaf && !inScroller(el))
      found.push(`${el.tagName.toLowerCase()}.${el.className} +${Math.round(right - width)}px ` +
                 `“${el.textContent.trim().slice(0, 40)}”`);
  }
  return found.slice(0, 3);
}"""


def _kind(href: str) -> str:
    """One page per kind of address: /tickets/AS-000123/ and /tickets/AS-000124/ are the same kind."""
    return re.sub(r"\d+", "N", href.split("?")[0].split("#")[0])


def _settle(page: Any) -> None:
    """Wait for the panels that load after the page (htmx marks them while their request runs)."""
    for _attempt in range(100):
        if not page.evaluate("Boolean(document.querySelector('.htmx-request'))"):
            return
        page.wait_for_timeout(50)


def _walk(page: Any, base: str) -> tuple[int, list[str]]:
    """Follow every link from the queue; returns how many pages were seen and what was wrong."""
    problems: list[str] = []
    def console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"{page.url}: console: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: script error: {error}"))
    seen: set[str] = set()
    queue = ["/tickets/"]
    pages = 0
    while queue and pages < 300:
        href = queue.pop(0)
        if _kind(href) in seen or SKIP.search(href):
            continue
        seen.add(_kind(href))
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        response = page.goto(base + href)
        _settle(page)
        pages += 1
        if response is None or response.status >= 400:
            problems.append(f"{href}: HTTP {response.status if response else '—'}")
            continue
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{href} at {width} px: {overflow} px too wide: {page.evaluate(STICKING_OUT)}")
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        for link in page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.getAttribute('href'))"):
            if _kind(link) not in seen:
                queue.append(link.split("#")[0])
    return pages, problems


def test_every_page_fits_a_laptop_and_a_phone_in_both_languages(page: Any, live_server: Any) -> None:
    call_command("demo", tickets=60, stdout=io.StringIO())
    sign_in(page, live_server, "demo-lead", DEMO_PASSWORD)
    report = []
    for language in ("zh-hans", "en"):
        AgentProfile.objects.filter(user__username="demo-lead").update(language=language)
        pages, problems = _walk(page, live_server.url)
        assert pages > 100, f"only {pages} pages reached in {language}: the walk lost its way"
        report += [f"[{language}] {problem}" for problem in problems]
    assert not report, "\n".join(report)

