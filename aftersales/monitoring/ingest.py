"""The one ingestion path: every source (Vonage webhooks, the generic traffic feed, CSV imports,
Reports API pulls, the simulator) turns what it received into ``TrafficEvent`` values and calls
``record_events``, which maps them to vendor accounts, updates ``MessageRecord`` rows and adds to
the hourly ``TrafficRollup`` / ``PrefixRollup`` counters.

(Interface fixed first so ingestion, monitors and the simulator can be built side by side; the
implementation lives below.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class TrafficEvent:
    """One thing that happened to one message part.

    ``kind``: "submitted" (an MT message sent), "dlr" (a delivery receipt: ``status`` is the DLR
    status, ``err_code`` its code), "inbound" (an MO message), "conversion_requested" (an OTP sent
    that expects a verification), "verified" (the OTP was entered / Verify completed).
    """

    kind: str
    at: dt.datetime  # when it happened (UTC); the carrier's time for a DLR when known
    message_id: str
    api_key: str = ""  # the vendor key (Vonage "api-key"), how the event maps to an account
    account_id: int | None = None  # when the source already knows the account (a feed's default)
    part: int = 1
    msisdn: str = ""  # the recipient (MT) or sender (MO), E.164 digits
    sender: str = ""
    network: str = ""  # MCCMNC
    country: str = ""  # ISO 3166 alpha-2, derived from network/number when empty
    status: str = ""  # for "dlr": delivered, failed, expired, rejected, unknown, accepted, buffered
    err_code: int | None = None
    price: Decimal | None = None
    currency: str = "EUR"
    client_ref: str = ""
    submitted_at: dt.datetime | None = None  # for a DLR: when the message was sent, when known
    raw_event_id: int | None = None


@dataclass
class IngestResult:
    recorded: int = 0
    duplicates: int = 0
    unmapped: int = 0
    unmapped_keys: set[str] = field(default_factory=set)
