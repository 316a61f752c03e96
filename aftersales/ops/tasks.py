"""The daily backup (``ops.backup``), with retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django_tasks import task

from aftersales.core.scheduler import register_job
from aftersales.ops import backup


@task()
def scheduled_backup() -> dict[str, object]:
    """Back up into BACKUP_DIR and keep the BACKUP_KEEP newest; BACKUP_KEEP=0 turns it off."""
    keep = int(settings.BACKUP_KEEP)
    if keep <= 0:
        return {"skipped": "BACKUP_KEEP is 0"}
    directory = Path(settings.BACKUP_DIR)
    path = backup.make_backup(directory)
    removed = backup.prune_backups(directory, keep=keep)
    return {"backup": str(path), "removed": [str(p) for p in removed]}


# Once a day at 18:30 UTC (02:30 in Shanghai, the desk's quietest hour).
register_job("ops.backup", every=dt.timedelta(days=1), offset=dt.timedelta(hours=18, minutes=30),
             task=scheduled_backup)
