"""Vendor connectors: read a vendor account's balance, sub-accounts and numbers.

``get_connector("vonage", api_key=…, api_secret=…)`` or ``get_connector("simulator", seed=…)``;
see ``base.py`` for the interface and the typed errors, ``docs/sms.md`` for the details.
"""
