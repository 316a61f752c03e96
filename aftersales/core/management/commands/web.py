"""``aftersales web``: serve the desk with gunicorn (``aftersales.wsgi``).

Static files need no ``collectstatic``: WhiteNoise serves them from the app finders
(``WHITENOISE_USE_FINDERS``). SIGTERM stops gracefully (requests in flight finish within
``--graceful-timeout``), SIGINT stops at once; both are gunicorn's own signal handling.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication

from aftersales.core.env import env_int


class DeskApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn configured from Python instead of its command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        known = self.cfg.settings
        for key, value in self.options.items():
            if key in known and value is not None:  # settings older gunicorn lacks are left out
                self.cfg.set(key, value)

    def load(self) -> Any:
        from aftersales.wsgi import application

        return application


def _prepare_metrics_dir() -> bool:
    """With ``PROMETHEUS_MULTIPROC_DIR`` set, start from an empty directory (files of a previous run
    would add old requests to the histogram) and tell prometheus_client when a worker exits."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if not directory:
        return False
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return True


def _child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class Command(BaseCommand):
    help = "Serve the web UI and API with gunicorn."
    requires_system_checks: list[str] = []  # checked once in each worker by Django itself

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="HOST:PORT or unix:PATH to listen on (default: %(default)s)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (default: $WEB_CONCURRENCY, else 2).",
        )
        parser.add_argument("--threads", type=int, default=1, help="Threads per worker (default: %(default)s).")
        parser.add_argument(
            "--timeout", type=int, default=60, help="Seconds before a stuck worker is restarted (default: %(default)s)."
        )
        parser.add_argument(
            "--graceful-timeout",
            type=int,
            default=20,
            help="Seconds requests in flight get to finish on SIGTERM (default: %(default)s).",
        )
        parser.add_argument("--access-log", action="store_true", help="Log every request to stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] if options["workers"] is not None else env_int("WEB_CONCURRENCY", 2)
        if workers < 1:
            raise CommandError("--workers (or WEB_CONCURRENCY) must be at least 1")
        if options["threads"] < 1:
            raise CommandError("--threads must be at least 1")
        # Connections opened so far must not be shared with the forked workers.
        connections.close_all()
        multiprocess_metrics = _prepare_metrics_dir()
        DeskApplication(
            {
                "child_exit": _child_exit if multiprocess_metrics else None,
                "bind": [options["bind"]],
                "workers": workers,
                "threads": options["threads"],
                "timeout": options["timeout"],
                "graceful_timeout": options["graceful_timeout"],
                "accesslog": "-" if options["access_log"] else None,
                "errorlog": "-",
                "loglevel": str(settings.LOG_LEVEL).lower(),
                "proc_name": "aftersales-web",
                # The default control socket path is shared by every gunicorn of the user.
                "control_socket_disable": True,
            }
        ).run()
