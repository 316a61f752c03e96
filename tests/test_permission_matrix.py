"""The permission matrix: every persona × every URL and API endpoint → the expected status.

Kept as data so a reader sees the whole policy at a glance, and checked exhaustively: a URL
added without a row here fails ``test_every_url_is_in_the_matrix``. No cell may be a 500.
Later issues add personas (portal contacts of a master / sub-account) and rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from aftersales.people.tokens import issue_token
from aftersales.routing.models import RoutingRule
from aftersales.sla.models import Calendar, CalendarOverride, Policy
from aftersales.testing.factories import make_ticket
from aftersales.tickets import actions

# Portal contacts (issue 4): a contact of the master account and one of its sub-account. On every
# agent URL they are treated like the outsider (signed in, no desk role) unless a row says otherwise.
CONTACTS = ("contact_master", "contact_sub")
PERSONAS = ("anonymous", "outsider", "viewer", "agent", "lead", "admin", *CONTACTS)
WRITERS = ("agent", "lead", "admin")
STAFF = ("viewer", *WRITERS)

Expect = int | frozenset[int]


def policy(*, anonymous: Expect, outsider: Expect, viewer: Expect, writer: Expect) -> dict[str, Expect]:
    return {"anonymous": anonymous, "outsider": outsider, "viewer": viewer, **dict.fromkeys(WRITERS, writer)}


DONE = frozenset({200, 302, 400})  # a writer's request ran: redirected on success, 400 when the form refuses
API_DONE = frozenset({200, 201, 400, 422})

PUBLIC = policy(anonymous=200, outsider=200, viewer=200, writer=200)
PAGE = policy(anonymous=302, outsider=403, viewer=200, writer=200)
OBJECT_PAGE = policy(anonymous=302, outsider=404, viewer=200, writer=200)
WRITE_PAGE = policy(anonymous=302, outsider=403, viewer=403, writer=200)
OBJECT_WRITE_PAGE = policy(anonymous=302, outsider=404, viewer=403, writer=200)
POST = policy(anonymous=302, outsider=403, viewer=403, writer=DONE)
OBJECT_POST = policy(anonymous=302, outsider=404, viewer=403, writer=DONE)
API_READ = policy(anonymous=401, outsider=403, viewer=200, writer=200)
API_WRITE = policy(anonymous=401, outsider=403, viewer=403, writer=API_DONE)
LEAD_PAGE: dict[str, Expect] = {
    "anonymous": 302, "outsider": 403, "viewer": 403, "agent": 403, "lead": 200, "admin": 200,
}
# Reports: leads and admins run the desk, viewers watch it; agents do not see the team's figures.
REPORT_PAGE: dict[str, Expect] = {
    "anonymous": 302, "outsider": 403, "viewer": 200, "agent": 403, "lead": 200, "admin": 200,
}
LEAD_POST: dict[str, Expect] = {
    "anonymous": 302, "outsider": 403, "viewer": 403, "agent": 403, "lead": DONE, "admin": DONE,
}
# A customer's personal data (export, erasure): admins only, leads included among the refused.
ADMIN_PAGE: dict[str, Expect] = {**LEAD_PAGE, "lead": 403}
ADMIN_POST: dict[str, Expect] = {**LEAD_POST, "lead": 403}

# Knowledge articles: a published article is changed by leads and admins only (agents edit their own drafts).
KB_LEAD_OBJECT_PAGE: dict[str, Expect] = {**LEAD_PAGE, "outsider": 404}
KB_LEAD_OBJECT_POST: dict[str, Expect] = {**LEAD_POST, "outsider": 404}


def portal(*, anonymous: Expect, others: Expect, contact_master: Expect, contact_sub: Expect) -> dict[str, Expect]:
    """A portal row: ``others`` is everyone signed in without being a contact (outsider and desk staff)."""
    return {
        "anonymous": anonymous, **dict.fromkeys(("outsider", *STAFF), others),
        "contact_master": contact_master, "contact_sub": contact_sub,
    }


PORTAL_ANYONE = portal(anonymous=200, others=200, contact_master=200, contact_sub=200)
PORTAL_PAGE = portal(anonymous=302, others=403, contact_master=200, contact_sub=200)
# {ref} is the master account's ticket: the sub-account's contact must get a 404, like a stranger.
PORTAL_MASTER_TICKET = portal(anonymous=302, others=403, contact_master=200, contact_sub=404)
PORTAL_MASTER_POST = portal(anonymous=302, others=403, contact_master=302, contact_sub=404)


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str  # formatted with the fixture's objects: {ref}, {code}, {contact}, {attachment}
    expect: dict[str, Expect]
    data: dict[str, Any] = field(default_factory=dict)


MATRIX: list[Row] = [
    # public
    Row("core:login", "GET", "/login/", policy(anonymous=200, outsider=302, viewer=302, writer=302)),
    Row(
        "core:set_language",
        "POST",
        "/i18n/setlang/",
        policy(anonymous=302, outsider=302, viewer=302, writer=302),
        {"language": "zh-hans", "next": "/"},
    ),
    Row("api:openapi-json", "GET", "/api/v1/openapi.json", PUBLIC),
    Row("api:openapi-view", "GET", "/api/v1/docs", PUBLIC),
    Row("api:api-root", "GET", "/api/v1/", policy(anonymous=404, outsider=404, viewer=404, writer=404)),
    # Operations (issue 10): probes for a load balancer, no sign-in; /readyz is 503 when a check fails.
    Row("ops:healthz", "GET", "/healthz", PUBLIC),
    Row("ops:readyz", "GET", "/readyz", PUBLIC),
    # /metrics goes by network and bearer token, not by persona: the test client comes from 127.0.0.1
    # (allowed by default) without the token the matrix's settings require, so everyone gets a 401.
    # aftersales/ops/tests/test_metrics.py checks the token and the networks themselves.
    Row("ops:metrics", "GET", "/metrics", policy(anonymous=401, outsider=401, viewer=401, writer=401)),
    # session
    # A customer contact who lands on the desk's home is sent to the portal.
    Row("core:home", "GET", "/", {**policy(anonymous=302, outsider=403, viewer=302, writer=302),
                                  **dict.fromkeys(CONTACTS, 302)}),
    Row("core:logout", "POST", "/logout/", policy(anonymous=302, outsider=302, viewer=302, writer=302)),
    Row("core:panel", "GET", "/panels/customer/tickets/{code}/", PAGE),
    # search (issue 5): staff only, like every desk page; a reference jumps to the ticket
    Row("core:search", "GET", "/search/?q=vietnam", PAGE),
    Row("core:search", "GET", "/search/?q={ref}", policy(anonymous=302, outsider=403, viewer=302, writer=302)),
    # tickets
    Row("tickets:queue", "GET", "/tickets/", PAGE),
    Row("tickets:new", "GET", "/tickets/new/", WRITE_PAGE),
    Row("tickets:new_contacts", "GET", "/tickets/new/contacts/?customer={customer_pk}", WRITE_PAGE),
    Row(
        "tickets:new",
        "POST",
        "/tickets/new/",
        POST,
        {"channel": "phone", "subject": "Caller asked about prices", "priority": "3"},
    ),
    Row("tickets:detail", "GET", "/tickets/{ref}/", OBJECT_PAGE),
    Row("tickets:reply", "POST", "/tickets/{ref}/reply/", OBJECT_POST, {"kind": "note", "body": "checked"}),
    Row("tickets:status", "POST", "/tickets/{ref}/status/", OBJECT_POST, {"status": "open"}),
    Row("tickets:assign", "POST", "/tickets/{ref}/assign/", OBJECT_POST, {"owner": ""}),
    Row("tickets:assign_to_me", "POST", "/tickets/{ref}/assign-to-me/", OBJECT_POST),
    Row(
        "tickets:properties",
        "POST",
        "/tickets/{ref}/properties/",
        OBJECT_POST,
        {"subject": "Renamed", "priority": "2", "tags": "vn"},
    ),
    Row("tickets:set_customer", "POST", "/tickets/{ref}/customer/", OBJECT_POST, {"customer": ""}),
    Row("tickets:merge", "POST", "/tickets/{ref}/merge/", OBJECT_POST, {"merge-ref": "AS-999999"}),
    Row("tickets:link", "POST", "/tickets/{ref}/link/", OBJECT_POST, {"link-ref": "{other_ref}"}),
    Row("tickets:attachment", "GET", "/tickets/{ref}/attachments/{attachment}/", OBJECT_PAGE),
    # Workload: leads and admins balance it, viewers watch it; agents do not see each other's numbers.
    Row(
        "tickets:workload",
        "GET",
        "/tickets/workload/",
        {"anonymous": 302, "outsider": 403, "viewer": 200, "agent": 403, "lead": 200, "admin": 200},
    ),
    # Root causes: every staff member reads the list; leads and admins change it.
    Row("tickets:root_causes", "GET", "/tickets/root-causes/", PAGE),
    Row("tickets:root_causes", "POST", "/tickets/root-causes/", LEAD_POST,
        {"new-code": "matrix-cause", "new-name_en": "Matrix", "new-name_zh": "矩阵", "new-order": "5"}),
    Row("tickets:root_cause_edit", "POST", "/tickets/root-causes/{root_cause}/", LEAD_POST,
        {"edit-code": "other", "edit-name_en": "Other", "edit-name_zh": "其他", "edit-order": "90"}),
    Row("reports:tickets", "GET", "/reports/tickets/?set=created&period=2026-10", REPORT_PAGE),
    Row("reports:dashboard", "GET", "/reports/?period=2026-10", REPORT_PAGE),
    # routing: every staff member reads the rules; leads and admins change them
    Row("routing:rules", "GET", "/routing/rules/", PAGE),
    Row("routing:rule_new", "GET", "/routing/rules/new/", LEAD_PAGE),
    Row(
        "routing:rule_new",
        "POST",
        "/routing/rules/new/",
        LEAD_POST,
        {"name": "Fraud", "keywords": "盗刷, fraud", "strategy": "fixed", "owner": "{agent}", "is_active": "on"},
    ),
    Row("routing:rule_edit", "GET", "/routing/rules/{rule}/edit/", LEAD_PAGE),
    Row("routing:rule_edit", "POST", "/routing/rules/{rule}/edit/", LEAD_POST, {"name": "", "strategy": "fixed"}),
    Row("routing:rule_move", "POST", "/routing/rules/{rule}/move/", LEAD_POST, {"direction": "down"}),
    Row("routing:rule_delete", "POST", "/routing/rules/{rule}/delete/", LEAD_POST),
    Row("routing:settings", "POST", "/routing/settings/", LEAD_POST, {"triage_team": ""}),
    # sla: staff read calendars and policies; leads and admins change them
    Row("sla:index", "GET", "/sla/", policy(anonymous=302, outsider=302, viewer=302, writer=302)),
    Row("sla:calendars", "GET", "/sla/calendars/", PAGE),
    Row("sla:calendar_new", "GET", "/sla/calendars/new/", LEAD_PAGE),
    Row("sla:calendar_new", "POST", "/sla/calendars/new/", LEAD_POST, {"name": "", "timezone": "Asia/Shanghai"}),
    Row("sla:calendar", "GET", "/sla/calendars/{calendar}/?year=2027", PAGE),
    Row("sla:calendar_edit", "GET", "/sla/calendars/{calendar}/edit/", LEAD_PAGE),
    Row("sla:calendar_edit", "POST", "/sla/calendars/{calendar}/edit/", LEAD_POST, {"name": "", "day_0": "9-5"}),
    Row(
        "sla:override_new",
        "POST",
        "/sla/calendars/{calendar}/overrides/",
        LEAD_POST,
        {"date": "2027-02-20", "is_workday": "1", "note": "Spring Festival make-up"},
    ),
    Row("sla:override_delete", "POST", "/sla/calendars/{calendar}/overrides/{override}/delete/", LEAD_POST),
    Row("sla:policies", "GET", "/sla/policies/", PAGE),
    Row("sla:policy_new", "GET", "/sla/policies/new/", LEAD_PAGE),
    Row("sla:policy_new", "POST", "/sla/policies/new/", LEAD_POST, {"name": "", "order": "5"}),
    Row("sla:policy_edit", "GET", "/sla/policies/{sla_policy}/edit/", LEAD_PAGE),
    Row("sla:policy_edit", "POST", "/sla/policies/{sla_policy}/edit/", LEAD_POST, {"name": "", "order": "5"}),
    # customers
    Row("customers:list", "GET", "/customers/", PAGE),
    Row("customers:new", "GET", "/customers/new/", WRITE_PAGE),
    Row("customers:new", "POST", "/customers/new/", POST, {"code": "kaito", "name": "Kaito Pay"}),
    Row("customers:detail", "GET", "/customers/{code}/", OBJECT_PAGE),
    Row("customers:edit", "GET", "/customers/{code}/edit/", OBJECT_WRITE_PAGE),
    Row("customers:edit", "POST", "/customers/{code}/edit/", OBJECT_POST, {"name": ""}),
    Row("customers:contact_new", "GET", "/customers/{code}/contacts/new/", OBJECT_WRITE_PAGE),
    Row("customers:contact_new", "POST", "/customers/{code}/contacts/new/", OBJECT_POST, {"name": "Wu Lei"}),
    Row("customers:contact_edit", "GET", "/customers/{code}/contacts/{contact}/edit/", OBJECT_WRITE_PAGE),
    Row(
        "customers:contact_edit",
        "POST",
        "/customers/{code}/contacts/{contact}/edit/",
        OBJECT_POST,
        {"name": "Zhou Min", "phone": "not a phone"},
    ),
    # people
    Row("people:settings", "GET", "/me/", PAGE),
    Row(
        "people:settings",
        "POST",
        "/me/",
        policy(anonymous=302, outsider=403, viewer=DONE, writer=DONE),
        {"display_name": "Me", "language": "en", "timezone": "Asia/Shanghai"},
    ),
    Row(
        "people:language",
        "POST",
        "/me/language/",
        policy(anonymous=302, outsider=403, viewer=302, writer=302),
        {"language": "en", "next": "/tickets/"},
    ),
    Row("people:two_factor", "GET", "/me/two-factor/", PAGE),
    Row(
        "people:two_factor",
        "POST",
        "/me/two-factor/",
        policy(anonymous=302, outsider=403, viewer=400, writer=400),
        {"action": "enrol", "code": "000000"},
    ),
    # Nobody in the matrix has an authenticator app: the verify step sends them on.
    Row("people:two_factor_verify", "GET", "/me/two-factor/verify/", policy(anonymous=302, outsider=302,
                                                                          viewer=302, writer=302)),
    Row(
        "people:two_factor_verify",
        "POST",
        "/me/two-factor/verify/",
        policy(anonymous=302, outsider=302, viewer=302, writer=302),
        {"code": "000000"},
    ),
    # API
    Row("api:list_customers", "GET", "/api/v1/customers", API_READ),
    Row("api:create_customer", "POST", "/api/v1/customers", API_WRITE, {"code": "api-made", "name": "API Made Ltd"}),
    Row(
        "api:get_customer",
        "GET",
        "/api/v1/customers/{code}",
        policy(anonymous=401, outsider=403, viewer=200, writer=200),
    ),
    Row("api:update_customer", "PATCH", "/api/v1/customers/{code}", API_WRITE, {"notes": "VIP"}),
    Row("api:list_contacts", "GET", "/api/v1/customers/{code}/contacts", API_READ),
    Row("api:create_contact", "POST", "/api/v1/customers/{code}/contacts", API_WRITE, {"name": "Wu Lei"}),
    Row("api:list_tickets", "GET", "/api/v1/tickets", API_READ),
    Row("api:create_ticket", "POST", "/api/v1/tickets", API_WRITE, {"subject": "From the API"}),
    Row("api:get_ticket", "GET", "/api/v1/tickets/{ref}", API_READ),
    Row("api:reply", "POST", "/api/v1/tickets/{ref}/replies", API_WRITE, {"body": "On it"}),
    Row("api:note", "POST", "/api/v1/tickets/{ref}/notes", API_WRITE, {"body": "Checked logs"}),
    Row("api:assign", "POST", "/api/v1/tickets/{ref}/assign", API_WRITE, {"owner": None}),
    Row("api:change_status", "POST", "/api/v1/tickets/{ref}/status", API_WRITE, {"status": "open"}),
    Row("api:list_calendars", "GET", "/api/v1/sla/calendars", API_READ),
    Row("api:search", "GET", "/api/v1/search?q=vietnam", API_READ),
    Row("api:search", "GET", "/api/v1/search", policy(anonymous=401, outsider=403, viewer=422, writer=422)),
    Row(
        "api:calendar_workdays",
        "GET",
        "/api/v1/sla/calendars/{calendar}/workdays?start=2026-01-01&end=2026-12-31",
        API_READ,
    ),
    # notifications (piece B of issue 3): each person's own list; another's id is a 404
    Row("notify:list", "GET", "/notifications/", PAGE),
    Row(
        "notify:read_all",
        "POST",
        "/notifications/read-all/",
        policy(anonymous=302, outsider=403, viewer=302, writer=302),
    ),
    Row(
        "notify:read",
        "POST",
        "/notifications/999999/read/",
        policy(anonymous=302, outsider=403, viewer=404, writer=404),
    ),
    # chat (issue 4): the signed webhook answers 401 to anyone without a valid signature, signed in or not
    Row(
        "chat_hooks:webhook",
        "POST",
        "/hooks/chat/{chat_slug}",
        policy(anonymous=401, outsider=401, viewer=401, writer=401),
    ),
    # chat channels and IM targets: every staff member reads; leads and admins configure
    Row("chat:overview", "GET", "/chat/", PAGE),
    Row("chat:channel_new", "GET", "/chat/channels/new/", LEAD_PAGE),
    Row("chat:channel_new", "POST", "/chat/channels/new/", LEAD_POST, {"name": "", "slug": "x", "kind": "wecom"}),
    Row("chat:channel_edit", "GET", "/chat/channels/{chat_channel}/edit/", LEAD_PAGE),
    Row("chat:channel_edit", "POST", "/chat/channels/{chat_channel}/edit/", LEAD_POST, {"name": "", "kind": "wecom"}),
    Row("chat:target_new", "GET", "/chat/targets/new/", LEAD_PAGE),
    Row("chat:target_new", "POST", "/chat/targets/new/", LEAD_POST, {"name": "", "kind": "slack"}),
    Row("chat:target_edit", "GET", "/chat/targets/{im_target}/edit/", LEAD_PAGE),
    Row("chat:target_edit", "POST", "/chat/targets/{im_target}/edit/", LEAD_POST, {"name": "", "kind": "slack"}),
    Row("chat:target_test", "POST", "/chat/targets/{im_target}/test/", LEAD_POST),
    Row("chat:target_delete", "POST", "/chat/targets/{im_target}/delete/", LEAD_POST),
    # mail problems (issue 4): failed and ignored inbound mail, for leads and admins
    Row("mail:problems", "GET", "/mail/problems/", LEAD_PAGE),
    Row("mail:raw", "GET", "/mail/inbound/{inbound}/raw/", LEAD_PAGE),
    Row("mail:retry", "POST", "/mail/inbound/{inbound}/retry/", LEAD_POST),
    # a failed outgoing reply, sent again from the ticket page by whoever may write to the ticket
    Row("mail:outbound_retry", "POST", "/mail/outbound/{outbound}/retry/", OBJECT_POST),
    # knowledge (issue 5): every desk member reads; writers draft; leads publish, restore and see the gaps
    Row("knowledge:articles", "GET", "/knowledge/", PAGE),
    Row("knowledge:article_new", "GET", "/knowledge/new/", WRITE_PAGE),
    Row(
        "knowledge:article_new",
        "POST",
        "/knowledge/new/",
        POST,
        {"language": "en", "title": "", "problem": "", "solution": "", "audience": "internal", "status": "draft"},
    ),
    Row("knowledge:gaps", "GET", "/knowledge/gaps/", LEAD_PAGE),
    Row("knowledge:article", "GET", "/knowledge/{article}/", OBJECT_PAGE),
    Row("knowledge:article_edit", "GET", "/knowledge/{article}/edit/", KB_LEAD_OBJECT_PAGE),
    Row("knowledge:article_edit", "POST", "/knowledge/{article}/edit/", KB_LEAD_OBJECT_POST, {"title": ""}),
    Row("knowledge:history", "GET", "/knowledge/{article}/history/", OBJECT_PAGE),
    Row("knowledge:diff", "GET", "/knowledge/{article}/versions/1/", OBJECT_PAGE),
    Row("knowledge:restore", "POST", "/knowledge/{article}/versions/1/restore/", KB_LEAD_OBJECT_POST),
    Row("knowledge:document_add", "POST", "/knowledge/{article}/documents/", KB_LEAD_OBJECT_POST),
    Row("knowledge:document_version_add", "POST", "/knowledge/documents/{document}/versions/", KB_LEAD_OBJECT_POST),
    Row("knowledge:document_download", "GET", "/knowledge/documents/{document}/versions/1/", OBJECT_PAGE),
    # reply templates: writers keep their own; the shared one ({macro}) is changed by leads and admins
    Row("knowledge:macros", "GET", "/knowledge/macros/", WRITE_PAGE),
    Row("knowledge:macro_new", "GET", "/knowledge/macros/new/", WRITE_PAGE),
    Row("knowledge:macro_new", "POST", "/knowledge/macros/new/", POST, {"body_en": ""}),
    Row("knowledge:macro_edit", "GET", "/knowledge/macros/{macro}/edit/", LEAD_PAGE),
    Row("knowledge:macro_edit", "POST", "/knowledge/macros/{macro}/edit/", LEAD_POST, {"body_en": ""}),
    Row("knowledge:macro_delete", "POST", "/knowledge/macros/{macro}/delete/", LEAD_POST),
    Row("knowledge:macro_choices", "GET", "/knowledge/macros/for/{ref}/", OBJECT_WRITE_PAGE),
    Row("knowledge:macro_apply", "POST", "/knowledge/macros/{macro}/apply/{ref}/", OBJECT_POST),
    Row("knowledge:solution_mark", "POST", "/knowledge/solved/{ref}/", OBJECT_POST, {"article": "{article}"}),
    Row("knowledge:solution_unmark", "POST", "/knowledge/solved/{ref}/remove/", OBJECT_POST, {"article": "{article}"}),
    Row("core:panel", "GET", "/panels/ticket/knowledge/{ref}/", PAGE),
    # SMS template checker (issue 6): every desk member checks templates (nothing is written); the API is a POST,
    # so, like every API POST, it needs a writer's role.
    Row("sms:template_check", "GET", "/sms/template-check/", PAGE),
    Row(
        "sms:template_check",
        "POST",
        "/sms/template-check/",
        policy(anonymous=302, outsider=403, viewer=200, writer=200),
        {"text": "Your code is 1234", "country": "CN", "purpose": "otp"},
    ),
    Row("api:template_check", "POST", "/api/v1/sms/template-check", API_WRITE, {"text": "Your code is 1234"}),
    # SMS balances (issue 6): the balance panel on the customer and ticket pages, staff only, read-only
    Row("core:panel", "GET", "/panels/customer/sms-balance/{code}/", PAGE),
    Row("core:panel", "GET", "/panels/ticket/sms-balance/{ref}/", PAGE),
    Row("sms:balance_alerts", "GET", "/sms/customers/{code}/balance-alerts/", OBJECT_PAGE),
    Row("sms:balance_alerts", "POST", "/sms/customers/{code}/balance-alerts/", OBJECT_POST, {"runway_hours": "48"}),
    # SMS numbers (issue 6): staff read them; writers add, edit, release and sync; the panel on the customer page
    Row("sms:numbers", "GET", "/sms/numbers/?problems=on", PAGE),
    Row("sms:number_new", "GET", "/sms/numbers/new/?customer={code}", WRITE_PAGE),
    Row(
        "sms:number_new",
        "POST",
        "/sms/numbers/new/",
        POST,
        {"customer": "{customer_pk}", "msisdn": "+44 20 7946 0188", "type": "long", "features": ["SMS"],
         "currency": "EUR", "status": "active"},
    ),
    Row("sms:number_edit", "GET", "/sms/numbers/{phone_number}/edit/", OBJECT_WRITE_PAGE),
    Row(
        "sms:number_edit",
        "POST",
        "/sms/numbers/{phone_number}/edit/",
        OBJECT_POST,
        {"customer": "{customer_pk}", "msisdn": "+442079460177", "type": "long", "features": ["SMS"],
         "inbound_webhook_url": "https://hooks.example.test/in", "currency": "EUR", "status": "active"},
    ),
    Row("sms:number_release", "POST", "/sms/numbers/{phone_number}/release/", OBJECT_POST),
    Row("sms:number_sync", "POST", "/sms/numbers/sync/{numbers_account}/", POST),
    Row("core:panel", "GET", "/panels/customer/sms-numbers/{code}/", PAGE),
    Row("api:list_numbers", "GET", "/api/v1/sms/numbers?problems=true", API_READ),
    # SMS vendor cases (issue 6): every desk member reads; writers open, link, post updates and change them
    Row("sms:case_list", "GET", "/sms/cases/", PAGE),
    Row("sms:case_list", "GET", "/sms/cases/?status=open&vendor=vonage", PAGE),
    Row("sms:case_new", "GET", "/sms/cases/new/?ticket={ref}", WRITE_PAGE),
    Row("sms:case_new", "POST", "/sms/cases/new/", POST, {"vendor": "vonage", "case_number": "0555", "subject": "M"}),
    Row("sms:case_figures", "GET", "/sms/cases/figures/", PAGE),
    Row("sms:case_detail", "GET", "/sms/cases/{vendor_case}/", OBJECT_PAGE),
    Row("sms:case_link", "POST", "/sms/cases/{vendor_case}/link/", OBJECT_POST, {"ref": "{other_ref}"}),
    Row("sms:case_unlink", "POST", "/sms/cases/{vendor_case}/unlink/", OBJECT_POST, {"ref": "{case_ref}"}),
    Row("sms:case_update", "POST", "/sms/cases/{vendor_case}/updates/", OBJECT_POST, {"body": "Vendor is on it"}),
    Row("sms:case_response", "POST", "/sms/cases/{vendor_case}/responses/", OBJECT_POST, {"body": "Checking"}),
    Row("sms:case_status", "POST", "/sms/cases/{vendor_case}/status/", OBJECT_POST, {"status": "resolved"}),
    Row("sms:case_note", "POST", "/sms/cases/{vendor_case}/notes/", OBJECT_POST, {"kind": "note", "body": "Noted"}),
    Row("core:panel", "GET", "/panels/ticket/sms-vendor-cases/{ref}/", PAGE),
    Row("api:list_vendor_cases", "GET", "/api/v1/sms/cases?status=open", API_READ),
    Row("api:get_vendor_case", "GET", "/api/v1/sms/cases/{vendor_case}", API_READ),
    Row("api:create_vendor_case", "POST", "/api/v1/sms/cases", API_WRITE, {"case_number": "0556", "subject": "API"}),
    Row(
        "api:link_vendor_case_ticket",
        "POST",
        "/api/v1/sms/cases/{vendor_case}/tickets",
        API_WRITE,
        {"ref": "{other_ref}"},
    ),
    Row("api:post_vendor_case_update", "POST", "/api/v1/sms/cases/{vendor_case}/updates", API_WRITE, {"body": "News"}),
    # SMS sender-ID registrations (issue 6): every desk member reads (dashboard, page, documents, lead times,
    # the customer panel); writers create and change registrations; leads and admins set expected lead times
    Row("sms:registrations", "GET", "/sms/registrations/", PAGE),
    Row("sms:registrations", "GET", "/sms/registrations/?overdue=1&status=open&country=AE", PAGE),
    Row("sms:registration_new", "GET", "/sms/registrations/new/?customer={code}", WRITE_PAGE),
    Row(
        "sms:registration_new",
        "POST",
        "/sms/registrations/new/",
        POST,
        {"customer": "{registration_customer}", "country": "GB", "type": "alphanumeric", "sender_id": "MATRIX"},
    ),
    Row("sms:registration_detail", "GET", "/sms/registrations/{registration}/", OBJECT_PAGE),
    Row(
        "sms:registration_transition",
        "POST",
        "/sms/registrations/{registration}/move/",
        OBJECT_POST,
        {"to_status": "submitted"},
    ),
    Row("sms:registration_owner", "POST", "/sms/registrations/{registration}/owner/", OBJECT_POST, {"owner": ""}),
    Row(
        "sms:registration_vendor_reference",
        "POST",
        "/sms/registrations/{registration}/vendor-reference/",
        OBJECT_POST,
        {"vendor_reference": "GSID-1"},
    ),
    Row("sms:registration_document_add", "POST", "/sms/registrations/{registration}/documents/", OBJECT_POST),
    Row(
        "sms:registration_document",
        "GET",
        "/sms/registrations/{registration}/documents/{registration_document}/",
        OBJECT_PAGE,
    ),
    Row("sms:lead_times", "GET", "/sms/lead-times/", PAGE),
    Row(
        "sms:lead_times",
        "POST",
        "/sms/lead-times/",
        LEAD_POST,
        {"country": "AE", "type": "alphanumeric", "expected_days": "20"},
    ),
    Row("core:panel", "GET", "/panels/customer/sms-registrations/{code}/", PAGE),
    Row("api:list_sender_registrations", "GET", "/api/v1/sms/registrations?overdue=true", API_READ),
    Row("api:get_sender_registration", "GET", "/api/v1/sms/registrations/{registration}", API_READ),
    Row(
        "api:create_sender_registration",
        "POST",
        "/api/v1/sms/registrations",
        API_WRITE,
        {"customer": "{code}", "country": "GB", "sender_id": "MATRIX", "type": "alphanumeric"},
    ),
    Row(
        "api:transition_sender_registration",
        "POST",
        "/api/v1/sms/registrations/{registration}/transition",
        API_WRITE,
        {"to_status": "submitted"},
    ),
    # customer portal (issue 4): contacts only; a ticket outside a contact's accounts is a 404
    Row("portal:login", "GET", "/portal/", portal(anonymous=200, others=200, contact_master=302, contact_sub=302)),
    Row(
        "portal:login",
        "POST",
        "/portal/",
        portal(anonymous=400, others=400, contact_master=302, contact_sub=302),
        {"pw-email": "zhou.min@starriver.example", "pw-password": "wrong-password-1"},
    ),
    Row("portal:request_link", "POST", "/portal/link/", PORTAL_ANYONE, {"link-email": "zhou.min@starriver.example"}),
    # The links are Zhou Min's (contact_master); that persona is signed in for the cell, and signing in
    # spends the links made before it (single use), so they answer 400 for her.
    Row("portal:link", "GET", "/portal/link/{portal_link}/", {**PORTAL_ANYONE, "contact_master": 400}),
    Row("portal:link", "POST", "/portal/link/{portal_link}/", {**dict.fromkeys(PERSONAS, 302), "contact_master": 400}),
    Row("portal:password_request", "GET", "/portal/password/", PORTAL_ANYONE),
    Row("portal:password_request", "POST", "/portal/password/", PORTAL_ANYONE, {"pw-request-email": "a@b.example"}),
    Row("portal:password_set", "GET", "/portal/password/{portal_password}/", {**PORTAL_ANYONE, "contact_master": 400}),
    Row(
        "portal:password_set",
        "POST",
        "/portal/password/{portal_password}/",
        dict.fromkeys(PERSONAS, 400),
        {"new_password1": "blue-lantern-harbour", "new_password2": "does-not-match-it"},
    ),
    Row("portal:logout", "POST", "/portal/logout/", dict.fromkeys(PERSONAS, 302)),
    Row("portal:tickets", "GET", "/portal/tickets/", PORTAL_PAGE),
    Row("portal:new", "GET", "/portal/tickets/new/", PORTAL_PAGE),
    Row(
        "portal:new",
        "POST",
        "/portal/tickets/new/",
        portal(anonymous=302, others=403, contact_master=302, contact_sub=302),
        {"subject": "From the portal", "body": "Please call me back."},
    ),
    Row("portal:detail", "GET", "/portal/tickets/{ref}/", PORTAL_MASTER_TICKET),
    Row("portal:detail", "GET", "/portal/tickets/{sub_ref}/", PORTAL_PAGE),
    Row("portal:reply", "POST", "/portal/tickets/{ref}/reply/", PORTAL_MASTER_POST, {"body": "Any news?"}),
    Row("portal:close", "POST", "/portal/tickets/{ref}/close/", PORTAL_MASTER_POST),
    Row("portal:attachment", "GET", "/portal/tickets/{ref}/attachments/{attachment}/", PORTAL_MASTER_TICKET),
    # public help articles (issue 5): anyone; drafts and internal articles do not exist for the portal
    Row("portal:help", "GET", "/portal/help/", PORTAL_ANYONE),
    Row("portal:help", "GET", "/portal/help/?q=template", PORTAL_ANYONE),
    Row("portal:help_article", "GET", "/portal/help/{help_slug}/", PORTAL_ANYONE),
    Row("portal:help_article", "GET", "/portal/help/{internal_slug}/", dict.fromkeys(PERSONAS, 404)),
    # monitoring alerts (issue 7): staff read; writers suspend a sub-account (refused here: not a sub-account)
    Row("monitoring:overview", "GET", "/monitoring/", PAGE),
    Row("monitoring:alerts", "GET", "/monitoring/alerts/?state=firing", PAGE),
    Row("monitoring:alert_detail", "GET", "/monitoring/alerts/{mon_alert}/", PAGE),
    Row("monitoring:alert_suspend", "POST", "/monitoring/alerts/{mon_alert}/suspend-subaccount/", POST),
    Row("monitoring:alert_act", "POST", "/monitoring/alerts/{mon_alert}/actions/block_prefix/", POST),
    Row("monitoring:customer_health", "GET", "/monitoring/customers/{code}/", OBJECT_PAGE),
    Row("core:panel", "GET", "/panels/customer/monitoring-health/{code}/", PAGE),
    Row("core:panel", "GET", "/panels/ticket/monitoring-health/{ref}/", PAGE),
    # telemetry in (issue 7): public webhooks, same answer signed in or not — an empty receipt is
    # refused as unreadable (400, kept as an invalid raw event), the token-authenticated feeds 401
    Row("monitoring_hooks:vonage_dlr", "GET", "/hooks/vonage/dlr", policy(anonymous=400, outsider=400, viewer=400,
                                                                           writer=400)),
    Row("monitoring_hooks:vonage_dlr", "POST", "/hooks/vonage/dlr", policy(anonymous=400, outsider=400, viewer=400,
                                                                            writer=400), {"status": "delivered"}),
    Row("monitoring_hooks:vonage_inbound", "GET", "/hooks/vonage/inbound", policy(anonymous=400, outsider=400,
                                                                                   viewer=400, writer=400)),
    Row("monitoring_hooks:vonage_verify", "POST", "/hooks/vonage/verify", policy(anonymous=400, outsider=400,
                                                                                  viewer=400, writer=400)),
    Row("monitoring_hooks:conversion", "POST", "/hooks/conversion", policy(anonymous=401, outsider=401, viewer=401,
                                                                            writer=401)),
    Row("monitoring_hooks:traffic", "POST", "/hooks/traffic", policy(anonymous=401, outsider=401, viewer=401,
                                                                      writer=401)),
    # unmapped traffic: staff read; leads and admins map a key (and replay its events)
    Row("monitoring:unmapped", "GET", "/monitoring/unmapped/", PAGE),
    Row("monitoring:unmapped_map", "GET", "/monitoring/unmapped/map/?key={unmapped_key}", LEAD_PAGE),
    Row("monitoring:unmapped_map", "POST", "/monitoring/unmapped/map/", LEAD_POST,
        {"key": "{unmapped_key}", "customer": "{ingestion_customer}", "kind": "vonage"}),
    # probes (巡检): staff read; leads set them up; writers run one now; the heartbeat hook is public
    Row("monitoring:probes", "GET", "/monitoring/probes/", PAGE),
    Row("monitoring:probe_detail", "GET", "/monitoring/probes/{probe}/", PAGE),
    Row("monitoring:probe_create", "GET", "/monitoring/probes/new/", LEAD_PAGE),
    Row("monitoring:probe_create", "POST", "/monitoring/probes/new/", LEAD_POST, {"kind": "heartbeat"}),
    Row("monitoring:probe_edit", "GET", "/monitoring/probes/{probe}/edit/", LEAD_PAGE),
    Row("monitoring:probe_run", "POST", "/monitoring/probes/{probe}/run/", POST),
    Row("monitoring:probe_token", "POST", "/monitoring/probes/{probe}/new-token/", LEAD_POST),
    Row("monitoring:probe_delete", "POST", "/monitoring/probes/{probe}/delete/", LEAD_POST),
    Row("monitoring_hooks:heartbeat", "GET", "/hooks/heartbeat/{probe_token}", PUBLIC),
    Row("monitoring_hooks:heartbeat", "GET", "/hooks/heartbeat/unknown-token", policy(
        anonymous=404, outsider=404, viewer=404, writer=404)),
    # Reports API pulls: leads; a customer's notice settings: like its health page, writers change them
    Row("monitoring:pulls", "GET", "/monitoring/pulls/", LEAD_PAGE),
    Row("monitoring:customer_notice", "GET", "/monitoring/customers/{code}/notice/", OBJECT_PAGE),
    Row("monitoring:customer_notice", "POST", "/monitoring/customers/{code}/notice/", OBJECT_POST),
    # Check-ins and periodic surveys (issue 8, feedback): staff read; writers log check-ins; leads (or the
    # customer's account manager, none here) change plans; leads create and send surveys; the answer link is public
    Row("feedback:checkins", "GET", "/feedback/checkins/?overdue=on", PAGE),
    Row("feedback:checkin_plans_create", "POST", "/feedback/checkins/create-missing/", LEAD_POST),
    Row("feedback:checkin_log", "GET", "/feedback/checkins/{code}/log/", OBJECT_WRITE_PAGE),
    Row("feedback:checkin_log", "POST", "/feedback/checkins/{code}/log/", OBJECT_POST,
        {"kind": "call", "occurred_at": "2026-01-05T10:00", "notes": "Matrix call"}),
    Row("feedback:checkin_plan", "GET", "/feedback/checkins/{code}/plan/", {**LEAD_PAGE, "outsider": 404}),
    Row("feedback:checkin_plan", "POST", "/feedback/checkins/{code}/plan/", {**LEAD_POST, "outsider": 404},
        {"owner": "", "cadence_days": "30", "active": "on"}),
    Row("core:panel", "GET", "/panels/customer/feedback-checkins/{code}/", PAGE),
    Row("feedback:surveys", "GET", "/feedback/surveys/", PAGE),
    Row("feedback:survey_create", "GET", "/feedback/surveys/new/", LEAD_PAGE),
    Row("feedback:survey_create", "POST", "/feedback/surveys/new/", LEAD_POST,
        {"name": "Matrix survey", "closes_on": "2099-01-01", "nps_en": "Recommend us?"}),
    Row("feedback:survey_detail", "GET", "/feedback/surveys/{survey}/", PAGE),
    Row("feedback:survey_send", "GET", "/feedback/surveys/{survey}/send/", LEAD_PAGE),
    Row("feedback:survey_send", "POST", "/feedback/surveys/{survey}/send/", LEAD_POST, {"scope": "primary"}),
    Row("feedback:survey_answer", "GET", "/feedback/s/{survey_token}/", PUBLIC),
    Row("feedback:survey_answer", "POST", "/feedback/s/{survey_token}/", PUBLIC, {"score": "8"}),
    Row("feedback:survey_answer", "GET", "/feedback/s/forged-token/", policy(anonymous=404, outsider=404, viewer=404,
                                                                            writer=404)),
    # CSAT (issue 8, feedback): staff read the list (agents their own) and the ticket panel; the emailed
    # answer page is public (GET stores nothing; POST stores); a portal contact rates their own account's ticket
    Row("feedback:csat_list", "GET", "/feedback/csat/?rating=low", PAGE),
    Row("core:panel", "GET", "/panels/ticket/feedback-csat/{csat_ref}/", PAGE),
    Row("feedback:csat_answer", "GET", "/feedback/csat/{csat_token}/", PUBLIC),
    Row("feedback:csat_answer", "POST", "/feedback/csat/{csat_token}/", policy(anonymous=302, outsider=302,
                                                                             viewer=302, writer=302),
        {"rating": "4", "comment": "Matrix"}),
    Row("feedback:csat_answer", "GET", "/feedback/csat/forged-token/", policy(anonymous=400, outsider=400,
                                                                            viewer=400, writer=400)),
    Row("portal:rate", "POST", "/portal/tickets/{csat_ref}/rate/", PORTAL_MASTER_POST, {"rating": "4"}),
    # Quality review (issue 8, feedback): leads only — the sample page and the scorecard of a resolved ticket
    Row("feedback:quality", "GET", "/feedback/quality/?size=5", LEAD_PAGE),
    Row("feedback:quality_review", "POST", "/feedback/quality/{quality_ref}/review/", LEAD_POST,
        {"correct": "yes", "complete": "yes", "root_cause_found": "no", "tone": "4"}),
    # Churn risk (issue 8, feedback): staff read the "Customers at risk" list and the customer panel; nothing to write
    Row("feedback:churn", "GET", "/feedback/churn/?level=high", PAGE),
    Row("core:panel", "GET", "/panels/customer/feedback-churn/{code}/", PAGE),
    # Review report (issue 8, reports): leads, admins and viewers read it; leads and admins schedule it
    Row("reports:review", "GET", "/reports/review/?period=2026-10&language=en", REPORT_PAGE),
    Row("reports:review_export", "GET", "/reports/review/export/?period=2026-10&language=en&format=md", REPORT_PAGE),
    Row("reports:review_schedules", "GET", "/reports/schedules/", LEAD_PAGE),
    Row("reports:review_schedules", "POST", "/reports/schedules/", LEAD_POST,
        {"name": "Matrix monthly", "frequency": "monthly", "recipient_emails": "lead@desk.example",
         "language": "en", "formats": ["md"]}),
    Row("reports:review_schedule_delete", "POST", "/reports/schedules/{review_schedule}/delete/", LEAD_POST),
    # Legacy log import (issue 9, imports): leads and admins only — upload, preview, runs, quarantine,
    # provisional customers (confirm / merge), agent aliases
    Row("imports:index", "GET", "/imports/", LEAD_PAGE),
    Row("imports:upload", "POST", "/imports/upload/", LEAD_POST, {"timezone": "Asia/Shanghai"}),
    Row("imports:run", "GET", "/imports/runs/{import_run}/", LEAD_PAGE),
    Row("audit:list", "GET", "/audit/?actor=han.pengshuai&action=customer.", LEAD_PAGE),
    Row("imports:preview", "GET", "/imports/runs/{import_run}/preview/", LEAD_PAGE),
    Row("imports:preview", "POST", "/imports/runs/{import_run}/preview/", LEAD_POST,
        {"col-0": "date", "col-1": "customer", "col-2": "issue", "action": "preview"}),
    Row("imports:quarantine", "GET", "/imports/quarantine/?reason=no_date", LEAD_PAGE),
    Row("imports:customers", "GET", "/imports/customers/", LEAD_PAGE),
    Row("imports:confirm_customer", "POST", "/imports/customers/{provisional_customer}/confirm/", LEAD_POST),
    Row("imports:merge_customer", "POST", "/imports/customers/{provisional_customer}/merge/", LEAD_POST,
        {"target": "{code}"}),
    Row("imports:aliases", "GET", "/imports/aliases/", LEAD_PAGE),
    Row("imports:aliases", "POST", "/imports/aliases/", LEAD_POST, {"alias": "小李", "user": "{agent}"}),
    Row("imports:delete_alias", "POST", "/imports/aliases/{agent_alias}/delete/", LEAD_POST),
    # A customer's data on request (issue 10, privacy): the customer page's panel, the zip download and the
    # erasure's confirmation, admins only. The matrix types a wrong code: the admin's erasure is refused (400).
    Row("core:panel", "GET", "/panels/customer/privacy/{code}/", ADMIN_PAGE),
    Row("privacy:customer_export", "GET", "/privacy/customers/{code}/export/", ADMIN_PAGE),
    Row("privacy:customer_erase", "GET", "/privacy/customers/{code}/erase/", ADMIN_PAGE),
    Row("privacy:customer_erase", "POST", "/privacy/customers/{code}/erase/", ADMIN_POST, {"code": "not-the-code"}),
    # Django admin: configuration only, for users flagged is_staff (none of these personas).
    Row("admin:index", "GET", "/admin/", policy(anonymous=302, outsider=302, viewer=302, writer=302)),
]


def _ingestion_world(personas: Any) -> dict[str, Any]:
    from aftersales.core import clock
    from aftersales.monitoring.ingest import TrafficEvent, record_events

    record_events([TrafficEvent(kind="submitted", at=clock.now(), message_id="matrix-1", api_key="matrixkey",
                                msisdn="447700900177")])  # kept as an unmapped raw event
    return {"unmapped_key": "matrixkey", "ingestion_customer": personas.customer.pk}


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns, "")
    return {name for name in names if not name.startswith("admin:")} | {"admin:index"}


def test_every_url_is_in_the_matrix():
    missing = _url_names() - {row.name for row in MATRIX}
    assert not missing, f"add these URLs to the permission matrix: {sorted(missing)}"


@pytest.fixture(autouse=True)
def _metrics_token(settings: Any) -> None:
    settings.METRICS_TOKEN = "matrix-metrics-token"


@pytest.fixture
def world(personas: Any) -> dict[str, Any]:
    ticket = make_ticket(customer=personas.customer, contact=personas.contact)
    other = make_ticket("Second ticket", customer=personas.customer)
    message = actions.record_reply(
        ticket=ticket,
        body="see attached",
        actor=personas.agent,
        attachments=[SimpleUploadedFile("dlr.csv", b"id,status\n1,delivered\n")],
    )
    return {
        "ref": ticket.ref,
        "other_ref": other.ref,
        "code": personas.customer.code,
        "contact": personas.contact.pk,
        "attachment": message.attachments.get().pk,
        "rule": RoutingRule.objects.create(name="Key accounts", customer=personas.customer, owner=personas.agent).pk,
        "agent": personas.agent.pk,
        "calendar": Calendar.get_default().pk,
        "override": CalendarOverride.objects.create(calendar=Calendar.get_default(), date="2027-02-07").pk,
        "sla_policy": Policy.objects.get(is_default=True).pk,
        **_portal_world(personas),
        **_chat_world(),
        **_mail_world(),
        **_outbound_world(personas),
        **_knowledge_world(personas),
        **_registrations_world(personas),
        **_numbers_world(personas),
        **_cases_world(personas),
        **_monitors_world(personas),
        **_ingestion_world(personas),
        **_probes_world(),
        **_csat_world(personas),
        **_checkins_world(personas),
        **_quality_world(personas),
        **_review_world(personas),
        **_imports_world(personas),
    }


def _imports_world(personas: Any) -> dict[str, Any]:
    from pathlib import Path

    from django.conf import settings

    from aftersales.core import clock
    from aftersales.imports.actions import create_provisional_customer
    from aftersales.imports.load import start_run
    from aftersales.imports.models import AgentAlias

    log = Path(settings.MEDIA_ROOT) / "imports" / "matrix.csv"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("日期,客户,问题描述\n2025/3/5,Bluewave Games,送达率下降\n", encoding="utf-8")
    run = start_run(actor=personas.lead, files=[{"name": "matrix.csv", "path": str(log), "size": 1}])
    provisional = create_provisional_customer(name="Matrix Provisional", actor=personas.lead)
    alias = AgentAlias.objects.create(alias="老韩", key="老韩", user=personas.lead, created_at=clock.now())
    return {"import_run": run.pk, "provisional_customer": provisional.pk, "agent_alias": alias.pk}


def _review_world(personas: Any) -> dict[str, Any]:
    from aftersales.reports.review import schedules

    schedule = schedules.create_schedule(actor=personas.lead, name="Matrix review", frequency="monthly",
                                         recipient_emails="lead@desk.example", language="en", formats="md")
    return {"review_schedule": schedule.pk}


def _quality_world(personas: Any) -> dict[str, Any]:
    ticket = make_ticket("Matrix quality", customer=personas.customer, owner=personas.agent)
    actions.change_status(ticket=ticket, status="resolved", actor=personas.agent,
                          resolution=actions.Resolution.of(summary="Matrix fix", root_cause="other"))
    from aftersales.tickets.models import RootCause

    return {"quality_ref": ticket.ref, "root_cause": RootCause.objects.get(code="other").pk}


def _checkins_world(personas: Any) -> dict[str, Any]:
    import datetime as dt

    from aftersales.core import clock
    from aftersales.feedback import checkins, surveys

    checkins.save_plan(customer=personas.customer, actor=personas.lead, owner=personas.agent, cadence_days=30)
    survey = surveys.create_survey(actor=personas.lead, name="Matrix NPS", nps_question={"en": "Recommend us?"},
                                   closes_at=clock.now() + dt.timedelta(days=30))
    surveys.send_survey(survey=survey, contacts=[personas.contact], actor=personas.lead)
    return {"survey": survey.pk, "survey_token": surveys.make_token(survey.invitations.get())}


def _csat_world(personas: Any) -> dict[str, Any]:
    from aftersales.feedback import csat

    ticket = make_ticket("Matrix resolved", customer=personas.customer, contact=personas.contact, owner=personas.agent)
    actions.change_status(ticket=ticket, status="resolved", actor=personas.agent)
    ticket.refresh_from_db()
    request = csat.ask(ticket=ticket)  # the listener runs after commit, which tests never reach
    assert request is not None
    return {"csat_ref": ticket.ref, "csat_token": csat.make_token(request, 4)}


def _probes_world() -> dict[str, Any]:
    from aftersales.monitoring.probes.actions import save_probe

    probe = save_probe(actor=None, name="Matrix heartbeat", kind="heartbeat", interval_minutes=60, grace_minutes=10)
    return {"probe": probe.pk, "probe_token": probe.heartbeat_token}


def _monitors_world(personas: Any) -> dict[str, Any]:
    from aftersales.core import clock
    from aftersales.monitoring.models import Alert
    from aftersales.sms.models import VendorAccount

    account = VendorAccount.objects.create(customer=personas.customer, name="Matrix OTP", kind="simulator",
                                           api_key="SIMMONMATRIX")
    alert = Alert.objects.create(
        fingerprint=f"prefix_concentration:{account.pk}:NG:-", monitor="prefix_concentration",
        customer=personas.customer, account=account, country="NG", severity="critical", first_seen=clock.now(),
        last_seen=clock.now(), evidence={"code": "prefix_concentration", "where": "NG", "params": {
            "prefix": "23480312", "numbers": 14, "prefixes": 1, "threshold": 10}, "series": [], "unit": "messages"},
    )
    return {"mon_alert": alert.pk}


def _cases_world(personas: Any) -> dict[str, Any]:
    from aftersales.sms.cases import open_case

    ticket = make_ticket("Waiting on Vonage", customer=personas.customer)
    case = open_case(vendor="vonage", case_number="0554", subject="Matrix case", actor=personas.agent, tickets=[ticket])
    return {"vendor_case": case.pk, "case_ref": ticket.ref}


def _numbers_world(personas: Any) -> dict[str, Any]:
    from aftersales.sms.models import VendorAccount
    from aftersales.sms.numbers import add_number

    number = add_number(actor=personas.agent, customer=personas.customer, msisdn="+442079460177")
    account = VendorAccount.objects.create(
        customer=personas.customer, name="Matrix simulator", kind="simulator", api_key="SIMMATRIX",
        options={"subaccounts": [], "numbers": [{"country": "GB", "msisdn": "447700900177", "type": "mobile-lvn",
                                                 "features": ["SMS"]}]},
    )
    return {"phone_number": number.pk, "numbers_account": account.pk, "customer_pk": personas.customer.pk}


def _registrations_world(personas: Any) -> dict[str, Any]:
    from aftersales.sms.registrations import attach_document, create_registration

    registration = create_registration(
        customer=personas.customer, country="AE", sender_id="STARRIVER", type="alphanumeric",
        owner=personas.agent, actor=personas.agent,
    )
    document = attach_document(
        registration=registration, upload=SimpleUploadedFile("licence.pdf", b"%PDF-1.4\n%%EOF\n"), actor=personas.agent
    )
    return {
        "registration": registration.pk,
        "registration_document": document.pk,
        "registration_customer": personas.customer.pk,
    }


def _knowledge_world(personas: Any) -> dict[str, Any]:
    from aftersales.knowledge import actions as knowledge

    article = knowledge.create_article(
        actor=personas.lead, language="en", title="Matrix article", problem="Why?", solution="Because.",
        status="published", audience="public", key="matrix-article",
    )
    internal = knowledge.create_article(
        actor=personas.lead, language="en", title="Matrix internal", problem="Why?", solution="Because.",
        status="published", audience="internal", key="matrix-internal",
    )
    document = knowledge.add_document(
        article=article, upload=SimpleUploadedFile("matrix.pdf", b"%PDF-1.4\n%%EOF\n"), actor=personas.lead
    )
    macro = knowledge.save_macro(actor=personas.lead, shared=True, texts={"en": ("Hello", "Hello {{ contact.name }}")})
    return {
        "article": article.pk,
        "document": document.pk,
        "macro": macro.pk,
        "help_slug": article.group.key,
        "internal_slug": internal.group.key,
    }


def _mail_world() -> dict[str, Any]:
    from aftersales.mail.inbound import receive

    return {"inbound": receive(b"not a message", source="upload").pk}


def _outbound_world(personas: Any) -> dict[str, Any]:
    from aftersales.testing.factories import make_contact

    nobody = make_contact(personas.customer, "Ma Yun", email="")  # no address: the reply fails
    ticket = make_ticket("Reply that could not be sent", customer=personas.customer, contact=nobody)
    reply = actions.record_reply(ticket=ticket, body="Fixed.", actor=personas.agent)
    return {"outbound": reply.outbound_email.pk}  # type: ignore[attr-defined]


def _chat_world() -> dict[str, Any]:
    from aftersales.chat.models import ChatChannel, ImTarget
    from aftersales.core import clock

    channel = ChatChannel.objects.create(
        slug="matrix-wecom", name="Matrix WeCom", secret="matrix-secret-0123456789", created_at=clock.now()
    )
    target = ImTarget.objects.create(
        kind="wecom", name="Matrix robot", url="http://127.0.0.1:9/robot", events=["assignment"], created_at=clock.now()
    )
    return {"chat_slug": channel.slug, "chat_channel": channel.pk, "im_target": target.pk}


def _portal_world(personas: Any) -> dict[str, Any]:
    from aftersales.portal import tokens
    from aftersales.portal.actions import ensure_portal_user
    from aftersales.testing.factories import make_contact

    master_user = ensure_portal_user(personas.contact)  # before the links: a new login spends older ones
    personas.contact.refresh_from_db()
    sub_user = ensure_portal_user(make_contact(personas.subaccount, "Qin Lan"))
    return {
        "sub_ref": make_ticket("Sub-account ticket", customer=personas.subaccount).ref,
        "portal_link": tokens.make_token(personas.contact, tokens.SIGN_IN),
        "portal_password": tokens.make_token(personas.contact, tokens.SET_PASSWORD),
        "contact_master_user": master_user,
        "contact_sub_user": sub_user,
    }


def _expected(row: Row, persona: str) -> Expect:
    if persona in CONTACTS and persona not in row.expect:
        return row.expect["outsider"]  # an agent URL: a contact has no desk role
    return row.expect[persona]


def _request(client: Any, persona: str, personas: Any, row: Row, world: dict[str, Any]) -> int:
    path = row.path.format(**world)
    data = {key: (value.format(**world) if isinstance(value, str) else value) for key, value in row.data.items()}
    if persona in CONTACTS:
        user = world[f"{persona}_user"]
    else:
        user = None if persona == "anonymous" else getattr(personas, persona)
    if row.name.startswith("api:"):
        headers = {}
        if user is not None:
            user.is_active = True
            raw = _token_for(user)
            headers["Authorization"] = f"Bearer {raw}"
        method = getattr(client, row.method.lower())
        if row.method == "GET":
            response = method(path, headers=headers)
        else:
            response = method(path, data=data, content_type="application/json", headers=headers)
    else:
        if user is not None:
            client.force_login(user)
        response = getattr(client, row.method.lower())(path, data=data)
    return response.status_code


def _token_for(user: Any) -> str:
    from aftersales.core.access import is_staff_member

    if not is_staff_member(user):
        # issue_token refuses users without a role; store one directly for the outsider.
        from aftersales.core import clock
        from aftersales.people.models import ApiToken, hash_token

        raw = ApiToken.generate()
        ApiToken.objects.create(
            user=user, name="matrix", prefix=raw[:8], token_hash=hash_token(raw), created_at=clock.now()
        )
        return raw
    return issue_token(user=user, name="matrix", actor=user)[1]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.method} {row.name}" for row in MATRIX])
def test_matrix_cell(client: Any, personas: Any, world: dict[str, Any], persona: str, row: Row) -> None:
    status = _request(client, persona, personas, row, world)
    expected = _expected(row, persona)
    assert status != 500
    if persona in CONTACTS and not row.name.startswith("portal:") and row.expect["outsider"] != 200:
        assert status != 200, f"a portal contact reached an agent page: {row.method} {row.path}"
    if isinstance(expected, int):
        assert status == expected, f"{persona} {row.method} {row.path}: {status}, expected {expected}"
    else:
        assert status in expected, f"{persona} {row.method} {row.path}: {status}, expected one of {sorted(expected)}"
