"""Names in old logs → customers and agents of the desk (issue 9).

Both matchers load what they need once per run (one query each for customers, aliases and agents)
and remember every answer, so a million rows cost a handful of queries, not one per row.

Customers, in order: the exact name, the short code, a ``CustomerAlias``, the normalised name or
code (NFKC + casefold, spaces and punctuation removed: "bluewave games" = "Bluewave Games"),
either half of a name written in two scripts (the desk's "星河科技 Starriver Tech" is the log's
"星河科技" or "Starriver Tech", unless another customer's name has the same half), a sub-account
written after its master ("星河科技-子账号2", "星河科技 sub-account 2": the master, then its
sub-account whose name or code ends with that number), then a fuzzy match (difflib ratio ≥ 0.88
over the normalised names).

Agents, in order: an ``AgentAlias`` (小李, 老韩), then the username, display name, first or last
name, or full name (normalised). Only active users with a write role can own tickets.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from aftersales.core.access import WRITE_ROLES
from aftersales.customers.models import Customer
from aftersales.imports.models import AgentAlias, CustomerAlias

FUZZY_CUTOFF = 0.88

_SUBACCOUNT = re.compile(
    r"^(?P<master>.+?)[\s\-—–_/·:：,，(（]*(?:子账号|子帐号|子账户|sub[\s\-_]*account|sub)\s*(?:no\.?|#)?\s*"
    r"(?P<number>\d+)\s*[)）]?$",
    re.IGNORECASE,
)
_TRAILING_NUMBER = re.compile(r"(\d+)$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def halves(name: str) -> tuple[str, str] | None:
    """A name in two scripts, its Chinese words and its other words, each as ``normalise`` keys
    ("星河科技 Starriver Tech" → ("星河科技", "starrivertech")); None for a name in one script, or
    whose halves alternate, or where a half is too short to name a company by itself (one Chinese
    character, two letters)."""
    groups: list[tuple[bool, list[str]]] = []
    for word in (name or "").split():
        cjk = bool(_CJK.search(word))
        if groups and groups[-1][0] == cjk:
            groups[-1][1].append(word)
        else:
            groups.append((cjk, [word]))
    if len(groups) != 2:
        return None
    keys = {cjk: normalise(" ".join(words)) for cjk, words in groups}
    if len(keys[True]) < 2 or len(keys[False]) < 3:
        return None
    return keys[True], keys[False]


def normalise(text: str) -> str:
    """NFKC, casefold, without spaces, punctuation and symbols: the key names are compared by."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


@dataclass(frozen=True)
class _Known:
    pk: int
    name: str
    code: str
    parent_id: int | None


