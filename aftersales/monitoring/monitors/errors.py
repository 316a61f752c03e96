"""DLR error mix shift (sms-domain §5 "Failure mix"): over the last hour, the share of final DLRs
with err 6 (anti-spam: the content or the sender is filtered → check the template) or err 11 / 99
(the vendor's route → a vendor case), against the 30-day baseline share.

Screened on the pass's sums (enough failures in the hour); only those pairs get their error codes
read (one query).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.monitoring.models import Severity
from aftersales.monitoring.monitors.base import Finding, Monitor
from aftersales.monitoring.monitors.context import Context, Counts, Key

GROUPS = {
    "content": ("6",),
    "route": ("11", "99"),
}


class ErrorMixShift(Monitor):
    key = "error_mix"
    title = _("DLR error mix shift")
    defaults = {
        "min_final": 100,  # † final DLRs in the hour
        "min_share": 0.10,  # † the codes' share of final DLRs in the hour
        "rise_points": 0.10,  # † rise over the baseline share, in points
    }
    articles = ("dlr-err-6-anti-spam", "dlr-route-errors", "dlr-error-codes", "template-rejected")

    def series_value(self, counts: Counts) -> float | None:
        return counts.delivery_rate

    def evaluate(self, context: Context) -> list[Finding]:
        candidates: dict[Key, tuple[int, dict]] = {}
        for pair in context.networks():
            final = pair.hour.final
            if not final:
                continue
            customer_id = context.customer(pair.account_id)
            params = context.params(self, customer_id) if customer_id is not None else None
            if params is None or final < params["min_final"] or pair.hour.failed / final < params["min_share"]:
                continue
            candidates[(pair.account_id, pair.country, pair.network)] = (customer_id, params)  # type: ignore[assignment]
        mixes = context.error_mix(candidates)
        found = []
        for key, (customer_id, params) in candidates.items():
            recent, base = mixes.get(key, (None, None))
            if recent is None or base is None:
                continue
            pair = context.pairs[key]
            for group, codes in GROUPS.items():
                share = sum(recent[c] for c in codes) / pair.hour.final
                base_share = sum(base[c] for c in codes) / pair.base.final if pair.base.final else 0.0
                if share < params["min_share"] or share - base_share < params["rise_points"]:
                    continue
                found.append(Finding(
                    monitor=self.key, account_id=key[0], customer_id=customer_id, country=key[1], network=key[2],
                    detail=group, per_network=True, code=f"error_{group}", severity=Severity.WARNING,
                    params={"share": share, "baseline": base_share, "final": pair.hour.final,
                            "codes": "/".join(codes)},
                ))
        return found
