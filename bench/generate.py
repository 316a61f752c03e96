"""Realistic desk data at any size, for benchmarks: ``python -m bench.generate --tickets N``.

Rows go in through ``bulk_create`` in batches (one transaction per batch), not through the
actions: the actions cost a dozen queries per change and would take hours at a million
tickets. The shape follows a real queue:

- a few customers raise most tickets (Zipf-like weights), some of them sub-accounts;
- most tickets are closed or resolved, a realistic open backlog sits in the last weeks;
- a few agents own most tickets; new tickets have no owner;
- created times spread over ``years`` with growth, a weekday and office-hour bias (UTC+8);
- texts come from the demo's zh and en stories (``aftersales.demo.data``), mixed by the
  customer's language;
- each ticket has about ``messages_per_ticket`` messages (customer, reply, sometimes a note)
  and its timeline events (created, owner, status).

Ticket numbers are reserved through ``aftersales.core.models.next_values("ticket_ref", n)``,
so they never collide with tickets the desk opens itself. Running it again adds more data;
customers and agents named ``bench-…`` are reused.

As a library (after Django is set up)::

    from bench.generate import generate
    counts = generate(tickets=10_000, messages_per_ticket=3, years=3, seed=1)
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import os
import random
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aftersales.customers.models import Contact, Customer

DEFAULT_TICKETS = 5000
DEFAULT_BATCH = 5000
OFFICE_HOURS = (1, 1, 1, 1, 1, 1, 2, 3, 6, 10, 12, 11, 7, 10, 12, 12, 11, 9, 6, 4, 3, 2, 2, 1)  # local UTC+8
CHANNEL_WEIGHTS = {"email": 34, "chat": 22, "phone": 16, "portal": 12, "api": 6, "monitoring": 7, "import": 3}
ZH_NAMES = ("华信", "远航", "云杉", "北辰", "明川", "青柠", "锦程", "海岳", "星桥", "蓝湾", "启点", "东篱")
ZH_KINDS = ("科技", "网络", "物流", "电商", "教育", "金融", "出行", "游戏")
EN_NAMES = ("Nova", "Harbor", "Juniper", "Granite", "Lumen", "Cedar", "Orbit", "Meridian", "Falcon", "Willow")
EN_KINDS = ("Retail", "Games", "Pay", "Health", "Travel", "Logistics", "Media", "Labs")


def setup_django() -> None:
    """Configure Django when run as a script (the desk's settings, ``DATABASE_URL`` from the environment)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()


def generate(
    *,
    tickets: int = DEFAULT_TICKETS,
    messages_per_ticket: float = 3.0,
    years: float = 3.0,
    seed: int = 1,
    customers: int | None = None,
    agents: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Add ``tickets`` tickets (and their messages and events); returns how many rows of each kind were written.

    The same ``seed`` and ``now`` give the same rows (times are laid out backwards from ``now``).
    """
    from django.db import transaction

    from aftersales.core import clock
    from aftersales.core.models import next_values
    from aftersales.demo import data
    from aftersales.sla.policies import default_policy
    from aftersales.tickets.models import Category, RootCause, Ticket

    if tickets < 0 or messages_per_ticket < 1 or years <= 0 or batch_size < 1:
        raise ValueError("tickets >= 0, messages_per_ticket >= 1, years > 0 and batch_size >= 1 are required")
    # Separate streams, so reusing the customers of an earlier run does not shift the tickets.
    rng = random.Random(f"tickets-{seed}")
    now = (now or clock.now()).replace(microsecond=0)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    start = now - dt.timedelta(days=365.25 * years)
    counts = {"customers": 0, "contacts": 0, "agents": 0, "tickets": 0, "messages": 0, "events": 0}

    with transaction.atomic():
        agent_ids, team_id, counts["agents"] = _agents(agents or max(5, min(60, tickets // 20_000 + 5)))
        accounts, counts["customers"], counts["contacts"] = _customers(
            seed, customers or max(20, min(20_000, tickets // 50)), start
        )
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", "code"))
    stories_by_category: dict[str, list[Any]] = {}
    for story in data.STORIES:
        stories_by_category.setdefault(story.category, []).append(story)
    categories = [(pk, code) for pk, code in categories if code in stories_by_category]
    if not categories:
        raise RuntimeError("No ticket categories: run `aftersales migrate` first")
    category_weights = list(itertools.accumulate(data.CATEGORY_WEIGHTS.get(code, 5) for _, code in categories))
    account_weights = list(itertools.accumulate(1.0 / (rank + 1) ** 1.07 for rank in range(len(accounts))))
    owner_weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(agent_ids))))
    channels = list(CHANNEL_WEIGHTS)
    channel_weights = list(itertools.accumulate(CHANNEL_WEIGHTS.values()))
    # The reports' fields (SLA outcome, time per status, root cause) from their own stream, so the
    # tickets themselves stay what earlier versions generated for a seed.
    report_rng = random.Random(f"report-{seed}")
    root_causes = list(RootCause.objects.values_list("pk", flat=True))
    policy_id = default_policy().pk

    created_times = _created_times(rng, tickets, start, now)
    started = time.monotonic()
    for offset in range(0, tickets, batch_size):
        times = created_times[offset:offset + batch_size]
        numbers = next_values("ticket_ref", len(times))
        ticket_rows: list[Any] = []
        plans: list[tuple[Any, list[tuple[str, dt.datetime, str]]]] = []
        for number, created in zip(numbers, times, strict=True):
            account = accounts[bisect.bisect_left(account_weights, rng.random() * account_weights[-1])]
            category_pk, category_code = categories[
                bisect.bisect_left(category_weights, rng.random() * category_weights[-1])
            ]
            language = account.language if rng.random() < 0.8 else ("en" if account.language != "en" else "zh-hans")
            candidates = stories_by_category[category_code]
            same = [s for s in candidates if s.language == language]
            story = rng.choice(same or candidates)
            values = _fill(rng, story.language, data)
            channel = channels[bisect.bisect_left(channel_weights, rng.random() * channel_weights[-1])]
            ticket, messages = _ticket(rng, number, created, now, story, values, account, category_pk, channel,
                                       agent_ids, owner_weights, team_id, messages_per_ticket)
            _report_fields(report_rng, ticket, root_causes, policy_id)
            if rng.random() < 0.004:  # an unknown sender: the "needs a customer" queue
                ticket.customer_id = ticket.contact_id = None
            ticket_rows.append(ticket)
            plans.append((ticket, messages))
        with transaction.atomic():
            Ticket.objects.bulk_create(ticket_rows, batch_size=1000)
            if ticket_rows and ticket_rows[0].pk is None:  # backends that cannot return ids
                numbers_written = [t.number for t in ticket_rows]
                ids = dict(Ticket.objects.filter(number__in=numbers_written).values_list("number", "pk"))
                for row in ticket_rows:
                    row.pk = ids[row.number]
            written_messages, written_events = _children(plans)
        counts["tickets"] += len(ticket_rows)
        counts["messages"] += written_messages
        counts["events"] += written_events
        if progress:
            elapsed = time.monotonic() - started
            rows = counts["tickets"] + counts["messages"] + counts["events"]
            progress(f"tickets {counts['tickets']:>9,}/{tickets:,}  messages {counts['messages']:>10,}  "
                     f"events {counts['events']:>10,}  {elapsed:7.1f} s  {rows / max(elapsed, 1e-9):8,.0f} rows/s")
    return counts


def _report_fields(rng: random.Random, ticket: Any, root_causes: list[int], policy_id: int) -> None:
    """What the reports read: business seconds to first response and resolution (about a third of
    wall time: office hours), breaches against a 4 h / 3-day policy, time per status, reopenings,
    a root cause on resolved tickets. Plausible, not computed through the SLA engine (too slow at
    a million tickets)."""
    if ticket.imported:
        return
    ticket.sla_policy_id = policy_id
    ticket.status_since = ticket.updated_at
    if ticket.first_response_at is not None:
        ticket.first_response_seconds = int((ticket.first_response_at - ticket.created_at).total_seconds() * 0.375)
        ticket.first_response_breached = ticket.first_response_seconds > 4 * 3600
    if ticket.resolved_at is not None:
        total = int((ticket.resolved_at - ticket.created_at).total_seconds() * 0.375)
        ticket.resolution_seconds = total
        ticket.resolution_breached = total > 27 * 3600
        waiting_customer = int(total * rng.uniform(0, 0.4)) if rng.random() < 0.5 else 0
        waiting_vendor = int(total * rng.uniform(0.2, 0.7)) if rng.random() < 0.15 else 0
        waiting_vendor = min(waiting_vendor, total - waiting_customer)
        ticket.seconds_waiting_customer = waiting_customer
        ticket.seconds_waiting_vendor = waiting_vendor
        ticket.seconds_with_us = total - waiting_customer - waiting_vendor
        ticket.reopen_count = 1 if rng.random() < 0.05 else 0
        if root_causes and rng.random() < 0.9:
            ticket.root_cause_id = rng.choice(root_causes)


# --- Agents and customers --------------------------------------------------------------------
def _agents(count: int) -> tuple[list[int], int, int]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    from aftersales.people.models import AgentProfile, Team

    names = [f"bench-agent-{i:03d}" for i in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    missing = [name for name in names if name not in existing]
    if missing:
        unusable = make_password(None)  # bench agents cannot sign in
        User.objects.bulk_create([User(username=name, password=unusable, email=f"{name}@bench.example")
                                  for name in missing])
        made = list(User.objects.filter(username__in=missing))
        group = Group.objects.get(name="agent")
        User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in made])
        AgentProfile.objects.bulk_create([
            AgentProfile(user=u, display_name=u.username.replace("bench-agent-", "Bench Agent "),
                         language="zh-hans" if i % 3 else "en")
            for i, u in enumerate(made)
        ])
    ids = list(User.objects.filter(username__in=names).order_by("username").values_list("pk", flat=True))
    team, _ = Team.objects.get_or_create(name="Bench 基准")
    team.members.add(*ids)
    return ids, team.pk, len(missing)


def _customers(seed: int, count: int, start: dt.datetime) -> tuple[list[Any], int, int]:
    """``count`` master accounts (a fifth with 1-4 sub-accounts), each with contacts. Reused if present."""
    from aftersales.customers.models import Contact, Customer

    rng = random.Random(f"customers-{seed}")
    codes = [f"bench-{i:06d}" for i in range(1, count + 1)]
    existing = set(Customer.objects.filter(code__startswith="bench-").values_list("code", flat=True))
    made_customers = made_contacts = 0
    new_masters: list[Customer] = []
    for i, code in enumerate(codes):
        if code in existing:
            continue
        zh = rng.random() < 0.6
        name = (f"{rng.choice(ZH_NAMES)}{rng.choice(ZH_KINDS)} {i + 1:04d}" if zh
                else f"{rng.choice(EN_NAMES)} {rng.choice(EN_KINDS)} {i + 1:04d}")
        new_masters.append(Customer(
            code=code, name=name, tier=rng.choices(("key", "standard", "trial"), weights=(1, 6, 2))[0],
            status=rng.choices(("active", "suspended", "churned"), weights=(40, 1, 3))[0],
            timezone="Asia/Shanghai" if zh else rng.choice(("Europe/London", "Asia/Singapore", "America/New_York")),
            language="zh-hans" if zh else "en", created_at=start, updated_at=start,
        ))
    Customer.objects.bulk_create(new_masters, batch_size=1000)
    made_customers += len(new_masters)
    new_master_codes = {c.code for c in new_masters}
    bench_masters = Customer.objects.filter(code__startswith="bench-", parent__isnull=True).order_by("code")
    masters = {c.code: c for c in bench_masters if c.code in new_master_codes}
    subs: list[Customer] = []
    for master in masters.values():
        if rng.random() < 0.2:
            for n in range(1, rng.randint(1, 4) + 1):
                subs.append(Customer(
                    code=f"{master.code}-s{n}", name=f"{master.name} / sub {n}", parent_id=master.pk, tier=master.tier,
                    status=master.status, timezone=master.timezone, language=master.language,
                    created_at=start, updated_at=start,
                ))
    Customer.objects.bulk_create(subs, batch_size=1000)
    made_customers += len(subs)
    new_codes = set(masters) | {s.code for s in subs}
    contacts: list[Contact] = []
    for customer in Customer.objects.filter(code__startswith="bench-").order_by("code"):
        if customer.code not in new_codes:
            continue
        for n in range(rng.choice((1, 1, 2, 3))):
            contacts.append(Contact(
                customer_id=customer.pk, name=f"Contact {n + 1} of {customer.code}",
                email=f"c{n + 1}@{customer.code}.example", language=customer.language, is_primary=n == 0,
                created_at=start,
            ))
    Contact.objects.bulk_create(contacts, batch_size=1000)
    made_contacts += len(contacts)
    # Ordered so the Zipf weights give the same customers the most tickets on every run.
    accounts = list(Customer.objects.filter(code__startswith="bench-").order_by("code")
                    .only("pk", "code", "language"))
    primary = dict(Contact.objects.filter(customer__code__startswith="bench-", is_primary=True)
                   .values_list("customer_id", "pk"))
    for account in accounts:
        account.bench_contact_id = primary.get(account.pk)  # type: ignore[attr-defined]
    random.Random(f"accounts-{seed}").shuffle(accounts)
    return accounts, made_customers, made_contacts


# --- Tickets -----------------------------------------------------------------------------------
def _created_times(rng: random.Random, count: int, start: dt.datetime, now: dt.datetime) -> list[dt.datetime]:
    """Sorted creation times: growing volume, weekdays and office hours (UTC+8) favoured."""
    span = (now - start).total_seconds()
    hours = list(itertools.accumulate(OFFICE_HOURS))
    times: list[float] = []
    while len(times) < count:
        # Volume grows over time: density rises linearly to twice the start rate.
        position = (-1 + (1 + 3 * rng.random()) ** 0.5)  # inverse CDF of density (1 + x) on [0, 1], scaled
        day_start = start.timestamp() + int(position * span / 86400) * 86400
        local_hour = bisect.bisect_left(hours, rng.random() * hours[-1])
        moment = day_start + (local_hour - 8) * 3600 + rng.randint(0, 3599)
        weekday = dt.datetime.fromtimestamp(moment + 8 * 3600, tz=dt.UTC).weekday()
        if weekday >= 5 and rng.random() > 0.25:
            continue
        if start.timestamp() <= moment < now.timestamp() - 600:
            times.append(moment)
    times.sort()
    return [dt.datetime.fromtimestamp(t, tz=dt.UTC) for t in times]


def _fill(rng: random.Random, language: str, data: Any) -> dict[str, str]:
    zh = language.startswith("zh")
    country = rng.choice(data.COUNTRIES)
    month = rng.choice(data.MONTHS)
    return {
        "country": country[1] if zh else country[0], "month": month[1] if zh else month[0],
        "sender": rng.choice(data.SENDERS), "case": f"0{rng.randint(4500000, 4799999)}",
        "amount": str(rng.choice((12, 25, 50, 80, 120, 200, 350, 500))), "rate": str(rng.randint(18, 72)),
        "number": str(rng.choice((3, 4, 50, 100, 5000, 10000))), "err": rng.choice(data.ERROR_CODES),
    }


def _status(rng: random.Random, age_days: float) -> str:
    table: tuple[tuple[str, float], ...]
    if age_days < 2:
        table = (("new", 25), ("open", 35), ("waiting_customer", 15), ("waiting_vendor", 10), ("resolved", 15))
    elif age_days < 21:
        table = (("new", 2), ("open", 10), ("waiting_customer", 8), ("waiting_vendor", 8), ("resolved", 40),
                 ("closed", 32))
    else:
        table = (("open", 0.4), ("waiting_customer", 0.2), ("waiting_vendor", 0.4), ("resolved", 4), ("closed", 95))
    return rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]


def _ticket(rng: random.Random, number: int, created: dt.datetime, now: dt.datetime, story: Any,
            values: dict[str, str], account: Any, category_pk: int, channel: str, agent_ids: list[int],
            owner_weights: list[float], team_id: int, messages_per_ticket: float) -> tuple[Any, list[Any]]:
    from aftersales.tickets.models import Ticket

    age_days = (now - created).total_seconds() / 86400
    status = _status(rng, age_days)
    owner_id = None
    if status != "new":
        owner_id = agent_ids[bisect.bisect_left(owner_weights, rng.random() * owner_weights[-1])]
    zh = story.language.startswith("zh")
    subject = story.subject.format(**values)
    if channel == "monitoring":
        subject = ("告警：" if zh else "Alert: ") + subject
    # How many messages: uniform around the mean (1 … 2m-1 has mean m), at least one.
    mean = messages_per_ticket
    low, high = int(mean), int(mean) + (1 if mean % 1 else 0)
    base = low if rng.random() >= (mean - low) else high
    count = max(1, base + rng.randint(-(base - 1), base - 1)) if base > 1 else 1
    limit = now - dt.timedelta(minutes=1)
    first_response = min(created + dt.timedelta(minutes=rng.lognormvariate(4.2, 1.0)), limit)
    done_at = min(first_response + dt.timedelta(hours=rng.lognormvariate(3.0, 1.1)), limit)
    closed_at = min(done_at + dt.timedelta(days=rng.uniform(2, 7)), limit) if status == "closed" else None
    resolved_at = done_at if status in ("resolved", "closed") else None
    # Message times from creation to the last activity, in order.
    last = done_at if resolved_at else min(created + dt.timedelta(hours=rng.uniform(1, 72)), limit)
    step = (last - created) / max(count, 1)
    texts = {
        "in": (story.description.format(**values), story.follow_up.format(**values)),
        "out": (story.reply.format(**values), story.closing.format(**values)),
    }
    messages: list[tuple[str, dt.datetime, str]] = []
    replied = False
    for i in range(count):
        at = created + step * i
        if status == "new" or (i % 2 == 0 and channel != "monitoring"):
            kind = "in"
        elif rng.random() < 0.15:
            kind = "note"
        else:
            kind = "out"
        if kind == "out" and not replied:
            at = max(at, first_response)
            replied = True
        if kind == "note":
            body = story.note.format(**values)
        else:
            pair = texts[kind]
            body = pair[0] if i < 2 else pair[1]
        messages.append((kind, min(at, limit), body))
    messages.sort(key=lambda m: m[1])
    ticket = Ticket(
        number=number, ref=Ticket.format_ref(number), subject=subject[:255], description=texts["in"][0],
        customer_id=account.pk, contact_id=account.bench_contact_id, category_id=category_pk,
        priority=rng.choices((1, 2, 3, 4), weights=(2, 10, 70, 18))[0], channel=channel, status=status,
        owner_id=owner_id, team_id=team_id, created_at=created,
        updated_at=max([m[1] for m in messages] + [closed_at or created]),
        first_response_at=next((m[1] for m in messages if m[0] == "out"), None),
        resolved_at=resolved_at, closed_at=closed_at,
        last_customer_message_at=max((m[1] for m in messages if m[0] == "in"), default=None),
        imported=channel == "import", source_kind="bench" if channel == "import" else "",
    )
    return ticket, messages


def _children(plans: list[tuple[Any, list[tuple[str, dt.datetime, str]]]]) -> tuple[int, int]:
    from aftersales.tickets.models import Message, TicketEvent

    message_rows: list[Message] = []
    event_rows: list[TicketEvent] = []
    for ticket, messages in plans:
        for kind, at, body in messages:
            message_rows.append(Message(
                ticket_id=ticket.pk, kind=kind, channel=ticket.channel, body=body, created_at=at,
                author_user_id=ticket.owner_id if kind != "in" else None,
                author_contact_id=ticket.contact_id if kind == "in" else None,
            ))
        event_rows.append(TicketEvent(ticket_id=ticket.pk, kind="created", at=ticket.created_at, before={},
                                      after={"channel": ticket.channel, "status": "new"}))
        if ticket.owner_id is not None:
            at = ticket.first_response_at or ticket.updated_at
            event_rows.append(TicketEvent(ticket_id=ticket.pk, kind="owner", at=at, actor_id=ticket.owner_id,
                                          before={"owner": None}, after={"owner": {"id": ticket.owner_id}}))
        if ticket.status != "new":
            at = ticket.closed_at or ticket.resolved_at or ticket.first_response_at or ticket.updated_at
            event_rows.append(TicketEvent(ticket_id=ticket.pk, kind="status", at=at, actor_id=ticket.owner_id,
                                          before={"status": "new"}, after={"status": ticket.status}))
    Message.objects.bulk_create(message_rows, batch_size=2000)
    TicketEvent.objects.bulk_create(event_rows, batch_size=2000)
    return len(message_rows), len(event_rows)


# --- Command line ------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS)
    parser.add_argument("--messages-per-ticket", type=float, default=3.0)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=None, help="master accounts (default tickets/50)")
    parser.add_argument("--agents", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--now", type=dt.datetime.fromisoformat, default=None,
                        help="end of the time span, ISO 8601 with offset (default: now); fix it to repeat a run")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    started = time.monotonic()

    def progress(line: str) -> None:
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    counts = generate(tickets=args.tickets, messages_per_ticket=args.messages_per_ticket, years=args.years,
                      seed=args.seed, customers=args.customers, agents=args.agents, batch_size=args.batch_size,
                      now=args.now, progress=progress)
    elapsed = time.monotonic() - started
    sys.stderr.write("\n")
    rows = sum(counts.values())
    print(f"{connection.vendor}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
          + f" in {elapsed:.1f} s ({rows / max(elapsed, 1e-9):,.0f} rows/s)")


if __name__ == "__main__":
    main()
