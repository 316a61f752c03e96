"""The IMAP poller: fetch each new message of a mailbox once, store it, never delete it.

How "once" holds:

* The mailbox row keeps the folder's ``UIDVALIDITY`` and the highest UID stored (``last_uid``).
  A poll asks only for ``UID last_uid+1:*`` and advances ``last_uid`` after each message is
  stored (``inbound.receive`` commits the raw bytes first), so a crash or restart resumes
  where it stopped; at worst the message being stored when it died is fetched again, and a
  message whose bytes are already stored for this mailbox is skipped.
* When the server reports a different ``UIDVALIDITY`` (the folder was rebuilt or moved), the
  old UIDs mean nothing: the folder is read again from the start and every message already
  stored (same Message-ID, or same bytes when it has none) is skipped.
* A lease (``MailboxLease``) keeps a second worker off a mailbox that is being read; a long
  backlog renews it batch by batch.
* Mail is opened with ``BODY.PEEK[]`` (flags stay as they were) and is never deleted; when the
  mailbox names a ``move_to_folder`` each stored message is moved there.
* Memory stays flat on big backlogs: sizes are fetched first and bodies in batches of at most
  ``BATCH_BYTES`` / ``BATCH_COUNT``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.parser
import hashlib
import ipaddress
import logging
import ssl
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from imapclient import IMAPClient

from aftersales.core import clock, leases
from aftersales.mail.models import InboundEmail, InboundSource, Mailbox
from aftersales.mail.models_outbound import MailboxLease

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
BATCH_COUNT = 50
BATCH_BYTES = 20 * 1024 * 1024
TIMEOUT = 60  # seconds, per IMAP command

ClientFactory = Callable[[Mailbox], IMAPClient]


@dataclass
class PollReport:
    mailbox: str
    fetched: int = 0  # stored as new InboundEmail rows
    skipped: int = 0  # already stored (refetch after a crash or a UIDVALIDITY change)
    moved: int = 0
    uidvalidity_changed: bool = False
    busy: bool = False  # another worker holds the lease
    error: str = ""


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def connect(mailbox: Mailbox) -> IMAPClient:
    """Open and log in to the mailbox's server (TLS as configured; a password is only ever sent
    unencrypted to this machine itself)."""
    if mailbox.imap_security == "none" and not is_loopback(mailbox.imap_host):
        raise ConnectionRefusedError(
            f"refusing to send the password unencrypted to {mailbox.imap_host}: choose SSL/TLS or STARTTLS"
        )
    context = ssl.create_default_context()
    imap = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=mailbox.imap_security == "ssl",
        ssl_context=context if mailbox.imap_security == "ssl" else None,
        timeout=TIMEOUT,
    )
    try:
        if mailbox.imap_security == "starttls":
            imap.starttls(context)
        imap.login(mailbox.username, mailbox.password)
    except Exception:
        _quietly(imap.logout)
        raise
    return imap


def acquire_lease(mailbox: Mailbox, *, holder: str, now: dt.datetime) -> bool:
    MailboxLease.objects.get_or_create(mailbox=mailbox)
    free = Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder)
    return MailboxLease.objects.filter(free, mailbox=mailbox).update(holder=holder, expires_at=now + LEASE) == 1


def renew_lease(mailbox: Mailbox, *, holder: str) -> None:
    MailboxLease.objects.filter(mailbox=mailbox, holder=holder).update(expires_at=clock.now() + LEASE)


def release_lease(mailbox: Mailbox, *, holder: str) -> None:
    MailboxLease.objects.filter(mailbox=mailbox, holder=holder).update(holder="", expires_at=None)


def batches(sizes: Sequence[tuple[int, int]], *, count: int, max_bytes: int) -> Iterator[list[int]]:
    """Group (uid, size) pairs into UID lists of at most ``count`` messages / ``max_bytes``."""
    batch: list[int] = []
    total = 0
    for uid, size in sizes:
        if batch and (len(batch) >= count or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _message_id(header_bytes: bytes) -> str:
    parsed = email.parser.BytesHeaderParser().parsebytes(header_bytes)
    value = parsed.get("Message-ID", "") or ""
    return str(value).strip()


def _already_stored(mailbox: Mailbox, raw: bytes) -> bool:
    digest = hashlib.sha256(raw).hexdigest()
    return InboundEmail.objects.filter(mailbox=mailbox, sha256=digest).exists()


def poll_mailbox(
    mailbox: Mailbox,
    *,
    client_factory: ClientFactory = connect,
    batch_count: int = BATCH_COUNT,
    batch_bytes: int = BATCH_BYTES,
    holder: str | None = None,
) -> PollReport:
    """Fetch and store every message that arrived since the last poll."""
    from aftersales.mail.inbound import receive

    report = PollReport(mailbox=mailbox.name)
    holder = holder or leases.holder()
    if not acquire_lease(mailbox, holder=holder, now=clock.now()):
        report.busy = True
        return report
    imap: IMAPClient | None = None
    try:
        imap = client_factory(mailbox)
        moving = bool(mailbox.move_to_folder)
        status = imap.select_folder(mailbox.folder, readonly=not moving)
        uidvalidity = int(status[b"UIDVALIDITY"])
        last_uid = mailbox.last_uid
        if mailbox.uidvalidity is not None and mailbox.uidvalidity != uidvalidity:
            logger.warning(
                "mail: UIDVALIDITY of %s changed (%s -> %s); rereading the folder, skipping stored mail",
                mailbox.name,
                mailbox.uidvalidity,
                uidvalidity,
            )
            report.uidvalidity_changed = True
            last_uid = 0
        if mailbox.uidvalidity != uidvalidity or last_uid != mailbox.last_uid:
            Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=last_uid)
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, last_uid
        recheck = report.uidvalidity_changed
        # "n:*" always matches the highest UID, even below n: filter.
        uids = sorted(uid for uid in imap.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        sizes: list[tuple[int, int]] = []
        for chunk in _chunks(uids, 1000):
            found = imap.fetch(chunk, ["RFC822.SIZE"])
            sizes += [(uid, int(found[uid].get(b"RFC822.SIZE", 0))) for uid in chunk if uid in found]
        for batch in batches(sizes, count=batch_count, max_bytes=batch_bytes):
            known: set[int] = set()
            if recheck:
                known = _known_in(imap, mailbox, batch)
            wanted = [uid for uid in batch if uid not in known]
            bodies = imap.fetch(wanted, ["BODY.PEEK[]"]) if wanted else {}
            stored: list[int] = []
            for uid in batch:
                if uid in known:
                    report.skipped += 1
                else:
                    data = bodies.get(uid)
                    if data is None:  # expunged meanwhile
                        continue
                    raw = bytes(data[b"BODY[]"])
                    if _already_stored(mailbox, raw):
                        report.skipped += 1
                    else:
                        receive(raw, source=InboundSource.IMAP, mailbox=mailbox)
                        report.fetched += 1
                stored.append(uid)
                Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)
                mailbox.last_uid = uid
            del bodies
            if moving and stored:
                _move(imap, stored, mailbox.move_to_folder)
                report.moved += len(stored)
            renew_lease(mailbox, holder=holder)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=clock.now(), last_error="")
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"[:2000]
        logger.warning("mail: polling %s failed: %s", mailbox.name, report.error)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=clock.now(), last_error=report.error)
    finally:
        if imap is not None:
            _quietly(imap.logout)
        release_lease(mailbox, holder=holder)
    return report


def _known_in(imap: IMAPClient, mailbox: Mailbox, batch: list[int]) -> set[int]:
    """UIDs in ``batch`` whose Message-ID is already stored for this mailbox (after a
    UIDVALIDITY change); messages without a Message-ID are compared by their bytes later."""
    headers = imap.fetch(batch, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    ids: dict[int, str] = {}
    for uid, data in headers.items():
        value = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
        message_id = _message_id(bytes(value or b""))
        if message_id:
            ids[uid] = message_id
    stored = set(
        InboundEmail.objects.filter(mailbox=mailbox, message_id__in=set(ids.values())).values_list(
            "message_id", flat=True
        )
    )
    return {uid for uid, message_id in ids.items() if message_id in stored}


def _move(imap: IMAPClient, uids: list[int], folder: str) -> None:
    if not imap.folder_exists(folder):
        imap.create_folder(folder)
    if imap.has_capability("MOVE"):
        imap.move(uids, folder)
    else:  # copy, then flag and expunge exactly those UIDs
        imap.copy(uids, folder)
        imap.delete_messages(uids)
        imap.uid_expunge(uids)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _quietly(call: Callable[[], Any]) -> None:
    with contextlib.suppress(Exception):  # closing a broken connection
        call()


def poll_all(*, client_factory: ClientFactory = connect) -> list[PollReport]:
    """Poll every active mailbox (one failing mailbox does not stop the others)."""
    reports = []
    for mailbox in Mailbox.objects.filter(is_active=True).exclude(imap_host=""):
        reports.append(poll_mailbox(mailbox, client_factory=client_factory))
    return reports
