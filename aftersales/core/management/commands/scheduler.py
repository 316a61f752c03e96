"""``aftersales scheduler``: enqueue periodic jobs (see ``aftersales.core.scheduler``)."""

from __future__ import annotations

import logging
import signal
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

logger = logging.getLogger("aftersales.core.scheduler")


class Command(BaseCommand):
    help = "Enqueue periodic jobs on schedule. Several schedulers may run at once: each slot runs once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between ticks (default: %(default)s).")

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        from aftersales.core import scheduler

        if interval <= 0:
            raise CommandError("--interval must be greater than 0")
        jobs = scheduler.discover_jobs()
        if once:
            claimed = scheduler.run_tick()
            for run in claimed:
                self.stdout.write(f"enqueued {run.job} for slot {run.slot_start.isoformat()}")
            return

        self.running = True

        def stop(signum: int, frame: FrameType | None) -> None:
            logger.info("received %s, stopping the scheduler", signal.strsignal(signum))
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        logger.info("scheduler started with %d jobs: %s", len(jobs), ", ".join(job.name for job in jobs))
        while self.running:
            close_old_connections()
            scheduler.run_tick()
            close_old_connections()
            deadline = time.monotonic() + interval
            while self.running and time.monotonic() < deadline:
                time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))
        logger.info("scheduler stopped")
