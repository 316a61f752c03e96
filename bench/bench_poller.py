"""The IMAP poller on a big backlog: 10,000 waiting messages, memory stays under 300 MB.

    .venv/bin/python -m bench.bench_poller [--messages 10000] [--limit-mb 300] [--tracemalloc]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_poller \
        .venv/bin/python -m bench.bench_poller                    # a database `aftersales migrate` set up

Needs root and Debian's dovecot (``apt-get install dovecot-imapd``): it starts a throwaway
dovecot (``aftersales/mail/tests/dovecot.py``), drops ``--messages`` messages straight into the
account's maildir (GBK, UTF-8 and Big5 texts from 500 senders; one in a hundred carries a
~400 KB attachment), then runs one ``mail.poller.poll_mailbox`` — sizes first, bodies in
batches — through the full ``mail.inbound.receive`` path (raw stored, parsed, threaded,
ticket opened). Without DATABASE_URL it migrates a fresh SQLite file in a temporary directory.

It reports messages/s, the process's peak resident memory (``ru_maxrss``, which includes Django
and the interpreter) and, with ``--tracemalloc``, the peak of Python allocations during the
poll (slower). Exits 1 when the peak RSS exceeds ``--limit-mb`` or a message was missed.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import os
import platform
import pwd
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

SUBJECTS = [
    ("gbk", "短信验证码收不到"),
    ("gbk", "订单同步失败，请尽快处理"),
    ("utf-8", "Delivery report missing for campaign"),
    ("utf-8", "发票抬头需要修改 invoice title"),
    ("big5", "帳單金額不對"),
]


def message(n: int, rng: random.Random) -> bytes:
    charset, subject = SUBJECTS[n % len(SUBJECTS)]
    sender = f"user{n % 500:03d}@customer{n % 37:02d}.example"
    text = f"第 {n} 封邮件。{subject}。\r\n" * rng.randint(3, 40)
    encoded_subject = base64.b64encode(f"{subject} #{n}".encode(charset)).decode()
    head = (
        f"From: <{sender}>\r\n"
        "To: support@desk.example\r\n"
        f"Subject: =?{charset}?B?{encoded_subject}?=\r\n"
        f"Date: Mon, 2 Mar 2026 10:{n % 60:02d}:00 +0800\r\n"
        f"Message-ID: <bench.{n}.{rng.getrandbits(40):x}@customer.example>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    body = text.encode(charset, "replace")
    if n % 100 == 0:  # an attachment of ~400 KB
        blob = base64.encodebytes(rng.randbytes(300_000)).replace(b"\n", b"\r\n")
        return (
            head.encode()
            + b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
            + f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode()
            + body
            + b'\r\n--b1\r\nContent-Type: application/pdf; name="report.pdf"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + blob + b"\r\n--b1--\r\n"
        )
    return head.encode() + f"Content-Type: text/plain; charset={charset}\r\n".encode() + b"\r\n" + body


def fill_maildir(maildir: Path, count: int, *, seed: int = 1) -> int:
    """Write ``count`` messages into ``maildir/new`` (owned by mail), like an MTA delivering."""
    mail = pwd.getpwnam("mail")
    rng = random.Random(seed)
    total = 0
    new = maildir / "new"
    for n in range(1, count + 1):
        raw = message(n, rng)
        path = new / f"{1_700_000_000 + n}.M{n}P1.bench"
        path.write_bytes(raw)
        os.chown(path, mail.pw_uid, mail.pw_gid)
        total += len(raw)
    return total


def _setup() -> str:
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="bench-poller-")
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-poller-media-")
    atexit.register(shutil.rmtree, settings.MEDIA_ROOT, ignore_errors=True)
    settings.MAIL_RATE_LIMIT_PER_HOUR = 10**9  # every message does the full work
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("migrate", verbosity=0)
    return str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]


def run(count: int, *, trace: bool = False, progress: bool = True) -> dict[str, float]:
    """Fill a throwaway dovecot with ``count`` messages and poll it once (Django set up)."""
    from aftersales.mail import poller
    from aftersales.mail.models import InboundEmail, Mailbox
    from aftersales.mail.tests.dovecot import DovecotServer

    user, password = "bench@example.test", "bench-imap-pw"
    with DovecotServer.start(users={user: password}) as server:
        server.count(user)  # first login creates the maildir
        started = time.monotonic()
        size = fill_maildir(server.root / "mail" / user / "Maildir", count)
        if progress:
            print(f"{count:,} messages ({size / 1e6:.1f} MB) written in {time.monotonic() - started:.1f} s")
        assert server.count(user) == count
        mailbox, _ = Mailbox.objects.update_or_create(
            name="bench",
            defaults={"imap_host": server.host, "imap_port": server.port, "imap_security": "none",
                      "username": user, "password": password, "uidvalidity": None, "last_uid": 0},
        )  # fmt: skip
        before = InboundEmail.objects.filter(mailbox=mailbox).count()
        if trace:
            tracemalloc.start()
        started = time.monotonic()
        report = poller.poll_mailbox(mailbox)
        elapsed = time.monotonic() - started
        traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        stored = InboundEmail.objects.filter(mailbox=mailbox).count() - before
        again = poller.poll_mailbox(Mailbox.objects.get(pk=mailbox.pk))
    if report.error:
        raise RuntimeError(report.error)
    return {
        "fetched": report.fetched,
        "stored": stored,
        "fetched_again": again.fetched,
        "seconds": elapsed,
        "per_second": report.fetched / elapsed if elapsed else 0.0,
        "bytes": size,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "traced_peak_mb": traced_peak / 2**20,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--limit-mb", type=float, default=300)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    args = parser.parse_args(argv)
    engine = _setup()
    result = run(args.messages, trace=args.tracemalloc)
    print(f"{engine}, Python {platform.python_version()}, dovecot on loopback")
    print("| messages | poll time | messages/s | peak RSS | peak Python allocations | second poll |")
    print("|---:|---:|---:|---:|---:|---:|")
    traced = f"{result['traced_peak_mb']:.0f} MB" if args.tracemalloc else "—"
    print(
        f"| {result['fetched']:,.0f} | {result['seconds']:.0f} s | {result['per_second']:.0f} | "
        f"{result['maxrss_mb']:.0f} MB | {traced} | {result['fetched_again']:.0f} fetched |"
    )
    ok = result["stored"] == args.messages == result["fetched"] and result["fetched_again"] == 0
    if not ok:
        print(f"FAIL: {result['stored']:.0f} stored of {args.messages:,}", file=sys.stderr)
    if result["maxrss_mb"] > args.limit_mb:
        print(f"FAIL: peak RSS {result['maxrss_mb']:.0f} MB > {args.limit_mb:.0f} MB", file=sys.stderr)
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
