"""How fast the agent's everyday pages answer on a big desk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_1m \
        .venv/bin/python -m bench.bench_pages [--repeat 5]

Signs in a lead (created if missing) through Django's test client and fetches each page
``--repeat`` times after one warm-up; prints the median wall time and the number of SQL
queries per page. Run it on data made by ``bench.generate``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from aftersales.customers.models import Customer
    from aftersales.people.models import AgentProfile
    from aftersales.tickets.models import Ticket

    lead, created = User.objects.get_or_create(username="bench-lead")
    if created:
        lead.groups.add(Group.objects.get(name="lead"))
        AgentProfile.objects.create(user=lead, display_name="Bench Lead", language="zh-hans")
    top_customer = Customer.objects.filter(parent__isnull=True).order_by("pk").first()
    agent = User.objects.filter(username__startswith="bench-agent").order_by("username").first()
    ticket = Ticket.objects.order_by("-pk").first()
    client = Client()
    client.force_login(lead)

    pages = [
        ("queue: all, newest activity", "/tickets/?view=all"),
        ("queue: unassigned", "/tickets/?view=unassigned"),
        ("queue: one customer + subs", f"/tickets/?view=all&customer={top_customer.code}" if top_customer else None),
        ("queue: one owner, open", f"/tickets/?view=all&owner={agent.pk}&status=open" if agent else None),
        ("queue: page 200", "/tickets/?view=all&page=200"),
        ("ticket page", f"/tickets/{ticket.ref}/" if ticket else None),
        ("customer list", "/customers/"),
        ("API: GET /tickets", "/api/v1/tickets"),
    ]
    print(f"{Ticket.objects.count():,} tickets on {connection.vendor}")
    print(f"{'page':32} {'median ms':>10} {'queries':>8} status")
    for label, url in pages:
        if url is None:
            continue
        client.get(url)  # warm-up
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
        print(f"{label:32} {statistics.median(timings):10.1f} {len(queries):8d} {response.status_code}")


if __name__ == "__main__":
    main()
