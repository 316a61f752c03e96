"""The sms app's records, one module per aggregate:

- ``accounts``: vendor accounts, balance readings, balance alert settings and balance incidents;
- ``numbers``: the phone numbers customers hold;
- ``registrations``: sender-ID registrations, their events and documents, and the lead-time table;
- ``cases``: vendor cases, their notes and linked tickets.
"""

from aftersales.sms.models.accounts import (
    STATE_OK,
    BalanceAlertSettings,
    BalanceIncident,
    BalanceReading,
    VendorAccount,
)
from aftersales.sms.models.cases import VendorCase, VendorCaseNote, VendorSupportAddress
from aftersales.sms.models.numbers import PhoneNumber
from aftersales.sms.models.registrations import (
    LeadTime,
    RegistrationDocument,
    RegistrationEvent,
    RegistrationStatus,
    RegistrationType,
    SenderIdRegistration,
)

__all__ = [
    "STATE_OK",
    "BalanceAlertSettings",
    "BalanceIncident",
    "BalanceReading",
    "LeadTime",
    "PhoneNumber",
    "RegistrationDocument",
    "RegistrationEvent",
    "RegistrationStatus",
    "RegistrationType",
    "SenderIdRegistration",
    "VendorAccount",
    "VendorCase",
    "VendorCaseNote",
    "VendorSupportAddress",
]
