"""The one view that serves every registered panel (see core.panels)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from aftersales.core.panels import get_panel


@require_GET
@login_required
def panel(request: HttpRequest, page: str, key: str, ref: str) -> HttpResponse:
    """Render panel ``key`` of ``page`` for the object ``ref``.

    Unknown panel: 404. A user the panel is not for: 403. The panel's context function looks
    the object up through its app's access helper, so an object the user may not see is a 404.
    htmx gets the fragment; a browser without JavaScript (the ``<noscript>`` link) gets a page.
    """
    found = get_panel(page, key)
    if found is None:
        raise Http404("No such panel")
    if not found.allowed(request.user):
        raise PermissionDenied
    context = dict(found.context(request, ref))
    context.update(panel=found, panel_ref=ref)
    fragment = request.headers.get("HX-Request") == "true"
    return render(request, "core/_panel.html" if fragment else "core/panel_page.html", context)
