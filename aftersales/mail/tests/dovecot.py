"""A throwaway Debian dovecot for IMAP tests: its own config, port, users and maildirs.

Usage (the ``dovecot`` fixture in ``conftest.py`` does this)::

    with DovecotServer.start(users={"desk@example.test": "secret"}) as server:
        server.append("desk@example.test", raw_bytes)
        ... poll 127.0.0.1:server.port ...

Dovecot must run as root here (it switches to the ``mail`` user for mailbox access, uid 8,
hence ``first_valid_uid = 8``). It starts detached with its standard streams closed (or it
would hold the caller's pipe) and is stopped through ``base_dir/master.pid``. The config is
written for the installed version: 2.3 (Debian 12) and 2.4 (Debian 13) use different syntax.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def available() -> str:
    """Why dovecot cannot run here, or "" when it can."""
    if not os.path.exists(DOVECOT):
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "dovecot test servers need root (they switch to the mail user)"
    try:
        pwd.getpwnam("mail")
    except KeyError:
        return "no 'mail' user on this machine"
    return ""


def version() -> tuple[int, int]:
    out = subprocess.run([DOVECOT, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.match(r"(\d+)\.(\d+)", out.strip())
    if not match:
        raise RuntimeError(f"cannot read dovecot version from {out!r}")
    return int(match.group(1)), int(match.group(2))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_23(root: Path, port: int) -> str:
    return f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 8
mail_location = maildir:{root}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def config_24(root: Path, port: int) -> str:
    return f"""\
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
auth_allow_cleartext = yes
auth_mechanisms = plain login
first_valid_uid = 8
mail_driver = maildir
mail_path = {root}/mail/%{{user}}/Maildir
mail_home = {root}/mail/%{{user}}
passdb passwd-file {{
  passwd_file_path = {root}/users
  default_password_scheme = PLAIN
}}
userdb static {{
  fields {{
    uid = mail
    gid = mail
    home = {root}/mail/%{{user}}
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass
class DovecotServer:
    root: Path
    port: int
    users: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"

    @classmethod
    @contextmanager
    def start(cls, users: dict[str, str], *, timeout: float = 15.0) -> Iterator[DovecotServer]:
        reason = available()
        if reason:
            raise RuntimeError(reason)
        root = Path(tempfile.mkdtemp(prefix="aftersales-dovecot-"))
        server = cls(root=root, port=free_port(), users=dict(users))
        try:
            server._write_config()
            server._launch(timeout=timeout)
            yield server
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)

    # --- setup -------------------------------------------------------------------------
    def _write_config(self) -> None:
        mail = pwd.getpwnam("mail")
        os.chmod(self.root, 0o755)  # noqa: S103 — login and mail processes run as other users
        for sub in ("run", "state"):
            (self.root / sub).mkdir()
        maildirs = self.root / "mail"
        maildirs.mkdir()
        os.chown(maildirs, mail.pw_uid, mail.pw_gid)
        users_file = self.root / "users"
        users_file.write_text("".join(f"{name}:{{PLAIN}}{secret}\n" for name, secret in self.users.items()))
        os.chmod(users_file, 0o644)
        major_minor = version()
        text = config_24(self.root, self.port) if major_minor >= (2, 4) else config_23(self.root, self.port)
        (self.root / "dovecot.conf").write_text(text)

    def _launch(self, *, timeout: float) -> None:
        with open(self.root / "start.log", "wb") as log:
            subprocess.run(  # noqa: S603
                [DOVECOT, "-c", str(self.root / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                check=False,
                start_new_session=True,
                timeout=timeout,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(200).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start on port {self.port}:\n{self.logs()}")

    def logs(self) -> str:
        parts = []
        for name in ("start.log", "dovecot.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    def master_pid(self) -> int | None:
        try:
            return int((self.root / "run" / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self, *, timeout: float = 10.0) -> None:
        pid = self.master_pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    # --- helpers for tests -------------------------------------------------------------
    def add_user(self, user: str, password: str) -> None:
        """passwd-file is re-read when it changes, but at most once a second: a user added
        less than a second after the last login may not be known yet."""
        self.users[user] = password
        lines = [f"{name}:{{PLAIN}}{secret}" for name, secret in self.users.items()]
        (self.root / "users").write_text("\n".join(lines) + "\n")

    def client(self, user: str) -> IMAPClient:
        imap = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        imap.login(user, self.users[user])
        return imap

    def append(self, user: str, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver mail the way a client would: IMAP APPEND."""
        imap = self.client(user)
        try:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            for raw in messages:
                imap.append(folder, raw)
        finally:
            imap.logout()

    def count(self, user: str, folder: str = "INBOX") -> int:
        imap = self.client(user)
        try:
            return int(imap.select_folder(folder, readonly=True)[b"EXISTS"])
        finally:
            imap.logout()

    def reset_uidvalidity(self, user: str) -> None:
        """Make the server hand out a new INBOX UIDVALIDITY, as after a mailbox rebuild or a
        move to another server: dovecot's uid list and indexes are thrown away, so the same
        messages come back under new UIDs."""
        maildir = self.root / "mail" / user / "Maildir"
        before = self.uidvalidity(user)
        for path in maildir.glob("dovecot*"):
            if path.is_file():
                path.unlink()
        # UIDVALIDITY is the time the list was made; make sure the new one differs.
        while self.uidvalidity(user) == before:
            for path in maildir.glob("dovecot*"):
                if path.is_file():
                    path.unlink()
            time.sleep(0.2)

    def uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        imap = self.client(user)
        try:
            return int(imap.select_folder(folder, readonly=True)[b"UIDVALIDITY"])
        finally:
            imap.logout()