class CustomerMatcher:
    """Answers ``match(name) -> customer id | None``; ``add`` registers a customer created meanwhile."""

    def __init__(self) -> None:
        self._by_name: dict[str, int] = {}
        self._by_code: dict[str, int] = {}
        self._by_key: dict[str, int] = {}
        self._by_half: dict[str, int | None] = {}  # None: the half of two customers' names
        self._children: dict[int, list[_Known]] = {}
        self._keys: list[str] = []  # normalised names, for the fuzzy pass
        self._key_ids: dict[str, int] = {}
        self._memo: dict[str, int | None] = {}
        self.names: dict[int, str] = {}
        for pk, name, code, parent_id in Customer.objects.values_list("pk", "name", "code", "parent_id"):
            self._register(_Known(pk, name, code, parent_id))
        for key, customer_id in CustomerAlias.objects.values_list("key", "customer_id"):
            self._by_key[key] = customer_id  # an alias wins over a normalised name

    def _register(self, known: _Known) -> None:
        self.names[known.pk] = known.name
        self._by_name.setdefault(known.name.strip(), known.pk)
        self._by_code.setdefault(known.code.lower(), known.pk)
        for key in (normalise(known.name), normalise(known.code)):
            if key and key not in self._by_key:
                self._by_key[key] = known.pk
        for half in halves(known.name) or ():
            self._by_half[half] = known.pk if self._by_half.get(half, known.pk) == known.pk else None
        key = normalise(known.name)
        if key and key not in self._key_ids:
            self._key_ids[key] = known.pk
            self._keys.append(key)
        if known.parent_id is not None:
            self._children.setdefault(known.parent_id, []).append(known)
        self._memo.clear()  # an earlier "no match" may match now

    def add(self, customer: Customer) -> None:
        self._register(_Known(customer.pk, customer.name, customer.code, customer.parent_id))

    def alias(self, alias: str, customer_id: int) -> None:
        self._by_key[normalise(alias)] = customer_id
        self._memo.clear()

    def match(self, name: str) -> int | None:
        name = (name or "").strip()
        if not name:
            return None
        if name not in self._memo:
            self._memo[name] = self._match(name)
        return self._memo[name]

    def master_of(self, name: str) -> tuple[int, str] | None:
        """For "星河科技-子账号2" whose sub-account is unknown: (master id, "2")."""
        found = _SUBACCOUNT.match(name.strip())
        if found is None:
            return None
        master = self._match(found.group("master").strip(), subaccounts=False)
        return (master, found.group("number")) if master is not None else None

    def _match(self, name: str, *, subaccounts: bool = True) -> int | None:
        if name in self._by_name:
            return self._by_name[name]
        if name.lower() in self._by_code:
            return self._by_code[name.lower()]
        key = normalise(name)
        if not key:
            return None
        if key in self._by_key:
            return self._by_key[key]
        if self._by_half.get(key) is not None:
            return self._by_half[key]
        if subaccounts:
            sub = self._subaccount(name)
            if sub is not None:
                return sub
            if _SUBACCOUNT.match(name):
                return None  # a sub-account we do not know: never fuzzily the master or a sibling
        close = difflib.get_close_matches(key, self._keys, n=1, cutoff=FUZZY_CUTOFF)
        return self._key_ids[close[0]] if close else None

    def _subaccount(self, name: str) -> int | None:
        found = self.master_of(name)
        if found is None:
            return None
        master, number = found
        for child in self._children.get(master, []):
            for text in (child.name, child.code):
                trailing = _TRAILING_NUMBER.search(normalise(text))
                if trailing and int(trailing.group(1)) == int(number):
                    return child.pk
        return None


SUGGEST_CUTOFF = 0.6


def suggest_targets(sources: list[Customer]) -> dict[int, str]:
    """Provisional customer id → the code of the confirmed customer it most likely is, for the
    review page's "Merge into" (a suggestion a lead accepts or changes, so looser than matching):
    a name that holds the other's whole ("星河科技" in "星河科技 Starriver Tech"), else the closest
    name (difflib ratio ≥ 0.6 over the normalised names). Absent where nothing is close."""
    if not sources:
        return {}
    keys: dict[str, str] = {}  # normalised name → code, of the customers a provisional one can merge into
    for name, code in Customer.objects.filter(provisional=False).values_list("name", "code"):
        key = normalise(name)
        if key:
            keys.setdefault(key, code)
    suggested: dict[int, str] = {}
    for source in sources:
        key = normalise(source.name)
        if not key:
            continue
        holding = sorted((candidate for candidate in keys if key in candidate or candidate in key), key=len)
        close = holding[:1] or difflib.get_close_matches(key, list(keys), n=1, cutoff=SUGGEST_CUTOFF)
        if close:
            suggested[source.pk] = keys[close[0]]
    return suggested


class OwnerMatcher:
    """Answers ``match(name) -> user | None`` over active agents, leads and admins."""

    def __init__(self) -> None:
        user_model = get_user_model()
        users = (
            user_model.objects.filter(Q(groups__name__in=WRITE_ROLES) | Q(is_superuser=True), is_active=True)
            .select_related("agent_profile")
            .distinct()
        )
        self._users: dict[int, Any] = {}
        self._by_key: dict[str, int] = {}
        weak: dict[str, int] = {}  # first or last name alone: used only when nothing stronger matches
        for user in users:
            self._users[user.pk] = user
            profile = getattr(user, "agent_profile", None)
            strong = [user.get_username(), profile.display_name if profile else "",
                      f"{user.first_name}{user.last_name}", f"{user.last_name}{user.first_name}"]
            for text in strong:
                key = normalise(text)
                if key:
                    self._by_key.setdefault(key, user.pk)
            for text in (user.first_name, user.last_name):
                key = normalise(text)
                if key:
                    weak.setdefault(key, user.pk)
        for key, pk in weak.items():
            self._by_key.setdefault(key, pk)
        aliases = AgentAlias.objects.filter(user_id__in=list(self._users)).values_list("key", "user_id")
        for key, pk in aliases:
            self._by_key[key] = pk  # an alias wins

    def match(self, name: str) -> Any:
        pk = self._by_key.get(normalise(name))
        return self._users.get(pk) if pk is not None else None
