"""The IMAP poller against a real dovecot on loopback: each message fetched once, nothing deleted."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.core import clock
from aftersales.mail import poller
from aftersales.mail.models import InboundEmail, InboundState, Mailbox
from aftersales.mail.models_outbound import MailboxLease
from aftersales.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def gbk_mail(n: int, *, message_id: bool = True) -> bytes:
    """A hand-written GBK message (labelled gb2312, as Foxmail does), number ``n``."""
    headers = [
        b"Return-Path: <chen.jing@starriver.example>",
        b"Date: Mon, 2 Mar 2026 10:%02d:00 +0800" % n,
        b"From: =?gb2312?B?s8Kxpg==?= <chen.jing@starriver.example>",
        b"To: support@desk.example",
        b"Subject: =?gb2312?B?tqm1pc2ssr3Kp7Dc?= #%d" % n,
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=gb2312",
        b"Content-Transfer-Encoding: 8bit",
        b"X-Mailer: Foxmail 7.2.25.228[cn]",
    ]
    if message_id:
        headers.append(b"Message-ID: <2026030210%02d.poller%d@starriver.example>" % (n, n))
    body = f"订单同步失败，第 {n} 封。请尽快处理。\r\n"
    return b"\r\n".join(headers) + b"\r\n\r\n" + body.encode("gbk")


@pytest.fixture
def mailbox(dovecot, imap_account, personas):
    return Mailbox.objects.create(
        name=f"Support {imap_account}",
        address="support@desk.example",
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_security="none",
        username=imap_account,
        password=dovecot.users[imap_account],
    )


def fresh(mailbox: Mailbox) -> Mailbox:
    return Mailbox.objects.get(pk=mailbox.pk)


def test_three_messages_are_fetched_once_and_left_on_the_server(dovecot, imap_account, mailbox):
    dovecot.append(imap_account, gbk_mail(1), gbk_mail(2), gbk_mail(3))

    report = poller.poll_mailbox(fresh(mailbox))
    assert (report.fetched, report.skipped, report.error) == (3, 0, "")
    stored = InboundEmail.objects.filter(mailbox=mailbox).order_by("pk")
    assert [row.source for row in stored] == ["imap"] * 3
    assert [bytes(row.raw) for row in stored] == [gbk_mail(1), gbk_mail(2), gbk_mail(3)]  # bytes as received
    assert [row.subject for row in stored] == ["订单同步失败 #1", "订单同步失败 #2", "订单同步失败 #3"]
    assert all(row.state == InboundState.PROCESSED for row in stored)
    assert Ticket.objects.count() == 3
    box = fresh(mailbox)
    assert box.uidvalidity == dovecot.uidvalidity(imap_account) and box.last_uid == 3
    assert box.last_polled_at is not None and box.last_error == ""

    again = poller.poll_mailbox(box)
    assert (again.fetched, again.skipped) == (0, 0)
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 3

    # Nothing deleted, nothing marked read.
    imap = dovecot.client(imap_account)
    imap.select_folder("INBOX", readonly=True)
    assert sorted(imap.search("ALL")) == [1, 2, 3] and imap.search("SEEN") == []
    imap.logout()

    dovecot.append(imap_account, gbk_mail(4))
    later = poller.poll_mailbox(fresh(mailbox))
    assert later.fetched == 1 and fresh(mailbox).last_uid == 4


def test_uidvalidity_change_rereads_the_folder_without_duplicates(dovecot, imap_account, mailbox):
    dovecot.append(imap_account, gbk_mail(1), gbk_mail(2), gbk_mail(3, message_id=False))
    assert poller.poll_mailbox(fresh(mailbox)).fetched == 3
    old = fresh(mailbox).uidvalidity

    dovecot.reset_uidvalidity(imap_account)
    dovecot.append(imap_account, gbk_mail(4))
    report = poller.poll_mailbox(fresh(mailbox))
    assert report.uidvalidity_changed
    # 1 and 2 known by Message-ID, 3 (no Message-ID) by its bytes; only 4 is new.
    assert (report.fetched, report.skipped) == (1, 3)
    box = fresh(mailbox)
    assert box.uidvalidity != old and box.uidvalidity == dovecot.uidvalidity(imap_account) and box.last_uid == 4
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 4
    assert poller.poll_mailbox(box).fetched == 0


def test_a_crash_mid_poll_resumes_where_it_stopped(dovecot, imap_account, mailbox, monkeypatch):
    from aftersales.mail import inbound

    dovecot.append(imap_account, gbk_mail(1), gbk_mail(2), gbk_mail(3))
    real = inbound.receive
    calls = {"n": 0}

    def dies_on_second(raw, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemError("worker killed")
        return real(raw, **kwargs)

    monkeypatch.setattr(inbound, "receive", dies_on_second)
    report = poller.poll_mailbox(fresh(mailbox))
    assert report.fetched == 1 and "worker killed" in report.error
    assert fresh(mailbox).last_uid == 1 and "worker killed" in fresh(mailbox).last_error

    monkeypatch.setattr(inbound, "receive", real)
    resumed = poller.poll_mailbox(fresh(mailbox))
    assert (resumed.fetched, resumed.error) == (2, "")
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 3
    assert fresh(mailbox).last_error == ""


def test_stored_but_not_yet_recorded_message_is_not_stored_twice(dovecot, imap_account, mailbox):
    """The worker died after storing message 2 but before advancing last_uid."""
    dovecot.append(imap_account, gbk_mail(1), gbk_mail(2))
    poller.poll_mailbox(fresh(mailbox))
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=1)
    dovecot.append(imap_account, gbk_mail(3))
    report = poller.poll_mailbox(fresh(mailbox))
    assert (report.fetched, report.skipped) == (1, 1)
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 3


def test_small_batches_fetch_everything(dovecot, imap_account, mailbox):
    dovecot.append(imap_account, *[gbk_mail(n) for n in range(1, 8)])
    report = poller.poll_mailbox(fresh(mailbox), batch_count=2, batch_bytes=10_000)
    assert report.fetched == 7 and fresh(mailbox).last_uid == 7


def test_move_to_folder_moves_only_what_was_stored(dovecot, imap_account, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(move_to_folder="Processed")
    dovecot.append(imap_account, gbk_mail(1), gbk_mail(2))
    report = poller.poll_mailbox(fresh(mailbox))
    assert (report.fetched, report.moved) == (2, 2)
    assert dovecot.count(imap_account, "INBOX") == 0 and dovecot.count(imap_account, "Processed") == 2
    assert poller.poll_mailbox(fresh(mailbox)).fetched == 0


def test_a_second_worker_leaves_a_leased_mailbox_alone(dovecot, imap_account, mailbox):
    dovecot.append(imap_account, gbk_mail(1))
    soon = clock.now() + dt.timedelta(minutes=3)
    MailboxLease.objects.create(mailbox=mailbox, holder="other-host:1", expires_at=soon)
    assert poller.poll_mailbox(fresh(mailbox)).busy
    assert InboundEmail.objects.count() == 0
    MailboxLease.objects.filter(mailbox=mailbox).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    report = poller.poll_mailbox(fresh(mailbox))
    assert report.fetched == 1 and not report.busy
    assert MailboxLease.objects.get(mailbox=mailbox).holder == ""  # released


def test_a_wrong_password_is_recorded_on_the_mailbox(dovecot, imap_account, mailbox):
    box = fresh(mailbox)
    box.password = "wrong"
    box.save()
    report = poller.poll_mailbox(fresh(mailbox))
    assert report.error and report.fetched == 0
    assert "LoginError" in fresh(mailbox).last_error or "authentication" in fresh(mailbox).last_error.lower()


def test_poll_all_reads_active_mailboxes_only(dovecot, imap_account, mailbox):
    Mailbox.objects.create(name="Old desk", imap_host=dovecot.host, imap_port=dovecot.port, imap_security="none",
                           username=imap_account, password="x", is_active=False)  # fmt: skip
    dovecot.append(imap_account, gbk_mail(1))
    reports = poller.poll_all()
    assert [(r.mailbox, r.fetched) for r in reports] == [(mailbox.name, 1)]


def test_no_password_in_clear_to_another_machine(db):
    box = Mailbox.objects.create(
        name="Remote", imap_host="imap.example.com", imap_port=143, imap_security="none", username="u", password="p"
    )
    report = poller.poll_mailbox(box)
    assert "unencrypted" in report.error and "unencrypted" in fresh(box).last_error
    assert poller.is_loopback("127.0.0.1") and poller.is_loopback("::1") and poller.is_loopback("localhost")
    assert not poller.is_loopback("10.0.0.1")
