"""``aftersales token create|list|revoke``: personal API tokens from the command line.

``create`` prints only the token on stdout (details go to stderr), so a script can do
``TOKEN=$(aftersales token create li.heping --name ci)``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.core import clock
from aftersales.core.access import is_staff_member
from aftersales.people.models import ApiToken
from aftersales.people.tokens import issue_token, revoke_token


class Command(BaseCommand):
    help = "Create, list or revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="Create a token and print it (shown only once).")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="What the token is for (default: cli).")
        create.add_argument(
            "--days", type=int, default=None, help="Days until it expires (default: API_TOKEN_DEFAULT_DAYS)."
        )
        create.add_argument(
            "--scope", action="append", default=None, dest="scopes",
            help="read, write, or AREA:read / AREA:write for one area (customers, tickets, sla, search, sms); "
                 "repeatable (default: read and write).",
        )
        listing = sub.add_parser("list", help="List a user's tokens.")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke the token starting with PREFIX.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _user(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        if not user.is_active:
            raise CommandError(f"{user.get_username()} is deactivated; a token would not work.")
        if not is_staff_member(user):
            raise CommandError(
                f"{user.get_username()} has no staff role (admin, lead, agent or viewer); give one first."
            )
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        try:
            token, raw = issue_token(user=user, name=options["name"], actor=None, days=days, scopes=options["scopes"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
        expires = token.expires_at.isoformat() if token.expires_at else "never"
        self.stderr.write(f"Token {token.prefix}… for {user.get_username()} ({token.name}), "
                          f"scopes {' '.join(token.scopes)}, expires {expires}. "
                          "It is shown only now: store it safely.")

    def _list(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        now = clock.now()
        tokens = list(ApiToken.objects.filter(user=user).order_by("-created_at"))
        if not tokens:
            self.stdout.write(f"{user.get_username()} has no tokens.")
            return
        self.stdout.write(
            f"{'PREFIX':<10} {'NAME':<20} {'CREATED':<20} {'EXPIRES':<20} {'LAST USED':<20} {'SCOPES':<24} STATE"
        )
        for token in tokens:
            if token.revoked_at is not None:
                state = "revoked"
            elif token.expires_at is not None and token.expires_at <= now:
                state = "expired"
            else:
                state = "active"
            self.stdout.write(
                f"{token.prefix:<10} {token.name[:20]:<20} {_when(token.created_at):<20} {_when(token.expires_at):<20} "
                f"{_when(token.last_used_at):<20} {' '.join(token.scopes):<24} {state}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        prefix = options["prefix"]
        matches = list(ApiToken.objects.select_related("user").filter(prefix__startswith=prefix)[:2]) if prefix else []
        if not matches:
            raise CommandError(f"No token starts with {prefix!r}.")
        if len(matches) > 1:
            raise CommandError(f"More than one token starts with {prefix!r}; give more characters.")
        token = matches[0]
        if token.revoked_at is not None:
            self.stdout.write(f"Token {token.prefix}… of {token.user.get_username()} was already revoked.")
            return
        revoke_token(token=token, actor=None)
        self.stdout.write(f"Revoked token {token.prefix}… of {token.user.get_username()}.")


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"
