"""SMS pages of the agent UI: the template checker.

The checker writes nothing: the form is read, ``templatecheck.check`` runs, the page shows the
result. A POST (the text can be long) renders the page; an htmx request gets the result only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from aftersales.core.access import require_staff
from aftersales.sms.checking import shown_findings
from aftersales.sms.forms import TemplateCheckForm
from aftersales.sms.templatecheck import CheckResult, check


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
    form = TemplateCheckForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "section": "template_check"}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            result = check(data["text"], form.market(), data["purpose"], sender=data.get("sender") or None)
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
