"""Business calendars, business-time arithmetic and SLA policies. Knows no tickets."""
