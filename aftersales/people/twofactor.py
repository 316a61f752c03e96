"""Staff second factor: TOTP (RFC 6238) authenticator apps and one-time recovery codes.

Enrolment: ``new_secret`` → the user scans ``qr_svg(provisioning_uri(...))`` (or types the secret) →
``enrol`` checks a first code, stores the device (secret encrypted) and returns ten recovery codes,
shown once and stored as SHA-256 only. Sign-in: the password step signs the user in as usual; the
``TwoFactorMiddleware`` then holds every page until ``verify`` accepts a code from the app or an unused
recovery code. Each code works once: the device remembers the last accepted time step. Every
enrolment, removal, new set of recovery codes and use of a recovery code is audited.

The per-session state lives in the session (``SESSION_KEY``) so a signed-in request costs no query;
it is computed at sign-in and refreshed every ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import pyotp
import segno
from django.conf import settings
from django.db import transaction

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.core.access import is_staff_member
from aftersales.people.models import RecoveryCode, SecurityPolicy, TotpDevice

ISSUER = "aftersales"
RECOVERY_CODES = 10
SESSION_KEY = "two_factor"
RECHECK_SECONDS = 300
MAX_FAILURES = 5
# One step either side of now: phones whose clock is up to 30 s off still sign in.
VALID_WINDOW = 1


@dataclass(frozen=True)
class Status:
    required: bool  # the policy requires a second factor and the user is staff
    enrolled: bool  # the user has an authenticator app
    verified: bool  # this session passed the second step


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: Any, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (made here; nothing is fetched from elsewhere)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=False))


def _step(now_seconds: float) -> int:
    return int(now_seconds // 30)


def _match_step(secret: str, code: str) -> int | None:
    """The time step ``code`` belongs to (within the window), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now()
    current = _step(now.timestamp())
    found = None
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            found = current + offset
    return found


def _hash_code(code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


def _new_codes() -> list[str]:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _store_codes(user: Any) -> list[str]:
    now = clock.now()
    RecoveryCode.objects.filter(user=user).delete()
    codes = _new_codes()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_hash_code(code), created_at=now) for code in codes]
    )
    return codes


def enrol(*, user: Any, secret: str, code: str) -> list[str] | None:
    """Store ``user``'s authenticator app if ``code`` is right; return the new recovery codes (or None)."""
    step = _match_step(secret, code)
    if step is None:
        return None
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        TotpDevice.objects.create(user=user, secret=secret, created_at=clock.now(), last_step=step,
                                  last_used_at=clock.now())
        codes = _store_codes(user)
        audit(actor=user, action="two_factor.enrol", obj=user, after={"recovery_codes": len(codes)})
    return codes


def disable(*, user: Any, actor: Any) -> bool:
    """Remove ``user``'s authenticator app and recovery codes (by the user, or an admin for a lost phone)."""
    with transaction.atomic():
        removed, _ = TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        if removed:
            audit(actor=actor, action="two_factor.disable", obj=user, before={"enrolled": True},
                  after={"enrolled": False})
    return bool(removed)


def regenerate_codes(*, user: Any) -> list[str]:
    with transaction.atomic():
        codes = _store_codes(user)
        audit(actor=user, action="two_factor.recovery_codes.regenerate", obj=user, after={"recovery_codes": len(codes)})
    return codes


def unused_codes(user: Any) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def check_totp(user: Any, code: str) -> bool:
    """True if ``code`` is the app's current code and was not used before (it is then spent)."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        return False
    step = _match_step(device.secret, code)
    if step is None:
        return False
    # Spend the step atomically: of two requests with the same code only one wins.
    spent = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step, last_used_at=clock.now())
    return spent == 1


def use_recovery_code(user: Any, code: str) -> bool:
    with transaction.atomic():
        row = (RecoveryCode.objects.select_for_update()
               .filter(user=user, code_hash=_hash_code(code), used_at__isnull=True).first())
        if row is None:
            return False
        row.used_at = clock.now()
        row.save(update_fields=["used_at"])
        audit(actor=user, action="two_factor.recovery_code.use", obj=user,
              after={"remaining": unused_codes(user)})
    return True


def verify(user: Any, code: str) -> bool:
    code = (code or "").strip()
    if not code or len(code) > 40:
        return False
    return check_totp(user, code) or use_recovery_code(user, code)


# --- policy and session state ---------------------------------------------------------------------


def set_policy(*, require: bool, actor: Any) -> SecurityPolicy:
    with transaction.atomic():
        policy = SecurityPolicy.current()
        before = {"require_two_factor": policy.require_two_factor}
        policy.require_two_factor = require
        policy.updated_at = clock.now()
        policy.save()
        audit(actor=actor, action="security_policy.save", obj=policy, before=before,
              after={"require_two_factor": require})
    return policy


def compute_state(user: Any) -> dict[str, Any]:
    staff = is_staff_member(user)
    return {
        "uid": user.pk,
        "required": staff and SecurityPolicy.current().require_two_factor,
        "enrolled": staff and TotpDevice.objects.filter(user=user).exists(),
        "verified": False,
        "checked": time.time(),
        "failures": 0,
    }


def session_state(request: Any) -> dict[str, Any]:
    """The session's 2FA state, (re)computed when missing, for another user or older than RECHECK_SECONDS."""
    state = request.session.get(SESSION_KEY)
    user = request.user
    if not state or state.get("uid") != user.pk or time.time() - state.get("checked", 0) > RECHECK_SECONDS:
        fresh = compute_state(user)
        if state and state.get("uid") == user.pk:
            fresh["verified"] = state.get("verified", False)
            fresh["failures"] = state.get("failures", 0)
        state = fresh
        request.session[SESSION_KEY] = state
    return state


def mark(request: Any, **changes: Any) -> None:
    state = dict(session_state(request))
    state.update(changes)
    request.session[SESSION_KEY] = state


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: a fresh, unverified state for this session."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = compute_state(user)


def status(request: Any) -> Status:
    state = session_state(request)
    return Status(required=bool(state["required"]), enrolled=bool(state["enrolled"]),
                  verified=bool(state["verified"]))


def max_failures() -> int:
    return int(getattr(settings, "TWO_FACTOR_MAX_FAILURES", MAX_FAILURES))
