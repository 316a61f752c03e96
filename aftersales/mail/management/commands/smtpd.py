"""``aftersales smtpd [--bind HOST:PORT]``: receive mail for the desk over SMTP.

For sites that route mail straight to the desk (an MX or a relay pointing here) instead of
a mailbox the poller reads. Runs until stopped (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.mail.smtpd import DEFAULT_MAX_BYTES, controller


def parse_bind(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind must be HOST:PORT, e.g. 127.0.0.1:2525 (got {value!r}).")
    return host.strip("[]") or "127.0.0.1", int(port)


class Command(BaseCommand):
    help = "Receive mail for the desk over SMTP (aiosmtpd) and store it like polled mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:2525", help="HOST:PORT to listen on (default 127.0.0.1:2525).")
        parser.add_argument(
            "--max-size", type=int, default=DEFAULT_MAX_BYTES, help="Largest message accepted, in bytes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = parse_bind(options["bind"])
        if options["verbosity"] < 2:  # aiosmtpd logs every SMTP command at INFO
            logging.getLogger("mail.log").setLevel(logging.WARNING)
        server = controller(host, port, max_bytes=options["max_size"])
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        try:
            server.start()
        except Exception as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        self.stderr.write(f"aftersales smtpd listening on {host}:{port}")
        try:
            stop.wait()
        finally:
            server.stop()
            self.stderr.write("aftersales smtpd stopped")
