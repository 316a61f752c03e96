"""The panel registry and the one view that serves registered panels (core.panels, core.panel_views)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.http import Http404, HttpRequest
from django.urls import reverse

from aftersales.core import panels
from aftersales.core.access import is_staff_member, roles_of

pytestmark = pytest.mark.django_db


def _context(request: HttpRequest, ref: str) -> dict[str, Any]:
    if ref == "hidden":  # stands for "the app's access helper says this user may not see it"
        raise Http404("No such thing")
    # core/_form_errors.html shows form.non_field_errors: enough to see what the panel got.
    return {"form": {"non_field_errors": [f"Panel about {ref} for {request.user}"]}}


def _leads_only(user: Any) -> bool:
    return "lead" in roles_of(user)


@pytest.fixture
def sample_panels() -> Iterator[None]:
    saved = dict(panels._panels)
    panels.register_panel(panels.Panel(key="zz-sample", title="Sample", page="customer", order=900,
                                       template_name="core/_form_errors.html", context=_context,
                                       allowed=is_staff_member))
    panels.register_panel(panels.Panel(key="zz-leads", title="Leads only", page="customer", order=901,
                                       template_name="core/_form_errors.html", context=_context,
                                       allowed=_leads_only))
    yield
    panels._panels.clear()
    panels._panels.update(saved)


def url(key: str, ref: str = "acme", page: str = "customer") -> str:
    return reverse("core:panel", args=[page, key, ref])


HTMX = {"HTTP_HX_REQUEST": "true"}


def test_registry_orders_and_filters_by_user(sample_panels, personas):
    keys = [p.key for p in panels.panels_for("customer", personas.agent)]
    assert "zz-sample" in keys and "zz-leads" not in keys
    lead_keys = [p.key for p in panels.panels_for("customer", personas.lead)]
    assert lead_keys[-2:] == ["zz-sample", "zz-leads"]
    assert not any(p.key.startswith("zz-") for p in panels.panels_for("ticket", personas.lead))
    assert not any(p.key.startswith("zz-") for p in panels.panels_for("customer", personas.outsider))
    with pytest.raises(ValueError):
        panels.register_panel(panels.Panel(key="x", title="X", page="nowhere",  # type: ignore[arg-type]
                                           template_name="x.html", context=_context))


def test_anonymous_is_sent_to_sign_in(client, sample_panels):
    response = client.get(url("zz-sample"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_unknown_panel_or_page_is_404(client, personas, sample_panels):
    client.force_login(personas.agent)
    assert client.get(url("no-such-panel")).status_code == 404
    assert client.get(url("zz-sample", page="ticket")).status_code == 404
    assert client.get(url("zz-sample", page="nowhere")).status_code == 404


def test_panel_permission_is_403_and_hidden_objects_404(client, personas, sample_panels):
    client.force_login(personas.outsider)
    assert client.get(url("zz-sample")).status_code == 403
    client.force_login(personas.agent)
    assert client.get(url("zz-leads")).status_code == 403
    assert client.get(url("zz-sample", ref="hidden")).status_code == 404


def test_htmx_gets_the_fragment_and_a_browser_a_page(client, personas, sample_panels):
    client.force_login(personas.viewer)
    fragment = client.get(url("zz-sample"), **HTMX).content.decode()
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    assert "Sample" in fragment and "Panel about acme for" in fragment
    page = client.get(url("zz-sample")).content.decode()
    assert "<html" in page and "Panel about acme for" in page
    assert client.post(url("zz-sample")).status_code == 405


def test_placeholders_lazy_load_with_a_noscript_link(rf, personas, sample_panels):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = personas.lead
    html = Template('{% load panels %}{% panel_placeholders "customer" "acme" %}').render(
        Context({"request": request}))
    for key in ("zz-sample", "zz-leads"):
        section = html.split(f'data-testid="panel-{key}"')[1].split("</section>")[0]
        assert f'hx-get="{url(key)}"' in section and 'hx-trigger="load"' in section
        assert "Loading…" in section and f'<noscript><p><a href="{url(key)}">' in section
    request.user = personas.agent
    html = Template('{% load panels %}{% panel_placeholders "customer" "acme" %}').render(
        Context({"request": request}))
    assert "zz-sample" in html and "zz-leads" not in html
