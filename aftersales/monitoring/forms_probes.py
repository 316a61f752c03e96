"""The probe form (create and edit). Field rules live on the model (``Probe.clean``), so the errors
show next to their fields; ``monitoring.probes.actions.save_probe`` writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.customers.forms import CustomerChoiceField
from aftersales.monitoring.models import Probe
from aftersales.monitoring.probes.actions import EDITABLE

FIELDS = list(EDITABLE)


class ProbeForm(forms.ModelForm):
    customer = CustomerChoiceField(
        label=_("Customer"),
        required=False,
        empty_label=_("— our own service —"),
        help_text=_("Empty: one of the team's own services (its ticket has no customer)."),
    )
    url = forms.URLField(
        label=_("URL"), max_length=500, required=False, assume_scheme="https", help_text=_("http:// or https:// only.")
    )

    class Meta:
        model = Probe
        fields = FIELDS
        widgets = {"kind": forms.RadioSelect}
        help_texts = {
            "interval_minutes": _(
                "HTTP: how often to check. Heartbeat: how often the job pings. SMS: how often to send a test message."
            ),
            "grace_minutes": _("Heartbeat: how late a ping may be before it counts as missing."),
            "body_contains": _("Optional: a text the answer must contain."),
            "follow_redirects": _("Off: a redirect is judged by its own status (e.g. 301)."),
            "destination": _("SMS: a test phone that receives the message, in international form."),
            "receipt_minutes": _("SMS: the delivery receipt must arrive within this time."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from aftersales.sms.models import VendorAccount

        super().__init__(*args, **kwargs)
        account = self.fields["account"]
        account.queryset = (  # type: ignore[attr-defined]
            VendorAccount.objects.filter(active=True).select_related("customer").order_by("name")
        )
        account.help_text = _("SMS: the vendor account the test message goes through.")

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FIELDS}
