"""One-time links for the portal: signed, short-lived, and spent once used.

A link carries the contact, its purpose, when it was made and a fingerprint of the contact's
login state (last sign-in, password hash, email). Signing in changes the last sign-in and
setting a password changes the hash, so a link works once; after 15 minutes it expires.
"""

from __future__ import annotations

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from aftersales.core import clock
from aftersales.customers.models import Contact

LINK_MAX_AGE_SECONDS = 15 * 60
SIGN_IN = "sign-in"
SET_PASSWORD = "set-password"  # noqa: S105 - a purpose name, not a secret
PURPOSES = (SIGN_IN, SET_PASSWORD)


def _fingerprint(contact: Contact, purpose: str) -> str:
    user = contact.portal_user
    if user is None:
        state = "none"
    else:
        last_login = user.last_login.isoformat() if user.last_login else ""
        state = f"{user.pk}|{last_login}|{user.password}"
    value = f"{contact.pk}|{contact.email.lower()}|{state}"
    return salted_hmac(f"aftersales.portal.{purpose}", value).hexdigest()[:32]


def make_token(contact: Contact, purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    payload = {"c": contact.pk, "f": _fingerprint(contact, purpose), "t": int(clock.now().timestamp())}
    return signing.dumps(payload, salt=f"aftersales.portal.{purpose}")


def read_token(token: str, purpose: str) -> Contact | None:
    """The contact the link was made for, or None if it is forged, expired or already used."""
    try:
        payload = signing.loads(token, salt=f"aftersales.portal.{purpose}")
        contact_pk, fingerprint, made_at = int(payload["c"]), str(payload["f"]), int(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    age = clock.now().timestamp() - made_at
    if age < -60 or age > LINK_MAX_AGE_SECONDS:
        return None
    contact = Contact.objects.select_related("portal_user", "customer").filter(pk=contact_pk).first()
    if contact is None or not contact.email:
        return None
    if not constant_time_compare(_fingerprint(contact, purpose), fingerprint):
        return None
    return contact
