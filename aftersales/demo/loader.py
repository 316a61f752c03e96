"""Load the demo desk: agents, customers with sub-accounts and contacts, and months of tickets.

Every write goes through the real actions (``customers.actions``, ``tickets.actions``), so the
demo data has the same events, audit entries and stamps as real work. To place that work in the
past, ``moving_clock`` (``core.clock.moving``) temporarily replaces ``aftersales.core.clock.now`` —
the project's only time source — with a clock the loader sets before each step. Why not
``open_ticket(imported_at=…)``: that marks tickets as imported from an old log and only stamps the
creation time; replies, assignments and status changes would still happen "now".

Plans are drawn from one ``random.Random(seed)`` before anything is written, so the same seed
gives the same customers, subjects, owners and statuses (times are relative to now).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import transaction

from aftersales.core import clock
from aftersales.core.clock import MovingClock
from aftersales.customers.actions import save_contact, save_customer
from aftersales.customers.models import Contact, Customer, Product
from aftersales.demo import data
from aftersales.knowledge import actions as knowledge_actions
from aftersales.knowledge import queries as knowledge_queries
from aftersales.people.models import AgentProfile, Team
from aftersales.portal.actions import set_portal_password
from aftersales.tickets import actions
from aftersales.tickets.models import Category, Channel, Status, Ticket

DEFAULT_SEED = 2026
DEFAULT_TICKETS = 600
DEFAULT_DAYS = 182

_CHANNEL_WEIGHTS = {
    Channel.EMAIL: 34, Channel.CHAT: 22, Channel.PHONE: 16, Channel.PORTAL: 12, Channel.API: 6,
    Channel.MONITORING: 6, Channel.IMPORT: 4,
}
_MONITORED = ("delivery-conversion", "fraud", "billing-balance")


# The demo places its work in the past with core.clock's moving clock (see its docstring).
moving_clock = clock.moving


@dataclass
class TicketPlan:
    created_at: dt.datetime
    subject: str
    steps: list[tuple[dt.datetime, Callable[[dict[str, Any]], None]]] = field(default_factory=list)


@dataclass
class Result:
    agents: int = 0
    customers: int = 0
    contacts: int = 0
    tickets: int = 0
    solutions: int = 0  # resolved tickets marked "solved with" a shipped article
    balance_tickets: int = 0  # proactive tickets the balance check opened
    subjects: list[str] = field(default_factory=list)


def demo_users() -> list[tuple[data.AgentSeed, User | None]]:
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in data.AGENTS])}
    return [(seed, users.get(seed.username)) for seed in data.AGENTS]


def existing_data() -> dict[str, int]:
    """What is already in the desk; demo data only goes into an empty one."""
    return {
        "tickets": Ticket.objects.count(),
        "customers": Customer.objects.count(),
        "demo users": User.objects.filter(username__in=[a.username for a in data.AGENTS]).count(),
    }


def load(*, tickets: int = DEFAULT_TICKETS, seed: int = DEFAULT_SEED, days: int = DEFAULT_DAYS,
         progress: Callable[[str], None] | None = None) -> Result:
    """Write the demo desk into an empty database. Callers check ``existing_data()`` first."""
    rng = random.Random(seed)  # noqa: S311 - reproducible invented data, not secrets
    now = clock.now().replace(microsecond=0)
    result = Result()
    with moving_clock(now - dt.timedelta(days=days + 200)) as fake:
        with transaction.atomic():
            users = _make_agents()
            result.agents = len(users)
            customers, contacts = _make_customers(rng, users, fake, now - dt.timedelta(days=days + 120))
        result.customers = len(customers)
        result.contacts = sum(len(c) for c in contacts.values())
        plans = _plan_tickets(rng, tickets, days, now, users, customers, contacts)
        for index, plan in enumerate(plans, 1):
            state: dict[str, Any] = {}
            with transaction.atomic():
                for at, step in plan.steps:
                    fake.at = at
                    step(state)
            # The transaction commits here with the clock at the ticket's last step, so
            # on-commit listeners see the time of the change they react to.
            if progress and index % 100 == 0:
                progress(f"{index}/{len(plans)} tickets")
        result.tickets = len(plans)
        result.subjects = [plan.subject for plan in plans]
        result.solutions = _mark_solutions(fake)
        by_code = {customer.code: customer for customer, _seed in customers}
        result.balance_tickets = _load_sms(fake, now, users, by_code)
        _load_feedback(fake, now, users, by_code)
    return result


def _load_feedback(fake: MovingClock, now: dt.datetime, users: dict[str, User], customers: dict[str, Customer]) -> None:
    """Closing the loop (issue 8): resolution notes and quality reviews on the resolved tickets,
    satisfaction answers (one low, with its follow-up), check-in plans (some overdue) and last
    quarter's NPS survey. Each part sets the clock for its past events and leaves it at ``now``."""
    from aftersales.demo import feedback_checkins, feedback_csat, feedback_quality

    for part in (feedback_quality, feedback_csat, feedback_checkins):
        fake.at = now
        with transaction.atomic():
            part.load(now=now, users=users, customers=customers)
    fake.at = now
    from aftersales.demo import feedback_churn  # churn risk: Suda's traffic baseline (after the early-warning history)
    feedback_churn.load(now=now, users=users, customers=customers)


