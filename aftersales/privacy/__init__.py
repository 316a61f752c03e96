"""Personal data over time: retention of raw inputs and message bodies, a customer's export and erasure.

- ``retention``: the daily purge (``privacy.retention``, 03:40 UTC; ``aftersales retention`` by hand);
- ``exporting``: ``aftersales customer-export CODE --output FILE.zip``;
- ``erasing``: ``aftersales customer-erase CODE --yes``.

Every run writes an audit entry. No models of its own: it works on the other apps' rows.
"""
