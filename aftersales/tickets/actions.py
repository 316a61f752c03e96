"""Every write to a ticket. Views, the API, mail, the importer and monitors call these.

Each action takes keyword-only arguments, runs in one transaction, writes its timeline
event and an audit entry, and runs side effects (listeners registered by other apps)
only after the transaction commits. Bad input raises ``TicketActionError`` with a message
meant for the person who asked.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.audit.log import build as audit_build
from aftersales.audit.log import record as audit
from aftersales.audit.models import AuditEntry
from aftersales.core import bulk, clock, stamps, uploads
from aftersales.core.access import can_write, require_lead
from aftersales.core.models import next_values
from aftersales.customers.models import Contact, Customer
from aftersales.notify.api import notify
from aftersales.people.models import Team
from aftersales.routing import engine as routing
from aftersales.tickets import deadlines, events, search, workload
from aftersales.tickets.models import (
    DONE_STATUSES,
    Attachment,
    Category,
    Channel,
    Message,
    MessageKind,
    Priority,
    RootCause,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
    attachment_path,
)

logger = logging.getLogger(__name__)

# File types never accepted as attachments: they run when opened.
DANGEROUS_EXTENSIONS = frozenset(
    [
        ".exe",
        ".com",
        ".bat",
        ".cmd",
        ".scr",
        ".pif",
        ".msi",
        ".msp",
        ".vbs",
        ".vbe",
        ".js",
        ".jse",
        ".wsf",
        ".wsh",
        ".ps1",
        ".psm1",
        ".hta",
        ".cpl",
        ".jar",
        ".lnk",
        ".reg",
        ".dll",
    ]
)


class TicketActionError(ValidationError):
    """An action was refused; the message says why, for the person who asked."""


@dataclass(frozen=True)
class Resolution:
    """What an agent says when resolving (issue 8): a short summary, the root cause and, optionally,
    the customer's underlying need. The actions accept it without requiring it (system resolves and
    older callers pass none); the agent UI and the API require summary and cause."""

    summary: str = ""
    root_cause: RootCause | None = None
    underlying_need: str = ""

    @classmethod
    def of(cls, *, summary: str = "", root_cause: RootCause | str | None = None,
           underlying_need: str = "") -> Resolution:
        """``root_cause`` may be a code (system callers): an unknown code is dropped, never an error."""
        if isinstance(root_cause, str):
            root_cause = RootCause.objects.filter(code=root_cause).first() if root_cause else None
        return cls(summary=(summary or "").strip()[:500], root_cause=root_cause,
                   underlying_need=(underlying_need or "").strip())

    def is_complete(self) -> bool:
        return bool(self.summary) and self.root_cause is not None

    def is_empty(self) -> bool:
        return not self.summary and self.root_cause is None and not self.underlying_need


# --- Listeners: how other apps (SLA, notifications, search) hear about changes -----------
TicketListener = Callable[[Ticket, str], None]
_listeners: list[TicketListener] = []


_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("tickets_quiet", default=False)


def register_listener(listener: TicketListener) -> None:
    """Call ``listener(ticket, what)`` after each committed change. ``what`` names the action.
    Changes made inside ``quietly()`` are not told."""
    if listener not in _listeners:
        _listeners.append(listener)


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """The changes made inside are history, not news: no listener hears them (no survey asks the
    customer, no chat notice goes out). The importer writes old logs inside it, as helpdesks'
    import APIs fire no triggers. The changes themselves, their events, audit and search are the same."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


# --- Message hooks: how channels (mail, chat) send an agent's reply out ----------------
MessageHook = Callable[[Message], None]
_message_hooks: list[MessageHook] = []


def register_message_hook(hook: MessageHook) -> None:
    """Call ``hook(message)`` inside the transaction that writes each outbound reply.

    A channel writes its outbox row there, so the reply and its delivery commit (or roll back)
    together; a hook that raises rolls the reply back. ``tickets`` never imports the channels.
    """
    if hook not in _message_hooks:
        _message_hooks.append(hook)


def unregister_message_hook(hook: MessageHook) -> None:
    if hook in _message_hooks:
        _message_hooks.remove(hook)


def _after_commit(ticket: Ticket, what: str) -> None:
    _after_commit_many([(ticket, what)])


def tell_agent(user: Any, ticket: Ticket, *, kind: str, key: str, title: Callable[[], str]) -> None:
    """Notify an agent about ``ticket`` inside the current transaction (outbox: in-app and email).

    ``title`` is called in the recipient's language; the ticket's subject is the body.
    """
    notify([user], kind=kind, title=title, body=ticket.subject, ticket_ref=ticket.ref, key=key,
           url=reverse("tickets:detail", args=[ticket.ref]))


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock so concurrent actions serialise."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _merged_ref(ticket: Ticket) -> str:
    merged_into = ticket.merged_into
    return merged_into.ref if merged_into is not None else ""


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = clock.now()
    ticket.save(update_fields=[*fields, "updated_at"])