def _load_sms(fake: MovingClock, now: dt.datetime, users: dict[str, User], customers: dict[str, Customer]) -> int:
    """The SMS business (issue 6): simulated vendor accounts with a month of balance readings, the
    numbers customers hold, sender-ID registrations and vendor cases; and the early warning (issue 7):
    traffic history with a pumping attack. Returns the number of balance tickets opened."""
    from aftersales.demo import (
        monitoring_ingestion,
        monitoring_monitors,
        monitoring_probes,
        sms_balances,
        sms_cases,
        sms_numbers,
        sms_registrations,
    )

    def set_clock(moment: dt.datetime) -> None:
        fake.at = moment

    opened = sms_balances.load(now=now, set_clock=set_clock)
    fake.at = now
    with transaction.atomic():
        sms_numbers.load(now=now, users=users, customers=customers)
    with transaction.atomic():
        sms_registrations.load(now=now, users=users, customers=customers, set_clock=set_clock)
    with transaction.atomic():
        sms_cases.load(now=now, users=users, customers=customers, set_clock=set_clock)
    fake.at = now
    # Early warning (issue 7): traffic history, a pumping attack and its proactive ticket; marks the desk as
    # the demo's, so the live traffic job (demo/live.py) keeps the traffic coming every minute from now on.
    with transaction.atomic():
        monitoring_monitors.load(now=now, users=users, customers=customers)
    with transaction.atomic():  # a traffic feed, and traffic from a key the desk does not know yet
        monitoring_ingestion.load(now=now, users=users, customers=customers)
    fake.at = now
    # Probes (巡检): the desk's own login page, and a late heartbeat whose ticket has no customer.
    monitoring_probes.load_probes(now=now)
    return opened


def _mark_solutions(fake: MovingClock) -> int:
    """Resolved tickets record which shipped article solved them (the first suggestion of their
    own category, in their language), so articles show their use and similar tickets their answer."""
    marked = 0
    done = (
        Ticket.objects.filter(status__in=(Status.RESOLVED, Status.CLOSED), category__isnull=False, owner__isnull=False)
        .exclude(resolved_at=None)
        .select_related("contact", "customer", "owner")
        .order_by("pk")
    )
    for ticket in done:
        language = knowledge_queries.ticket_language(ticket)
        text = knowledge_queries.ticket_text(ticket)
        article = next(
            (
                article
                for article in knowledge_queries.suggested_articles(text, [language], category_id=ticket.category_id)
                if article.category_id == ticket.category_id
            ),
            None,
        )
        if article is None:
            continue
        fake.at = ticket.resolved_at or fake.at
        with transaction.atomic():
            knowledge_actions.mark_solved(ticket=ticket, article=article, actor=ticket.owner)
        marked += 1
    return marked


