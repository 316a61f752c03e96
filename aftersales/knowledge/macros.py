"""Rendering reply templates: Django's template language on a small context of plain strings.

A template may use ``{{ contact.name }}``, ``{{ customer.name }}``, ``{{ ticket.ref }}``,
``{{ ticket.subject }}`` and ``{{ agent.name }}`` (and Django's filters, e.g. ``|upper``).
The context holds strings only — never model objects — so a template cannot reach anything
else. Autoescaping is off: replies are plain text. A variable with no value on this ticket (no
contact yet) or a name we do not know renders as ``[contact.name]`` and is listed in
``missing``, so the agent sees what to fill in instead of a silent gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import VariableNode
from django.utils.translation import gettext as _

VARIABLES = ("contact.name", "customer.name", "ticket.ref", "ticket.subject", "agent.name")

_engine = Engine(autoescape=False, string_if_invalid="[%s]", libraries={}, loaders=[])


@dataclass
class Rendered:
    text: str
    missing: list[str] = field(default_factory=list)
    error: str = ""


_COMPLETE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def check_syntax(body: str) -> str:
    """An error message for a template that cannot be rendered, or ""."""
    leftover = _COMPLETE_TAG.sub("", body)
    if "{{" in leftover or "{%" in leftover:  # Django would print an unclosed tag as text
        return _("The template has an error: a “{{” or “{%” is not closed.")
    try:
        _engine.from_string(body)
    except TemplateSyntaxError as exc:
        return _("The template has an error: %(error)s") % {"error": exc}
    return ""


def context_for(*, ticket: Any = None, agent: Any = None) -> dict[str, dict[str, str]]:
    """The variables' values for ``ticket`` and ``agent``; a value nobody knows is left out."""
    values: dict[str, dict[str, str]] = {}
    if ticket is not None:
        values["ticket"] = {"ref": ticket.ref, "subject": ticket.subject}
        if ticket.contact_id and ticket.contact.name:
            values["contact"] = {"name": ticket.contact.name}
        if ticket.customer_id and ticket.customer.name:
            values["customer"] = {"name": ticket.customer.name}
    if agent is not None and getattr(agent, "is_authenticated", False):
        profile = getattr(agent, "agent_profile", None)
        values["agent"] = {"name": profile.display_name if profile else agent.get_username()}
    return values


def _lookup(values: dict[str, Any], name: str) -> bool:
    current: Any = values
    for part in name.split("."):
        if not isinstance(current, dict) or part not in current:
            return False
        current = current[part]
    return True


def render(body: str, values: dict[str, Any]) -> Rendered:
    problem = check_syntax(body)
    if problem:
        return Rendered(text=body, error=problem)
    template = _engine.from_string(body)
    missing: list[str] = []
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        var = getattr(getattr(node, "filter_expression", None), "var", None)
        name = getattr(var, "var", None)  # a Variable (not a literal string)
        if isinstance(name, str) and not _lookup(values, name) and name not in missing:
            missing.append(name)
    try:
        text = template.render(Context(values, autoescape=False))
    except Exception as exc:  # a filter that fails on its input: say so, never a 500
        return Rendered(text=body, error=_("The template could not be filled in: %(error)s") % {"error": exc})
    return Rendered(text=text, missing=missing)
