"""Inbound mail throughput: parse, and parse + thread + store, over the mail corpus on one core.

    .venv/bin/python -m bench.bench_mail [--rounds 10]            # a throwaway SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_mail \
        .venv/bin/python -m bench.bench_mail --rounds 10          # a database `aftersales migrate` set up

Without DATABASE_URL it migrates a fresh SQLite file in a temporary directory. It creates a few
customers (one with the corpus's contacts, one matched by mail domain) and then feeds every
corpus message ``--rounds`` times through ``mail.inbound.receive`` — the same path as the poller
and smtpd: raw bytes stored in their own transaction, parsed, threaded, sender matched, ticket
opened or message recorded, attachments written. Message-IDs are made unique per round so
nothing is dropped as a duplicate, and the per-sender rate limit is lifted so every message does
the full work. Replies carry ``[AS-…]`` tokens and In-Reply-To ids, so later rounds thread.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "aftersales" / "mail" / "tests" / "corpus"


def _setup() -> str:
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="bench-mail-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("MEDIA_ROOT", f"{tmp}/media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    media = tempfile.mkdtemp(prefix="bench-mail-media-")
    settings.MEDIA_ROOT = media
    settings.MAIL_RATE_LIMIT_PER_HOUR = 10**9
    call_command("migrate", verbosity=0)
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def _world() -> None:
    from aftersales.core import clock
    from aftersales.customers.models import Contact, Customer

    now = clock.now()
    Customer.objects.get_or_create(
        code="bench-bank", defaults={"name": "Example Bank", "created_at": now, "updated_at": now,
                                     "mail_domains": ["example-bank.cn"]},
    )  # fmt: skip
    shop, _ = Customer.objects.get_or_create(
        code="bench-shop", defaults={"name": "Example Shop", "created_at": now, "updated_at": now},
    )  # fmt: skip
    for email in ("wang.zhe@example-shop.cn", "zhang.lei@example-shop.cn", "huang.xin@example-shop.cn"):
        Contact.objects.get_or_create(customer=shop, email=email, defaults={"name": email, "created_at": now})


def _server_cpu() -> float | None:
    """CPU seconds the PostgreSQL backend serving this connection has used (user + system), read
    from /proc when the server runs on this machine; None for SQLite or a remote server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    engine = _setup()
    from django.db import connection

    from aftersales.mail.inbound import receive
    from aftersales.mail.models import InboundEmail
    from aftersales.mail.parsing import parse
    from aftersales.tickets.models import Ticket

    _world()
    corpus = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    size = sum(len(r) for r in corpus)
    print(f"corpus: {len(corpus)} messages, {size / 1024:.0f} KiB; {engine}; Python {platform.python_version()}")

    started, cpu = time.perf_counter(), time.process_time()
    for _round in range(args.rounds):
        for raw in corpus:
            parse(raw)
    parse_s, parse_cpu = time.perf_counter() - started, time.process_time() - cpu
    count = args.rounds * len(corpus)
    print(f"parse only:              {count / parse_s:8.0f} messages/s wall, {count / parse_cpu:8.0f} per CPU-second")

    before_tickets = Ticket.objects.count()
    before_inbound = InboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    run = int(time.time())  # unique Message-IDs per run, so a reused database sees no duplicates
    states: dict[str, int] = {}
    queries = [0]

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    # A running worker has loaded jieba's dictionary once at start (about 1-2 s): not per message.
    from aftersales.core.search.tokens import index_tokens

    index_tokens("预热短信模板 warm up")
    server = _server_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counting):
        for number in range(args.rounds):
            for raw in corpus:
                unique = re.sub(rb"(?im)^(Message-ID:\s*<)", rb"\g<1>r%d.%d." % (run, number), raw, count=1)
                inbound = receive(unique, source="upload")
                states[inbound.state] = states.get(inbound.state, 0) + 1
    full_s, full_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"parse + thread + store:  {count / full_s:8.0f} messages/s wall, {count / full_cpu:8.0f} per CPU-second "
          f"({full_s * 1000 / count:.1f} ms wall each)")  # fmt: skip
    server_after = _server_cpu()
    if server is not None and server_after is not None:
        server_s = server_after - server
        print(f"PostgreSQL backend CPU: {server_s * 1000 / count:.1f} ms per message; this process "
              f"{full_cpu * 1000 / count:.1f} ms; together {count / (server_s + full_cpu):.0f} messages per CPU-second "
              f"(the wall rate on an idle machine, minus latency)")  # fmt: skip
    print(f"SQL statements per message: {queries[0] / count:.1f}")
    threaded = InboundEmail.objects.filter(threaded=True, pk__gt=before_inbound).count()
    print(f"outcomes: {dict(sorted(states.items()))}; tickets opened {Ticket.objects.count() - before_tickets}; "
          f"threaded {threaded}")  # fmt: skip
    # The floor set by the ticket actions alone: the same number of new tickets, no mail at all.
    from aftersales.customers.models import Customer
    from aftersales.tickets import actions

    shop = Customer.objects.get(code="bench-shop")
    opened = Ticket.objects.count() - before_tickets
    started, cpu = time.perf_counter(), time.process_time()
    for number in range(opened):
        ticket = actions.open_ticket(subject=f"Baseline {number}", channel="email", customer=shop, description="x")
        actions.record_customer_message(ticket=ticket, body="Hello", channel="email")
    base_s, base_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"tickets only (open_ticket + record_customer_message, {opened} tickets, no mail): "
          f"{opened / base_s:.0f} tickets/s wall, {opened / base_cpu:.0f} per CPU-second")  # fmt: skip
    try:
        load = os.getloadavg()[0]
        print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} CPUs")
    except OSError:
        pass


if __name__ == "__main__":
    main()
    sys.exit(0)