# --- People --------------------------------------------------------------------------------
def _make_agents() -> dict[str, User]:
    users: dict[str, User] = {}
    for seed in data.AGENTS:
        user = User.objects.create_user(username=seed.username, password=data.DEMO_PASSWORD,
                                        email=f"{seed.username}@desk.example", is_staff=seed.is_staff,
                                        is_superuser=seed.is_staff)
        user.groups.add(Group.objects.get(name=seed.role))
        AgentProfile.objects.create(user=user, display_name=seed.display_name, language=seed.language,
                                    timezone=seed.timezone)
        users[seed.username] = user
    team = Team.objects.create(name=data.TEAM_NAME, lead=users["demo-lead"])
    team.members.set([users["demo-agent"], users["demo-lead"], users["demo-assistant"]])
    return users


# --- Customers -----------------------------------------------------------------------------
def _make_customers(rng: random.Random, users: dict[str, User], fake: MovingClock,
                    start: dt.datetime) -> tuple[list[tuple[Customer, data.CustomerSeed]], dict[int, list[Any]]]:
    admin = users["demo-admin"]
    products = {p.code: p for p in Product.objects.all()}
    managers = [users["demo-agent"], users["demo-lead"]]
    made: list[tuple[Customer, data.CustomerSeed]] = []
    contacts: dict[int, list[Any]] = {}

    def make(seed: data.CustomerSeed, parent: Customer | None) -> None:
        fake.at = start + dt.timedelta(days=rng.randint(0, 100), hours=rng.randint(1, 9))
        customer = save_customer(
            actor=admin, code=seed.code, name=seed.name, parent=parent, tier=seed.tier, status=seed.status,
            timezone=seed.timezone, language=seed.language, account_manager=rng.choice(managers), notes=seed.notes,
            products=[products[code] for code in seed.products if code in products],
        )
        made.append((customer, seed))
        contacts[customer.pk] = [
            save_contact(actor=admin, customer=customer, name=c.name, email=c.email, phone=c.phone,
                         im_handles=dict(c.im), language=c.language, is_primary=c.primary)
            for c in seed.contacts
        ]
        for sub in seed.subs:
            make(sub, customer)

    for seed in data.CUSTOMERS:
        make(seed, None)
    for contact in Contact.objects.filter(email__in=data.PORTAL_CONTACTS):
        set_portal_password(contact=contact, password=data.DEMO_PASSWORD)
    return made, contacts


# --- Tickets -------------------------------------------------------------------------------
def _working_time(rng: random.Random, now: dt.datetime, days: int) -> dt.datetime:
    """A time in the last ``days`` days, mostly on weekdays during Shanghai office hours."""
    while True:
        day = now - dt.timedelta(days=rng.uniform(0, days))
        local_hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 1, 2, 3, 6, 10, 12, 11, 7, 10, 12, 12, 11, 9, 6,
                                                      4, 3, 2, 2, 1])[0]
        # Shanghai is UTC+8 all year.
        moment = day.replace(hour=(local_hour - 8) % 24, minute=rng.randint(0, 59), second=rng.randint(0, 59),
                             microsecond=0)
        if (moment + dt.timedelta(hours=8)).weekday() >= 5 and rng.random() > 0.25:
            continue
        if moment < now - dt.timedelta(minutes=20):
            return moment


def _final_status(rng: random.Random, age: dt.timedelta) -> str:
    if age < dt.timedelta(days=2):
        table = {Status.NEW: 30, Status.OPEN: 30, Status.WAITING_CUSTOMER: 15, Status.WAITING_VENDOR: 10,
                 Status.RESOLVED: 15}
    elif age < dt.timedelta(days=14):
        table = {Status.NEW: 4, Status.OPEN: 14, Status.WAITING_CUSTOMER: 12, Status.WAITING_VENDOR: 10,
                 Status.RESOLVED: 38, Status.CLOSED: 22}
    else:
        table = {Status.OPEN: 2, Status.WAITING_CUSTOMER: 1, Status.WAITING_VENDOR: 2, Status.RESOLVED: 15,
                 Status.CLOSED: 80}
    return rng.choices(list(table), weights=list(table.values()))[0]


