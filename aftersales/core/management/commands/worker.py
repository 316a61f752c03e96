"""``aftersales worker``: django-tasks-db's ``db_worker``, processing every queue by default.

Every ``db_worker`` option is accepted (``--queue-name``, ``--interval``, ``--batch``,
``--max-tasks``, ``--worker-id``, ``--no-reload`` …); see ``aftersales worker --help``.
"""

from __future__ import annotations

from argparse import ArgumentParser

from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand


class Command(DBWorkerCommand):
    help = "Run background tasks from the database queue (all queues unless --queue-name is given)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*")
