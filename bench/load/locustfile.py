"""The load test's users (run by ``bench/bench_load.py``; or by hand with ``locust -f`` and the same
environment): 50 agents working tickets, and Vonage sending delivery receipts at a fixed rate.

Environment (written by ``bench_load``):

- ``LOAD_SESSIONS``: a file with one session key per line (agents signed in beforehand, so the test
  measures the desk, not the sign-in rate limit);
- ``LOAD_REFS``: a file with the refs of open tickets, one per line;
- ``LOAD_DLR_KEY``: the Vonage API key the receipts carry; ``LOAD_DLR_RATE``: receipts per second
  per DLR user (``DlrSender.fixed_count`` users).

Request names group the stats per page: ``queue``, ``ticket``, ``reply``, ``status``, ``search``, ``dlr``.
"""

from __future__ import annotations

import itertools
import os
import random
import time
import urllib.parse
from pathlib import Path

from locust import FastHttpUser, HttpUser, between, constant_throughput, task


def _lines(variable: str) -> list[str]:
    path = os.environ.get(variable, "")
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()] if path else []


SESSIONS = _lines("LOAD_SESSIONS")
REFS = _lines("LOAD_REFS")
SEARCHES = ["Vietnam", "sender ID", "余额", "DLR", "退订", "OTP", "Thailand", "模板"]
REPLIES = ["We are checking the route with the carrier.", "已联系供应商，正在处理。", "Please retry now."]
_session_numbers = itertools.count()
_message_numbers = itertools.count()


class Agent(HttpUser):
    """An agent: the queue, a ticket, a reply or a status change, now and then a search."""

    fixed_count = int(os.environ.get("LOAD_AGENTS", "50"))
    wait_time = between(2, 6)

    def on_start(self) -> None:
        key = SESSIONS[next(_session_numbers) % len(SESSIONS)]
        self.client.cookies.set("sessionid", key)
        self.client.get("/tickets/", name="queue")
        self.csrf = self.client.cookies.get("csrftoken", "")

    def _post(self, path: str, data: dict[str, str], name: str) -> None:
        headers = {"X-CSRFToken": self.csrf, "Referer": f"{self.host}{path}"}
        with self.client.post(path, data=data, headers=headers, name=name, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"{name}: {response.status_code}")

    @task(4)
    def queue(self) -> None:
        self.client.get("/tickets/", name="queue")

    @task(6)
    def ticket(self) -> None:
        self.client.get(f"/tickets/{random.choice(REFS)}/", name="ticket")

    @task(2)
    def reply(self) -> None:
        ref = random.choice(REFS)
        self.client.get(f"/tickets/{ref}/", name="ticket")
        kind = random.choice(["reply", "note"])
        self._post(f"/tickets/{ref}/reply/", {"kind": kind, "body": random.choice(REPLIES)}, "reply")

    @task(1)
    def status(self) -> None:
        ref = random.choice(REFS)
        self.client.get(f"/tickets/{ref}/", name="ticket")
        status = random.choice(["open", "waiting_customer", "waiting_vendor"])
        self._post(f"/tickets/{ref}/status/", {"status": status}, "status")

    @task(2)
    def search(self) -> None:
        self.client.get("/search/?" + urllib.parse.urlencode({"q": random.choice(SEARCHES)}), name="search")


class DlrSender(FastHttpUser):
    """Vonage posting delivery receipts (unique message ids; 10 % failed with err 6)."""

    fixed_count = int(os.environ.get("LOAD_DLR_USERS", "20"))
    wait_time = constant_throughput(float(os.environ.get("LOAD_DLR_RATE", "25")))

    @task
    def receipt(self) -> None:
        n = next(_message_numbers)
        failed = n % 10 == 9
        body = urllib.parse.urlencode({
            "api-key": os.environ.get("LOAD_DLR_KEY", ""), "messageId": f"LD{os.getpid()}{n:010d}",
            "msisdn": f"2348031{n % 1_000_000:06d}", "network-code": "62130", "price": "0.03330000",
            "status": "failed" if failed else "delivered", "err-code": "6" if failed else "0", "to": "Load",
            "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        })
        self.client.post("/hooks/vonage/dlr", data=body, name="dlr",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