def _fill(rng: random.Random, language: str) -> dict[str, str]:
    zh = language.startswith("zh")
    country = rng.choice(data.COUNTRIES)
    month = rng.choice(data.MONTHS)
    return {
        "country": country[1] if zh else country[0],
        "month": month[1] if zh else month[0],
        "sender": rng.choice(data.SENDERS),
        "case": f"0{rng.randint(4500000, 4799999)}",
        "amount": str(rng.choice((12, 25, 50, 80, 120, 200, 350, 500))),
        "rate": str(rng.randint(18, 72)),
        "number": str(rng.choice((3, 4, 50, 100, 5000, 10000, 20000))),
        "err": rng.choice(data.ERROR_CODES),
    }


def _plan_tickets(rng: random.Random, count: int, days: int, now: dt.datetime, users: dict[str, User],
                  customers: list[tuple[Customer, data.CustomerSeed]],
                  contacts: dict[int, list[Any]]) -> list[TicketPlan]:
    categories = {c.code: c for c in Category.objects.filter(parent__isnull=False)}
    stories = [s for s in data.STORIES if s.category in categories]
    team = Team.objects.get(name=data.TEAM_NAME)
    agent, lead, assistant = users["demo-agent"], users["demo-lead"], users["demo-assistant"]
    unknown_every = 75 if count >= 150 else max(2, count // 3)
    plans: list[TicketPlan] = []
    for index in range(count):
        created = _working_time(rng, now, days)
        if index % unknown_every == unknown_every - 1:
            plans.append(_plan_unknown(rng, created, now, agent))
            continue
        customer, seed = rng.choices(customers, weights=[s.weight for _, s in customers])[0]
        # The customer's language most of the time; the other one sometimes (international staff).
        language = seed.language if rng.random() < 0.8 else ("en" if seed.language.startswith("zh") else "zh-hans")
        # Every category turns up early, so even a small demo shows the whole taxonomy.
        category_code = (list(data.CATEGORY_WEIGHTS)[index % len(data.CATEGORY_WEIGHTS)] if index < 24 else
                         rng.choices(list(data.CATEGORY_WEIGHTS), weights=list(data.CATEGORY_WEIGHTS.values()))[0])
        choices = [s for s in stories if s.category == category_code]
        same_language = [s for s in choices if s.language == language]
        story = rng.choice(same_language or choices)
        values = _fill(rng, story.language)
        channel = rng.choices(list(_CHANNEL_WEIGHTS), weights=list(_CHANNEL_WEIGHTS.values()))[0]
        if channel == Channel.MONITORING and story.category not in _MONITORED:
            channel = Channel.EMAIL
        priority = rng.choices((1, 2, 3, 4), weights=(3, 6, 12, 3) if story.category == "fraud" else (1, 5, 14, 4))[0]
        if story.category in ("vendor-support", "billing-balance", "documents"):
            owner = rng.choices((lead, agent, assistant), weights=(7, 2, 1))[0]
        else:
            owner = rng.choices((agent, assistant, lead), weights=(5, 3, 2))[0]
        person_list = contacts.get(customer.pk) or []
        contact = rng.choice(person_list) if person_list and rng.random() < 0.85 else None
        plan = TicketPlan(created, story.subject.format(**values))
        status = _final_status(rng, now - created)
        _plan_story(rng, plan, now, story=story, values=values, customer=customer, contact=contact,
                    category=categories[story.category], channel=channel, priority=priority, owner=owner,
                    team=team, status=status, others=(agent, assistant, lead))
        plans.append(plan)
    plans.sort(key=lambda p: p.created_at)
    return plans


def _plan_story(rng: random.Random, plan: TicketPlan, now: dt.datetime, *, story: data.Story,
                values: dict[str, str], customer: Customer, contact: Any, category: Category, channel: str,
                priority: int, owner: User, team: Team, status: str, others: tuple[User, ...]) -> None:
    text = {name: getattr(story, name).format(**values) for name in ("description", "reply", "follow_up",
                                                                      "closing", "note")}
    zh = story.language.startswith("zh")
    subject = plan.subject
    if channel == Channel.MONITORING:
        subject = plan.subject = ("告警：" if zh else "Alert: ") + subject
    logged_by = owner if channel in (Channel.PHONE, Channel.CHAT) else None
    imported = channel == Channel.IMPORT

    def open_(state: dict[str, Any]) -> None:
        state["ticket"] = actions.open_ticket(
            subject=subject, description=text["description"], channel=channel, actor=logged_by, customer=customer,
            contact=contact, category=category, priority=priority, team=team, tags=story.tags,
            from_customer=channel != Channel.MONITORING,
            imported_at=plan.created_at if imported else None, source_kind="demo-import" if imported else "",
        )

    plan.steps.append((plan.created_at, open_))
    if status == Status.NEW:
        return
    moment = plan.created_at

    def later(low_minutes: float, high_minutes: float) -> dt.datetime | None:
        nonlocal moment
        moment = moment + dt.timedelta(minutes=rng.uniform(low_minutes, high_minutes))
        return moment if moment < now - dt.timedelta(minutes=1) else None

    def add(at: dt.datetime | None, step: Callable[[dict[str, Any]], None]) -> bool:
        if at is None:
            return False
        plan.steps.append((at, step))
        return True

    assigner = owner if rng.random() < 0.6 else others[2]  # self-assigned, or handed out by the lead
    if not add(later(2, 90), _step(actions.assign_ticket, owner=owner, actor=assigner)):
        return
    if not add(later(5, 240), _step(actions.record_reply, body=text["reply"], actor=owner)):
        return
    if (story.category in ("vendor-support", "sender-id", "fraud") or rng.random() < 0.35) and not add(
        later(10, 180), _step(actions.add_note, body=text["note"], actor=owner)
    ):
        return
    if rng.random() < 0.07:  # a handoff, so some timelines show one
        owner = rng.choice([u for u in others if u != owner])
        if not add(later(30, 600), _step(actions.assign_ticket, owner=owner, actor=others[2])):
            return
    customer_writes = _step(actions.record_customer_message, body=text["follow_up"], channel=channel, contact=contact)
    if status in (Status.WAITING_CUSTOMER, Status.WAITING_VENDOR):
        if rng.random() < 0.5:
            add(later(30, 1440), customer_writes)
        add(later(20, 600), _step(actions.change_status, status=status, actor=owner))
        return
    if not add(later(30, 2880), customer_writes) or status == Status.OPEN:
        return
    if not add(later(30, 4320), _step(actions.record_reply, body=text["closing"], actor=owner, status=Status.RESOLVED)):
        return
    if status == Status.CLOSED:
        add(later(2 * 1440, 7 * 1440), _step(actions.change_status, status=Status.CLOSED, actor=owner))


def _step(action: Callable[..., Any], **kwargs: Any) -> Callable[[dict[str, Any]], None]:
    """Bind an action's arguments now (not when the step runs) and apply it to the plan's ticket."""

    def run(state: dict[str, Any]) -> None:
        action(ticket=state["ticket"], **kwargs)

    return run


def _plan_unknown(rng: random.Random, created: dt.datetime, now: dt.datetime, agent: User) -> TicketPlan:
    language, subject, description = rng.choice(data.UNKNOWN_CALLERS)
    values = _fill(rng, language)
    plan = TicketPlan(created, subject.format(**values))
    channel = rng.choice((Channel.PHONE, Channel.EMAIL))
    plan.steps.append((created, lambda s: s.update(ticket=actions.open_ticket(
        subject=plan.subject, description=description.format(**values), channel=channel,
        actor=agent if channel == Channel.PHONE else None))))
    return plan
