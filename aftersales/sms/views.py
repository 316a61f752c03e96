"""SMS pages of the agent UI: the template checker.

The checker writes nothing: the form is read, ``templatecheck.check`` runs, the page shows the
result. A POST (the text can be long) renders the page; an htmx request gets the result only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from aftersales.core.access import require_staff
from aftersales.sms.checking import shown_findings
from aftersales.sms.forms import TemplateCheckForm
from aftersales.sms.templatecheck import CheckResult, check

# Ready-made examples (links that check a template by GET), the cases the desk meets most.
EXAMPLES = [
    (
        _("Chinese OTP with a short link"),
        {
            "text": "【星河科技】您的验证码是123456，5分钟内有效，请勿泄露给他人。如非本人操作，请忽略本短信。"
            "查看详情 https://bit.ly/3xYzAbC 。感谢您使用星河科技的服务，祝您生活愉快！",
            "country": "CN",
            "purpose": "otp",
        },
    ),
    (
        _("OTP pasted from a word processor"),
        {"text": "Acme: your code is 123456 \u2014 don\u2019t share it with anyone\u2026", "purpose": "otp"},
    ),
    (
        _("India DLT template"),
        {
            "text": "Dear customer, your Acme order {#var#} has been shipped and will arrive by {#var#}. - Acme",
            "country": "IN",
            "purpose": "notification",
        },
    ),
    (
        _("Marketing without opt-out"),
        {"text": "Big sale this weekend: 50% off everything! Shop at tinyurl.com/acme-sale", "purpose": "marketing"},
    ),
]


def _marked_parts(result: CheckResult) -> list[dict[str, Any]]:
    """Each part as runs of (text, replacement-or-None, highlighted) so the template can mark the
    characters that forced UCS-2 without any markup in Python."""
    highlighted = result.highlighted
    replacements = {item.char: item.replacement for item in result.forcing}
    shown = []
    for number, (part, units) in enumerate(zip(result.parts, result.part_units, strict=True), start=1):
        runs: list[tuple[str, str | None, bool]] = []
        plain = ""
        for ch in part:
            if ch in highlighted:
                if plain:
                    runs.append((plain, None, False))
                    plain = ""
                runs.append((ch, replacements.get(ch), True))
            else:
                plain += ch
        if plain:
            runs.append((plain, None, False))
        shown.append({"number": number, "units": units, "runs": runs})
    return shown


@login_required
@require_http_methods(["GET", "POST"])
def template_check(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    # POST from the form (a template can be long); GET with ?text=… from the examples and shared links.
    data = request.POST if request.method == "POST" else (request.GET if "text" in request.GET else None)
    form = TemplateCheckForm(data)
    context: dict[str, Any] = {
        "form": form,
        "section": "template_check",
        "examples": [(label, urlencode(params)) for label, params in EXAMPLES],
    }
    status = 200
    if data is not None:
        if form.is_valid():
            cleaned = form.cleaned_data
            result = check(cleaned["text"], form.market(), cleaned["purpose"], sender=cleaned.get("sender") or None)
            context.update(
                {
                    "result": result,
                    "findings": shown_findings(result, request.user),
                    "parts": _marked_parts(result),
                    "limit": result.part_limit,
                }
            )
        elif not request.htmx:  # type: ignore[attr-defined]
            status = 400  # the live preview (htmx) keeps 200 so the errors are swapped in
    template = "sms/_check_result.html" if request.htmx else "sms/template_check.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)