def _require_agent(user: Any, *, label: str) -> None:
    if user is not None and not can_write(user):
        raise TicketActionError(_("%(name)s is not an agent and cannot %(what)s.") % {"name": user, "what": label})


def _validate_attachments(files: Sequence[Any]) -> None:
    limit = settings.ATTACHMENT_MAX_BYTES
    for upload in files:
        name = PurePath(upload.name or "").name
        if PurePath(name.lower()).suffix in DANGEROUS_EXTENSIONS:
            raise TicketActionError(_("“%(name)s” is a program file and cannot be attached.") % {"name": name})
        if upload.size > limit:
            raise TicketActionError(
                _("“%(name)s” is %(size)d MB; attachments may be at most %(limit)d MB.")
                % {"name": name, "size": upload.size // 1_048_576, "limit": limit // 1_048_576}
            )
        try:
            uploads.check(name, uploads.read_head(upload))
        except uploads.UploadRefused as exc:
            raise TicketActionError(str(exc)) from exc


def _store_attachments(message: Message, files: Sequence[Any]) -> None:
    """Write each file, then its row. If the storage fails (disk full, gone read-only) no file of the
    message is left behind, the partial one included, and the action is refused with a clear
    message: the caller's transaction rolls back the message, so no row points at a missing file."""
    stored: list[str] = []
    storage = Attachment._meta.get_field("file").storage  # type: ignore[attr-defined]
    for upload in files:
        name = PurePath(upload.name or "attachment").name[:200] or "attachment"
        # The type served later is the one read from the content, not the browser's or the mail's claim.
        content_type = uploads.check(name, uploads.read_head(upload))
        attachment = Attachment(
            message=message, filename=name, content_type=content_type or "application/octet-stream", size=upload.size
        )
        target = storage.get_available_name(attachment_path(attachment, name), max_length=400)
        try:
            attachment.file.name = storage.save(target, File(upload), max_length=400)
        except OSError as exc:
            logger.error("attachments: could not store %s for %s: %s", target, message.ticket.ref, exc)
            for written in [*stored, target]:
                try:
                    storage.delete(written)
                except OSError:
                    logger.exception("attachments: could not remove %s after a failed write", written)
            raise TicketActionError(
                _("The attachments could not be stored: the server's file storage is full or unavailable. "
                  "Nothing was saved; please try again later or tell your administrator.")
            ) from exc
        stored.append(attachment.file.name)
        attachment.save()


def _normalise_tags(names: Iterable[str]) -> list[str]:
    cleaned = {name.strip().lower()[:50] for name in names if name and name.strip()}
    return sorted(cleaned)


def _set_tag_names(ticket: Ticket, names: list[str]) -> None:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    ticket.tags.set(existing.values())


def _check_contact(customer: Customer | None, contact: Contact | None) -> None:
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        raise TicketActionError(_("%(contact)s is not a contact of this customer.") % {"contact": contact})


# --- Opening -------------------------------------------------------------------------------
def open_ticket(
    *,
    subject: str,
    channel: str,
    actor: Any = None,
    description: str = "",
    customer: Customer | None = None,
    contact: Contact | None = None,
    category: Category | None = None,
    priority: int = Priority.P3,
    owner: Any = None,
    team: Team | None = None,
    tags: Iterable[str] = (),
    from_customer: bool = True,
    imported_at: dt.datetime | None = None,
    source_kind: str = "",
    source_ref: str = "",
) -> Ticket:
    """Open a ticket. ``customer`` may be unknown (the ticket then waits in "needs a customer").

    ``from_customer`` says the customer raised it (starts the customer-message clock);
    monitoring alerts pass False. Only the importer passes ``imported_at``: the original
    time from an old log, marked imported.
    """
    subject = (subject or "").strip()
    if not subject:
        raise TicketActionError(_("A ticket needs a subject."))
    if channel not in Channel.values:
        raise TicketActionError(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    if priority not in Priority.values:
        raise TicketActionError(_("Priority must be P1 to P4."))
    if contact is not None and customer is None:
        customer = contact.customer
    _check_contact(customer, contact)
    _require_agent(owner, label=_("own tickets"))
    now = clock.now()
    created_at = imported_at or now
    with transaction.atomic():
        # Routing (issue 3): no owner or team given → the rules, the account manager or triage decide.
        decision = None
        if owner is None and team is None and imported_at is None:
            decision = routing.decide(
                customer=customer, category_code=category.code if category else None, channel=channel,
                subject=subject, description=description,
                language=contact.language if contact else (customer.language if customer else ""),
                open_counts=workload.open_counts,
            )
            owner, team = decision.owner, decision.team
        number = next_values("ticket_ref")[0]
        ticket = Ticket(
            number=number,
            ref=Ticket.format_ref(number),
            subject=subject[:255],
            description=description,
            customer=customer,
            contact=contact,
            category=category,
            priority=priority,
            channel=channel,
            status=Status.OPEN if owner is not None else Status.NEW,
            owner=owner,
            team=team,
            created_at=created_at,
            updated_at=now,
            status_since=created_at,
            last_customer_message_at=created_at if from_customer else None,
            imported=imported_at is not None,
            source_kind=source_kind,
            source_ref=source_ref,
        )
        deadlines.start(ticket)  # SLA clocks (issue 3): policy and first deadlines, set before the one INSERT
        ticket.save(force_insert=True)
        if tags:
            _set_tag_names(ticket, _normalise_tags(tags))
        events.created(ticket, actor)
        search.ticket_opened(ticket)
        if decision is not None:  # routed by the system: say where and why
            if decision.team is not None:
                events.team_changed(ticket, None, None, decision.team, reason=decision.reason)
            if decision.owner is not None:
                events.owner_changed(ticket, None, None, decision.owner, reason=decision.reason)
        if ticket.owner is not None and ticket.owner != actor and imported_at is None:
            tell_agent(ticket.owner, ticket, kind="assigned", key=f"opened:{ticket.pk}",
                       title=lambda: _("%(ref)s is now yours") % {"ref": ticket.ref})
        audit(actor=actor, action="ticket.open", obj=ticket, after={"ref": ticket.ref, "channel": channel})
        _after_commit(ticket, "opened")
    return ticket


# --- Importing old logs in batches ------------------------------------------------------------
@dataclass(frozen=True)
class ImportedStep:
    """What another action does to a new imported ticket right after its note, at ``opened_at``, as
    the per-row path does it: a status (``change_status`` with ``reason``) and then an internal note
    (``add_note``, not marked imported), e.g. what linking a vendor case writes."""

    status: str = ""
    reason: str = ""
    note: str = ""


@dataclass(frozen=True)
class ImportedTicket:
    """One ticket from an old log for :func:`import_tickets`: what ``open_ticket(imported_at=…)``,
    ``add_note`` and ``change_status`` receive on the per-row path, with their original times."""

    subject: str
    opened_at: dt.datetime
    note: str  # the internal note holding the row's original text (added at ``opened_at``)
    description: str = ""
    customer: Customer | None = None
    category: Category | None = None
    owner: Any = None
    tags: Sequence[str] = ()
    status: str = ""  # the status it ends in ("" keeps the one it was opened with)
    status_at: dt.datetime | None = None  # when it got there (default ``opened_at``)
    resolution: Resolution | None = None
    source_kind: str = ""
    source_ref: str = ""
    steps: Sequence[ImportedStep] = ()  # after the note, before ``status``


# The statuses an imported row can set (a set: ``Choices.values`` is a new list each time).
IMPORTED_STATUSES = frozenset(Status.values) - {Status.NEW}


def import_tickets(items: Sequence[ImportedTicket], *, actor: Any = None,
                   first_notes: list[Message] | None = None) -> list[Ticket]:  # fmt: skip
    """Open a batch of imported tickets: the rows ``open_ticket(imported_at=…)`` + ``add_note`` +
    ``change_status`` write for each, written with one INSERT per table (a constant number of
    queries per batch, whatever its size).

    Same tickets (numbers from the ``ticket_ref`` sequence, marked imported, no SLA clocks),
    notes (marked imported), events, search docs and tags as the per-row path, at the original
    times; listeners are told "opened", "noted" and "status" after the commit, like the per-row path
    tells them (imported tickets ask no survey and notify nobody).

    ``first_notes``, when given, receives each ticket's imported note (the one holding its ``note``),
    in order: what a caller would otherwise read back.

    The audit log gets one entry for the batch (``ticket.import``: who, when it happened, every
    ticket's ref, how many notes and status changes), not the per-row path's 3–5 entries a ticket
    dated years back: the import is what happened in the desk, and the tickets' own timelines keep
    the original times. (It was a third of the rows an import wrote.)
    """
    _require_agent(actor, label=_("add notes"))
    for item in items:
        if not (item.subject or "").strip():
            raise TicketActionError(_("A ticket needs a subject."))
        if not (item.note or "").strip():
            raise TicketActionError(_("Write something or attach a file."))
        for status in (item.status, *(step.status for step in item.steps)):
            if status and status not in IMPORTED_STATUSES:
                raise TicketActionError(_("Unknown status “%(status)s”.") % {"status": status})
    for owner in {id(item.owner): item.owner for item in items if item.owner is not None}.values():  # each once
        _require_agent(owner, label=_("own tickets"))
    if not items:
        return []
    author = actor if getattr(actor, "is_authenticated", False) else None
    with stamps.pinned(), transaction.atomic():  # the SLA calendars are read once for the batch
        numbers = next_values("ticket_ref", len(items))
        tickets: list[Ticket] = []
        unsaved_events: list[TicketEvent] = []
        told: list[tuple[Ticket, str]] = []  # what the listeners hear after the commit, in order
        for number, item in zip(numbers, items, strict=True):
            ticket = bulk.new(
                Ticket,
                number=number,
                ref=Ticket.format_ref(number),
                subject=item.subject.strip()[:255],
                description=item.description,
                customer=item.customer,
                category=item.category,
                priority=Priority.P3,
                channel=Channel.IMPORT,
                status=Status.OPEN if item.owner is not None else Status.NEW,
                owner=item.owner,
                created_at=item.opened_at,
                updated_at=item.opened_at,
                status_since=item.opened_at,
                last_customer_message_at=item.opened_at,
                imported=True,
                source_kind=item.source_kind,
                source_ref=item.source_ref,
            )
            deadlines.start(ticket)  # imported: no clocks (called as open_ticket calls it)
            unsaved_events.append(events.created_event(ticket, actor))
            told += [(ticket, "opened"), (ticket, "noted")]
            for step in item.steps:  # change_status and add_note (written below) at the ticket's time
                if step.status and step.status != ticket.status:
                    _apply_status(ticket, step.status, actor, step.reason, now=item.opened_at,
                                  unsaved_events=unsaved_events)  # fmt: skip
                    told.append((ticket, "status"))
                if step.note.strip():
                    told.append((ticket, "noted"))
            if item.status and item.status != ticket.status:  # change_status, in memory, at its time
                at = item.status_at or item.opened_at
                _apply_status(ticket, item.status, actor, resolution=item.resolution, now=at,
                              unsaved_events=unsaved_events)  # fmt: skip
                ticket.updated_at = at
                told.append((ticket, "status"))
            tickets.append(ticket)
        bulk.insert(tickets)
        _import_tags(tickets, items)
        notes: list[list[Message]] = []  # per ticket: the imported note, then the steps' notes
        for ticket, item in zip(tickets, items, strict=True):
            first = bulk.new(Message, ticket=ticket, kind=MessageKind.NOTE, author_user=author, channel=ticket.channel,
                            body=item.note.strip(), created_at=item.opened_at, imported=True)  # fmt: skip
            notes.append([first] + [
                bulk.new(Message, ticket=ticket, kind=MessageKind.NOTE, author_user=author, channel=ticket.channel,
                         body=step.note.strip(), created_at=item.opened_at)
                for step in item.steps if step.note.strip()
            ])  # fmt: skip
        bulk.insert([message for ticket_notes in notes for message in ticket_notes])
        if first_notes is not None:
            first_notes.extend(ticket_notes[0] for ticket_notes in notes)
        bulk.insert(unsaved_events)
        docs: list[dict[str, Any]] = []
        for ticket, ticket_notes in zip(tickets, notes, strict=True):
            doc = search.ticket_doc(ticket, ())
            doc["appended"] = [note.body for note in ticket_notes if note.body != ticket.description]
            doc["now"] = ticket.updated_at
            docs.append(doc)
        heard = Counter(what for _ticket, what in told)
        audit(actor=actor, action="ticket.import", after={
            "tickets": [ticket.ref for ticket in tickets], "notes": heard["noted"], "status_changes": heard["status"],
        })  # fmt: skip
        search.tickets_imported(docs)
        _after_commit_many(told)
    return tickets


def _import_tags(tickets: list[Ticket], items: Sequence[ImportedTicket]) -> None:
    wanted = {ticket.pk: _normalise_tags(item.tags) for ticket, item in zip(tickets, items, strict=True) if item.tags}
    names = sorted({name for tags in wanted.values() for name in tags})
    if not names:
        return
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = Ticket.tags.through
    through.objects.bulk_create(
        [through(ticket_id=pk, tag_id=tag_ids[name]) for pk, tags in wanted.items() for name in tags]
    )


ImportedStatus = tuple[str, dt.datetime | None, Resolution | None]


@dataclass(frozen=True)
class ImportedNote:
    """One row of an old log that continues a ticket, for :func:`import_notes`: the internal note
    ``add_note`` adds at ``at`` (marked imported), then the status ``change_status`` sets.

    ``status`` is asked with the ticket's status at that point (as the batch's earlier rows leave
    it) and answers (status, when, resolution); "" for no change, when None for ``at``."""

    ticket: Ticket
    note: str
    at: dt.datetime
    status: Callable[[str], ImportedStatus] | None = None


def import_notes(items: Sequence[ImportedNote], *, actor: Any = None) -> list[Message]:
    """Add a batch of imported notes to tickets that exist, each followed by its status change: the
    rows ``add_note`` + ``change_status`` write for each, in order, at the original times (notes,
    status events, the tickets' fields, search docs, the two actions' audit entries; listeners are
    told "noted" and "status" after the commit), with a constant number of queries per batch.

    Refused as a whole (``TicketActionError``, nothing written) when one of them would be: an empty
    note, a merged ticket, a status an import cannot set."""
    _require_agent(actor, label=_("add notes"))
    for item in items:
        if not (item.note or "").strip():
            raise TicketActionError(_("Write something or attach a file."))
    if not items:
        return []
    author = actor if getattr(actor, "is_authenticated", False) else None
    with stamps.pinned(), transaction.atomic():
        locked = Ticket.objects.select_for_update(of=("self",)).select_related("customer")  # (the SLA asks it)
        wanted = {item.ticket.pk for item in items}
        tickets = {ticket.pk: ticket for ticket in locked.filter(pk__in=wanted).order_by("pk")}
        messages: list[Message] = []
        unsaved_events: list[TicketEvent] = []
        entries: list[AuditEntry] = []  # in the order the actions write them
        noted: list[tuple[AuditEntry, Message]] = []  # entries that name their note (its pk once written)
        fields = {"updated_at"}
        changes: list[tuple[Ticket, str, str, dt.datetime]] = []  # for the search docs, in order
        told: list[tuple[Ticket, str]] = []
        for item in items:
            ticket = tickets.get(item.ticket.pk)
            if ticket is None:
                raise Ticket.DoesNotExist(f"ticket {item.ticket.pk} does not exist")
            if ticket.merged_into_id is not None:
                raise TicketActionError(
                    _("This ticket was merged into %(ref)s; write there.") % {"ref": _merged_ref(ticket)}
                )
            body = item.note.strip()
            message = bulk.new(Message, ticket=ticket, kind=MessageKind.NOTE, author_user=author,
                               channel=ticket.channel, body=body, created_at=item.at, imported=True)  # fmt: skip
            messages.append(message)
            ticket.updated_at = item.at
            changes.append((ticket, body, "", item.at))
            entry = audit_build(actor=actor, action=f"ticket.message.{MessageKind.NOTE}", obj=ticket, at=item.at)
            entries.append(entry)
            noted.append((entry, message))
            told.append((ticket, "noted"))
            status, at, resolution = item.status(ticket.status) if item.status is not None else ("", None, None)
            if not status or status == ticket.status:
                continue
            if status not in IMPORTED_STATUSES:
                raise TicketActionError(_("Unknown status “%(status)s”.") % {"status": status})
            at = at or item.at
            old = ticket.status
            changed = _apply_status(ticket, status, actor, resolution=resolution, now=at,
                                    unsaved_events=unsaved_events)  # fmt: skip
            fields.update(changed)
            ticket.updated_at = at
            changes.append((ticket, "", status, at))
            after: dict[str, Any] = {"status": status}
            if "root_cause" in changed:
                after["root_cause"] = ticket.root_cause.code if ticket.root_cause else None
            entries.append(audit_build(actor=actor, action="ticket.status", obj=ticket, before={"status": old},
                                       after=after, at=at))  # fmt: skip
            told.append((ticket, "status"))
        bulk.insert(messages)
        for entry, message in noted:
            entry.after = {"message": message.pk}
        bulk.insert(unsaved_events)
        bulk.set_columns(list(tickets.values()), sorted(fields))
        search.notes_imported(changes)
        bulk.insert(entries)
        _after_commit_many(told)
    return messages


def _after_commit_many(changes: list[tuple[Ticket, str]]) -> None:
    """After the commit, one callback tells the listeners every change, in order (none inside
    ``quietly()``)."""
    if _quiet.get():
        return

    def run() -> None:
        for ticket, what in changes:
            for listener in list(_listeners):
                try:
                    listener(ticket, what)
                except Exception:  # one broken listener must not hide the change from others
                    logger.exception("ticket listener %r failed for %s", listener, ticket.ref)

    transaction.on_commit(run)


# --- Messages ------------------------------------------------------------------------------
def record_reply(
    *,
    ticket: Ticket,
    body: str,
    actor: Any,
    attachments: Sequence[Any] = (),
    channel: str | None = None,
    status: str | None = None,
    resolution: Resolution | None = None,
) -> Message:
    """An agent's public reply. Stamps the first response; a new ticket becomes open.

    ``resolution`` is stored when ``status`` resolves the ticket (ignored otherwise)."""
    _require_agent(actor, label=_("reply"))
    return _add_message(
        ticket=ticket,
        body=body,
        actor=actor,
        kind=MessageKind.OUTBOUND,
        attachments=attachments,
        channel=channel,
        status=status,
        resolution=resolution,
    )


def add_note(*, ticket: Ticket, body: str, actor: Any, attachments: Sequence[Any] = ()) -> Message:
    """An internal note: seen by agents only; no clock changes."""
    _require_agent(actor, label=_("add notes"))
    return _add_message(ticket=ticket, body=body, actor=actor, kind=MessageKind.NOTE, attachments=attachments)


def record_customer_message(
    *,
    ticket: Ticket,
    body: str,
    channel: str,
    contact: Contact | None = None,
    attachments: Sequence[Any] = (),
    external_id: str = "",
    body_html: str = "",
) -> Message:
    """A message from the customer. Reopens a ticket that was waiting on them or resolved."""
    return _add_message(
        ticket=ticket,
        body=body,
        actor=None,
        kind=MessageKind.INBOUND,
        contact=contact,
        attachments=attachments,
        channel=channel,
        external_id=external_id,
        body_html=body_html,
    )


def _add_message(
    *,
    ticket: Ticket,
    body: str,
    actor: Any,
    kind: str,
    attachments: Sequence[Any] = (),
    channel: str | None = None,
    status: str | None = None,
    contact: Contact | None = None,
    external_id: str = "",
    body_html: str = "",
    resolution: Resolution | None = None,
) -> Message:
    body = (body or "").strip()
    if not body and not attachments:
        raise TicketActionError(_("Write something or attach a file."))
    _validate_attachments(attachments)
    if status is not None and status not in Status.values:
        raise TicketActionError(_("Unknown status “%(status)s”.") % {"status": status})
    now = clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.merged_into_id is not None:
            raise TicketActionError(
                _("This ticket was merged into %(ref)s; write there.") % {"ref": _merged_ref(ticket)}
            )
        message = Message.objects.create(
            ticket=ticket,
            kind=kind,
            author_user=actor if getattr(actor, "is_authenticated", False) else None,
            author_contact=contact,
            channel=channel or ticket.channel,
            body=body,
            body_html=body_html,
            external_id=external_id,
            created_at=now,
        )
        _store_attachments(message, attachments)
        fields: list[str] = []
        new_status = status
        if kind == MessageKind.OUTBOUND:
            if ticket.first_response_at is None:
                ticket.first_response_at = now
                fields.append("first_response_at")
            if new_status is None and ticket.status == Status.NEW:
                new_status = Status.OPEN
        elif kind == MessageKind.INBOUND:
            ticket.last_customer_message_at = now
            fields.append("last_customer_message_at")
            if ticket.status in (Status.WAITING_CUSTOMER, Status.RESOLVED):
                new_status = Status.OPEN
        if kind == MessageKind.OUTBOUND:
            fields += deadlines.replied(ticket, now)
        elif kind == MessageKind.INBOUND:
            fields += deadlines.customer_wrote(ticket, now)
        if new_status is not None and new_status != ticket.status:
            reason = gettext_noop("customer replied") if kind == MessageKind.INBOUND else ""
            fields += _apply_status(ticket, new_status, actor, reason=reason, resolution=resolution)
        _save(ticket, *fields)
        search.message_added(ticket, message, status_changed="status" in fields)
        if kind == MessageKind.OUTBOUND:
            message.ticket = ticket
            for hook in list(_message_hooks):
                hook(message)
        audit(actor=actor, action=f"ticket.message.{kind}", obj=ticket, after={"message": message.pk})
        if kind == MessageKind.INBOUND and ticket.owner is not None:
            tell_agent(ticket.owner, ticket, kind="customer_replied", key=f"message:{message.pk}",
                       title=lambda: _("%(ref)s: the customer replied") % {"ref": ticket.ref})
        _after_commit(ticket, {"in": "customer_message", "out": "replied", "note": "noted"}[kind])
    return message


# --- Status --------------------------------------------------------------------------------
def _apply_status(
    ticket: Ticket,
    new: str,
    actor: Any,
    reason: str = "",
    resolution: Resolution | None = None,
    *,
    now: dt.datetime | None = None,
    unsaved_events: list[TicketEvent] | None = None,
) -> list[str]:
    """Move ``ticket`` to ``new`` in memory, stamping times; returns the changed fields.

    Resolving with a ``resolution`` stores its notes on the ticket and on the status event.
    ``now`` defaults to the clock; with ``unsaved_events`` the status event is appended there
    unsaved (the batched import writes them all at once) instead of being saved."""
    old = ticket.status
    now = now or clock.now()
    ticket.status = new
    fields = ["status"]
    noted: dict[str, Any] | None = None
    if new == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
        if resolution is not None and not resolution.is_empty():
            fields += _store_resolution(ticket, resolution)
            noted = events.resolution_ref(ticket)
    elif new == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            fields.append("resolved_at")
    elif old in DONE_STATUSES:  # reopened
        ticket.resolved_at = None
        ticket.closed_at = None
        fields += ["resolved_at", "closed_at"]
    fields += deadlines.count_time_in_status(ticket, old, new, now)
    fields += deadlines.status_changed(ticket, old, new, now)
    if unsaved_events is None:
        events.status_changed(ticket, actor, old, new, reason, resolution=noted)
    else:
        unsaved_events.append(events.status_event(ticket, actor, old, new, reason, resolution=noted, at=now))
    return fields


def _store_resolution(ticket: Ticket, resolution: Resolution) -> list[str]:
    ticket.resolution_summary = resolution.summary[:500]
    ticket.root_cause = resolution.root_cause
    ticket.underlying_need = resolution.underlying_need
    return ["resolution_summary", "root_cause", "underlying_need"]


def change_status(
    *, ticket: Ticket, status: str, actor: Any, reason: str = "", resolution: Resolution | None = None
) -> TicketEvent | None:
    """Set the status; resolving and closing stamp their times, reopening clears them.

    ``resolution`` (summary, root cause, underlying need) is stored when resolving; the actions do
    not require it, the forms of the agent UI and the API do."""
    _require_agent(actor, label=_("change tickets"))
    if status not in Status.values:
        raise TicketActionError(_("Unknown status “%(status)s”.") % {"status": status})
    with transaction.atomic():
        ticket = _lock(ticket)
        if status == ticket.status:
            return None
        if status == Status.NEW:
            raise TicketActionError(_("A ticket cannot go back to New."))
        if ticket.merged_into_id is not None:
            raise TicketActionError(
                _("This ticket was merged; change %(ref)s instead.") % {"ref": _merged_ref(ticket)}
            )
        old = ticket.status
        fields = _apply_status(ticket, status, actor, reason, resolution=resolution)
        _save(ticket, *fields)
        search.status_set(ticket)
        after: dict[str, Any] = {"status": status}
        if "root_cause" in fields:
            after["root_cause"] = ticket.root_cause.code if ticket.root_cause else None
        audit(actor=actor, action="ticket.status", obj=ticket, before={"status": old}, after=after)
        _after_commit(ticket, "status")
    return ticket.events.order_by("-id").first()


# --- Ownership -----------------------------------------------------------------------------
def assign_ticket(
    *, ticket: Ticket, owner: Any, actor: Any, team: Team | bool | None = False, reason: str = ""
) -> TicketEvent | None:
    """Give the ticket to ``owner`` (None unassigns). ``team`` changes the team too unless False.

    A new ticket that gets an owner becomes open. ``reason`` (e.g. an escalation rule) is shown
    on the timeline.
    """
    _require_agent(actor, label=_("assign tickets"))
    if owner is not None and not can_write(owner):
        raise TicketActionError(_("%(name)s is not an agent and cannot own tickets.") % {"name": owner})
    with transaction.atomic():
        ticket = _lock(ticket)
        fields: list[str] = []
        event = None
        if team is not False and team != ticket.team:
            events.team_changed(ticket, actor, ticket.team, team)
            ticket.team = team  # type: ignore[assignment]
            fields.append("team")
        if owner != ticket.owner:
            old_owner = ticket.owner
            event = events.owner_changed(ticket, actor, old_owner, owner, reason=reason)
            ticket.owner = owner
            if owner is not None and owner != actor:
                tell_agent(owner, ticket, kind="assigned", key=f"event:{event.pk}",
                           title=lambda: _("%(ref)s is now yours") % {"ref": ticket.ref})
            fields.append("owner")
            if owner is not None and ticket.status == Status.NEW:
                fields += _apply_status(ticket, Status.OPEN, actor)
            audit(
                actor=actor,
                action="ticket.assign",
                obj=ticket,
                before={"owner": old_owner.pk if old_owner else None},
                after={"owner": owner.pk if owner else None},
            )
        if fields:
            _save(ticket, *fields)
            if "status" in fields:
                search.status_set(ticket)
            _after_commit(ticket, "assigned")
    return event


# --- Properties ----------------------------------------------------------------------------
_UNSET: Any = object()


def update_ticket(
    *,
    ticket: Ticket,
    actor: Any,
    subject: str = _UNSET,
    priority: int = _UNSET,
    category: Category | None = _UNSET,
    tags: Iterable[str] = _UNSET,
    reason: str = "",
) -> list[TicketEvent]:
    """Change properties; one timeline event per field that actually changed."""
    _require_agent(actor, label=_("change tickets"))
    changed: list[TicketEvent] = []
    with transaction.atomic():
        ticket = _lock(ticket)
        fields: list[str] = []
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if subject is not _UNSET:
            subject = subject.strip()[:255]
            if not subject:
                raise TicketActionError(_("A ticket needs a subject."))
            if subject != ticket.subject:
                changed.append(events.subject_changed(ticket, actor, ticket.subject, subject))
                before["subject"], after["subject"] = ticket.subject, subject
                ticket.subject = subject
                fields.append("subject")
        if priority is not _UNSET:
            if priority not in Priority.values:
                raise TicketActionError(_("Priority must be P1 to P4."))
            if priority != ticket.priority:
                changed.append(events.priority_changed(ticket, actor, ticket.priority, priority, reason=reason))
                before["priority"], after["priority"] = ticket.priority, priority
                ticket.priority = priority
                fields.append("priority")
        if category is not _UNSET and category != ticket.category:
            changed.append(events.category_changed(ticket, actor, ticket.category, category))
            before["category"] = ticket.category.code if ticket.category else None
            after["category"] = category.code if category else None
            ticket.category = category
            fields.append("category")
        if tags is not _UNSET:
            new_tags = _normalise_tags(tags)
            old_tags = sorted(ticket.tags.values_list("name", flat=True))
            if new_tags != old_tags:
                _set_tag_names(ticket, new_tags)
                changed.append(events.tags_changed(ticket, actor, old_tags, new_tags))
                before["tags"], after["tags"] = old_tags, new_tags
        if changed:
            if "priority" in fields or "category" in fields:
                fields += deadlines.recompute(ticket)
            _save(ticket, *fields)
            if "subject" in fields:
                search.rewrite(ticket)
            audit(actor=actor, action="ticket.update", obj=ticket, before=before, after=after)
            _after_commit(ticket, "updated")
    return changed


def set_customer(
    *, ticket: Ticket, customer: Customer | None, actor: Any, contact: Contact | None = None
) -> TicketEvent | None:
    """Say whose ticket this is (takes it out of the "needs a customer" queue)."""
    _require_agent(actor, label=_("change tickets"))
    _check_contact(customer, contact)
    with transaction.atomic():
        ticket = _lock(ticket)
        if customer == ticket.customer and contact == ticket.contact:
            return None
        event = events.customer_set(ticket, actor, ticket.customer, customer)
        audit(
            actor=actor,
            action="ticket.customer",
            obj=ticket,
            before={"customer": ticket.customer_id},
            after={"customer": customer.pk if customer else None},
        )
        ticket.customer = customer
        ticket.contact = contact
        _save(ticket, "customer", "contact", *deadlines.recompute(ticket))
        search.rewrite(ticket)
        _after_commit(ticket, "customer")
    return event


# --- Merge and link ------------------------------------------------------------------------
def merge_tickets(*, source: Ticket, target: Ticket, actor: Any) -> Ticket:
    """Fold ``source`` into ``target``: its messages move over, it closes and points at the target."""
    _require_agent(actor, label=_("merge tickets"))
    if source.pk == target.pk:
        raise TicketActionError(_("A ticket cannot be merged into itself."))
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda t: t.pk)  # lock in a fixed order: no deadlock
        _lock(first)
        _lock(second)
        source.refresh_from_db()
        target.refresh_from_db()
        if source.merged_into_id is not None:
            raise TicketActionError(_("%(ref)s was already merged.") % {"ref": source.ref})
        if target.merged_into_id is not None:
            raise TicketActionError(
                _("%(ref)s was itself merged; merge into %(into)s instead.")
                % {"ref": target.ref, "into": _merged_ref(target)}
            )
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        if source.description:
            Message.objects.create(
                ticket=target,
                kind=MessageKind.NOTE,
                author_user=None,
                channel=source.channel,
                body=_("Merged from %(ref)s: %(subject)s\n\n%(description)s")
                % {"ref": source.ref, "subject": source.subject, "description": source.description},
                created_at=clock.now(),
            )
        events.merged(source, actor, source=source, target=target)
        events.merged(target, actor, source=source, target=target)
        source.merged_into = target
        fields = ["merged_into"]
        if source.status != Status.CLOSED:
            fields += _apply_status(source, Status.CLOSED, actor, reason=gettext_noop("merged"))
        _save(source, *fields)
        for stamp in ("last_customer_message_at",):
            theirs = getattr(source, stamp)
            if theirs and (getattr(target, stamp) is None or theirs > getattr(target, stamp)):
                setattr(target, stamp, theirs)
        _save(target, "last_customer_message_at")
        search.rewrite(source, target)  # the target holds the source's messages now; the source is closed
        audit(
            actor=actor,
            action="ticket.merge",
            obj=target,
            before={"source": source.ref},
            after={"target": target.ref, "messages_moved": moved},
        )
        _after_commit(source, "merged")
        _after_commit(target, "merged")
    return target


def link_tickets(*, ticket: Ticket, other: Ticket, actor: Any) -> TicketLink:
    """Mark two tickets as related; shown on both; linking twice is harmless."""
    _require_agent(actor, label=_("link tickets"))
    if ticket.pk == other.pk:
        raise TicketActionError(_("A ticket cannot be linked to itself."))
    with transaction.atomic():
        existing = (
            TicketLink.objects.filter(from_ticket=ticket, to_ticket=other).first()
            or TicketLink.objects.filter(from_ticket=other, to_ticket=ticket).first()
        )
        if existing is not None:
            return existing
        link = TicketLink.objects.create(
            from_ticket=ticket,
            to_ticket=other,
            created_at=clock.now(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        events.linked(ticket, actor, other)
        events.linked(other, actor, ticket)
        audit(actor=actor, action="ticket.link", obj=ticket, after={"other": other.ref})
        _after_commit(ticket, "linked")
    return link


# --- Root causes (the list a resolution is filed under) -------------------------------------
def save_root_cause(*, cause: RootCause, actor: Any) -> RootCause:
    """Create or change a root cause (validated by the caller's form), audited with before/after.

    A cause is never deleted: resolved tickets keep pointing at it; ``is_active=False`` retires it."""
    require_lead(actor)

    def snapshot(c: RootCause) -> dict[str, Any]:
        return {"code": c.code, "name_en": c.name_en, "name_zh": c.name_zh, "order": c.order, "is_active": c.is_active}

    with transaction.atomic():
        stored = RootCause.objects.select_for_update().filter(pk=cause.pk).first() if cause.pk else None
        before = snapshot(stored) if stored is not None else None
        cause.save()
        audit(actor=actor, action="root_cause.update" if before else "root_cause.create", obj=cause,
              before=before, after=snapshot(cause))
    return cause

