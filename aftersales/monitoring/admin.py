"""Django admin for monitoring configuration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.monitoring.feeds import issue_feed_token
from aftersales.monitoring.models import MonitorSetting, TrafficFeed


# --- Monitors (per-customer parameters) --------------------------------------------------------
class MonitorSettingForm(forms.ModelForm):
    class Meta:
        model = MonitorSetting
        fields = ("customer", "monitor", "enabled", "params")

    def clean(self) -> dict[str, Any]:
        from aftersales.monitoring.monitors import MONITORS

        data = super().clean() or {}
        monitor = MONITORS.get(data.get("monitor") or "")
        if monitor is None:
            self.add_error("monitor", _("Unknown monitor. Known: %(keys)s.") % {"keys": ", ".join(MONITORS)})
            return data
        params = data.get("params") or {}
        if not isinstance(params, dict):
            self.add_error("params", _("Parameters are a JSON object, e.g. {\"min_requests\": 50}."))
            return data
        unknown = sorted(set(params) - set(monitor.all_defaults()))
        if unknown:
            self.add_error("params", _("Unknown parameters: %(names)s. This monitor takes: %(known)s.") % {
                "names": ", ".join(unknown), "known": ", ".join(sorted(monitor.all_defaults())),
            })
        return data


@admin.register(MonitorSetting)
class MonitorSettingAdmin(admin.ModelAdmin):
    """A monitor's parameters for one customer (or desk-wide when the customer is empty). Parameters
    not given keep their defaults; see docs/monitoring.md for each monitor's keys."""

    form = MonitorSettingForm
    list_display = ("monitor", "customer", "enabled", "params")
    list_filter = ("monitor", "enabled")
    search_fields = ("monitor", "customer__code", "customer__name")
    raw_id_fields = ("customer",)


# --- Telemetry in: traffic feeds (tokens for /hooks/traffic and /hooks/conversion) --------------
@admin.register(TrafficFeed)
class TrafficFeedAdmin(admin.ModelAdmin):
    """A feed's token is created on save and shown once (stored hashed, like API tokens); "Issue a new
    token" replaces it (the old one stops working at once)."""

    list_display = ("name", "token_prefix", "account", "active", "created_at", "last_used_at")
    list_filter = ("active",)
    search_fields = ("name", "token_prefix")
    raw_id_fields = ("account",)
    fields = ("name", "account", "active", "token_prefix", "created_at", "last_used_at")
    readonly_fields = ("token_prefix", "created_at", "last_used_at")
    actions = ("issue_new_token",)

    def save_model(self, request: HttpRequest, obj: TrafficFeed, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        raw = issue_feed_token(feed=obj, actor=request.user)
        self._show_token(request, obj, raw)

    def _show_token(self, request: HttpRequest, feed: TrafficFeed, raw: str) -> None:
        self.message_user(
            request,
            _("Token for %(feed)s: %(token)s — copy it now, it is not shown again.")
            % {"feed": feed.name, "token": raw},
            level=messages.WARNING,
        )

    @admin.action(description=gettext_lazy("Issue a new token (the old one stops working)"))
    def issue_new_token(self, request: HttpRequest, queryset: Any) -> None:
        for feed in queryset:
            self._show_token(request, feed, issue_feed_token(feed=feed, actor=request.user))
