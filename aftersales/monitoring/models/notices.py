"""Whether, whom and with which words to tell a customer that a monitor opened a proactive ticket.

Off unless a lead switches it on for the customer: some customers want to hear about a delivery
problem at once, others only from their account manager. The words come from a shared reply template
(``knowledge.Macro``) in the contact's language, or the built-in notice when none is chosen.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertNotice(models.Model):
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    enabled = models.BooleanField(_("tell the customer"), default=False)
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("contact"), help_text=_("Who gets the email: one of the customer's contacts with an address."),
    )
    macro = models.ForeignKey(
        "knowledge.Macro", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("reply template"),
        help_text=_("A shared reply template in the contact's language; empty: the built-in notice."),
    )
    include_fraud = models.BooleanField(
        _("also for suspected fraud"), default=True,
        help_text=_("Pumping alerts too. Switch off to let the account manager call instead."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("alert notice")
        verbose_name_plural = _("alert notices")

    def __str__(self) -> str:
        return f"{self.customer_id} {'on' if self.enabled else 'off'}"
