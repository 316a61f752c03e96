"""Business calendars (weekly hours, public holidays, 调休 overrides) and SLA policies.

The app knows no tickets: a policy is matched on plain values (tier, priority, category code,
channel) and names the ticket statuses that pause its clock as plain strings.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import secrets
import threading
import zoneinfo
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.core.stamps import bump
from aftersales.sla.business_time import BusinessCalendar, day_offset, parse_time, parse_week

WAITING_CUSTOMER = "waiting_customer"
WAITING_VENDOR = "waiting_vendor"

# Public holidays are loaded for this many years either side of the current one; beyond
# them a calendar has only its weekly hours and its overrides.
HOLIDAY_YEARS_BEFORE = 5
HOLIDAY_YEARS_AFTER = 5

DEFAULT_WEEK: dict[str, list[list[str]]] = {
    str(day): [["09:00", "12:00"], ["13:00", "18:00"]] for day in range(5)
}


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("%(value)s is not a known timezone."), params={"value": value}) from exc


def validate_week(value: Any) -> None:
    """Weekdays ("0" Monday … "6" Sunday) → lists of ["HH:MM", "HH:MM"] (an end may be "24:00"),
    each ending after it starts, none overlapping."""
    if not isinstance(value, dict):
        raise ValidationError(_("The week must map weekdays to lists of intervals."))
    for key, intervals in value.items():
        if key not in {str(day) for day in range(7)} or not isinstance(intervals, list):
            raise ValidationError(_("The week must map weekdays to lists of intervals."))
        parsed = []
        for pair in intervals:
            try:
                first, last = pair
                start, end = parse_time(first), parse_time(last, end=True)
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    _("%(value)s is not an interval like 09:00-12:00."), params={"value": pair}
                ) from exc
            if not day_offset(start) < day_offset(end, end=True):
                raise ValidationError(
                    _("The interval %(start)s-%(end)s must end after it starts."),
                    params={"start": first, "end": last},
                )
            parsed.append((day_offset(start), day_offset(end, end=True), f"{first}-{last}"))
        parsed.sort()
        for previous, current in itertools.pairwise(parsed):
            if current[0] < previous[1]:
                raise ValidationError(
                    _("The intervals %(first)s and %(second)s overlap."),
                    params={"first": previous[2], "second": current[2]},
                )


def new_version() -> int:
    return secrets.randbits(62)


# Policies and calendars are cached per process (``sla.policies``) against this stamp. Saves and
# deletes bump it through signals (``sla.apps``); these querysets bump it for bulk writes.
STAMP = "sla"


class StampedQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        with transaction.atomic():
            bump(STAMP)
            return super().update(**kwargs)

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic():
            bump(STAMP)
            return super().bulk_create(*args, **kwargs)


class Calendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("timezone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone])
    week = models.JSONField(
        _("working hours"), default=dict, validators=[validate_week],
        help_text=_('Weekday ("0" Monday … "6" Sunday) → list of ["HH:MM", "HH:MM"] intervals.'),
    )
    country = models.CharField(
        _("public holidays of"), max_length=2, blank=True, default="CN",
        help_text=_("ISO country code whose public holidays apply (empty: none)."),
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    # A new random value on every change of the calendar or its overrides; keys engine(). Random,
    # not a counter, so a value seen in a rolled-back transaction never comes back with other content.
    version = models.BigIntegerField(default=0, editable=False)

    objects = StampedQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                    name="sla_one_default_calendar"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.version = new_version()
        super().save(*args, **kwargs)

    @classmethod
    def get_default(cls) -> Calendar:
        """The default calendar (one is created by the migration; falls back to the first)."""
        calendar = cls.objects.filter(is_default=True).first() or cls.objects.order_by("pk").first()
        if calendar is None:
            calendar = cls.objects.create(
                name="China (Asia/Shanghai) 09:00-18:00", timezone="Asia/Shanghai", week=DEFAULT_WEEK,
                country="CN", is_default=True,
            )
        return calendar

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def week_intervals(self) -> dict[int, list[tuple[dt.time, dt.time]]]:
        return parse_week(self.week)

    def public_holidays(self, years: range, language: str = "") -> tuple[dict[dt.date, str], set[dt.date]]:
        """(holiday date → name, make-up workdays) from the ``holidays`` package for ``years``; the
        names in ``language`` (a Django language code) where the package has them."""
        if not self.country:
            return {}, set()
        names, workdays = _package_holidays(self.country, years.start, years.stop, _HOLIDAY_LANGUAGES.get(language, ""))
        return dict(names), set(workdays)

    def day_sets(self, years: range) -> tuple[set[dt.date], set[dt.date]]:
        """(holidays, extra workdays) for ``years``: the package's, with this calendar's overrides winning."""
        holiday_names, workdays = self.public_holidays(years)
        holidays = set(holiday_names)
        for day, is_workday in self.overrides.values_list("date", "is_workday"):
            if is_workday:
                holidays.discard(day)
                workdays.add(day)
            else:
                workdays.discard(day)
                holidays.add(day)
        return holidays, workdays

    def engine(self) -> BusinessCalendar:
        """The arithmetic for this calendar, cached per (calendar, version): any change to the
        calendar or its overrides sets a new ``version``, so a stale engine is never used after it."""
        this_year = clock.now().year
        key = (self.pk, self.version, this_year)
        cached = _ENGINES.get(key)
        if cached is not None:
            return cached
        years = range(this_year - HOLIDAY_YEARS_BEFORE, this_year + HOLIDAY_YEARS_AFTER + 1)
        holidays, workdays = self.day_sets(years)
        engine = BusinessCalendar(tz=self.tz, week=self.week_intervals(), holidays=holidays, extra_workdays=workdays)
        _ENGINES.put(key, engine)
        return engine

    def bump_version(self) -> None:
        self.version = new_version()
        Calendar.objects.filter(pk=self.pk).update(version=self.version)


# Django's language codes → the ``holidays`` package's, for the holidays' names.
_HOLIDAY_LANGUAGES = {"zh-hans": "zh_CN", "en": "en_US"}


@functools.lru_cache(maxsize=32)
def _package_holidays(
    country: str, first: int, stop: int, language: str = ""
) -> tuple[tuple[tuple[dt.date, str], ...], frozenset[dt.date]]:
    """The package's holidays and make-up workdays, once per process (its lunar arithmetic is slow:
    about 60 ms a year for China), so that an override change only rebuilds the tables. Names in
    ``language`` when the country's calendar has it, else in its own default."""
    import holidays as holidays_package

    try:
        supported = holidays_package.country_holidays(country).supported_languages if language else ()
        data = holidays_package.country_holidays(country, years=list(range(first, stop)),
                                                 language=language if language in supported else None)  # fmt: skip
    except NotImplementedError:
        return (), frozenset()
    return tuple(sorted(data.items())), frozenset(getattr(data, "weekend_workdays", set()))


class _EngineCache:
    """A small process-wide LRU of calendar engines keyed by (calendar id, version)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._data: OrderedDict[tuple[Any, int, int], BusinessCalendar] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, int, int]) -> BusinessCalendar | None:
        with self._lock:
            engine = self._data.get(key)
            if engine is not None:
                self._data.move_to_end(key)
            return engine

    def put(self, key: tuple[Any, int, int], engine: BusinessCalendar) -> None:
        with self._lock:
            self._data[key] = engine
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_ENGINES = _EngineCache()


class CalendarOverride(models.Model):
    """One date of one calendar: a holiday or a workday, whatever the package says (entered
    by admins, e.g. next year's 调休 as soon as the State Council publishes it)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="overrides",
                                 verbose_name=_("calendar"))
    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"), default=False,
                                     help_text=_("Checked: a working day (e.g. a make-up Saturday). "
                                                 "Unchecked: a holiday."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = StampedQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_override_unique_date")]

    def __str__(self) -> str:
        return f"{self.date}: {_('working day') if self.is_workday else _('holiday')}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        Calendar.objects.filter(pk=self.calendar_id).update(version=new_version())

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        calendar_id = self.calendar_id
        result = super().delete(*args, **kwargs)
        Calendar.objects.filter(pk=calendar_id).update(version=new_version())
        return result


class Policy(models.Model):
    """Targets in business time for the tickets it matches; first active match by order wins."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100,
                                             help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default policy"), default=False,
                                     help_text=_("Applies when no other policy matches."))
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True, help_text=_("Empty: any tier."))
    priorities = models.JSONField(_("priorities"), default=list, blank=True, help_text=_("Empty: any priority."))
    category_codes = models.JSONField(_("categories"), default=list, blank=True,
                                      help_text=_("Category codes; empty: any category."))
    channels = models.JSONField(_("channels"), default=list, blank=True, help_text=_("Empty: any channel."))
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies",
                                 verbose_name=_("calendar"))
    first_response = models.DurationField(_("first response"), null=True, blank=True)
    next_response = models.DurationField(_("next response"), null=True, blank=True)
    resolution = models.DurationField(_("resolution"), null=True, blank=True)
    pause_on_waiting_customer = models.BooleanField(_("pause while waiting on customer"), default=True)
    pause_on_waiting_vendor = models.BooleanField(_("pause while waiting on vendor"), default=True)
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of target)"), default=75, help_text=_("Warn the owner when this share of a target is used.")
    )
    # Escalation when a target is breached (optional).
    breach_raise_priority = models.BooleanField(
        _("raise priority on breach"), default=False, help_text=_("One step up (P3 → P2), never above P1.")
    )
    breach_reassign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("reassign on breach to"),
        help_text=_("Skipped when that person is away or cannot own tickets."),
    )

    objects = StampedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                    name="sla_one_default_policy"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not 1 <= self.warn_at_percent <= 100:
            raise ValidationError({"warn_at_percent": _("Give a percentage from 1 to 100.")})
        for field in ("first_response", "next_response", "resolution"):
            value = getattr(self, field)
            if value is not None and value <= dt.timedelta(0):
                raise ValidationError({field: _("A target must be longer than zero.")})

    def matches(self, *, tier: str | None, priority: int, category_code: str | None, channel: str) -> bool:
        """True when every non-empty condition list contains the ticket's value (empty = any)."""
        return (
            (not self.tiers or tier in self.tiers)
            and (not self.priorities or priority in self.priorities)
            and (not self.category_codes or category_code in self.category_codes)
            and (not self.channels or channel in self.channels)
        )

    def paused_statuses(self) -> set[str]:
        """Ticket statuses (plain strings) in which the resolution clock stops."""
        statuses = set()
        if self.pause_on_waiting_customer:
            statuses.add(WAITING_CUSTOMER)
        if self.pause_on_waiting_vendor:
            statuses.add(WAITING_VENDOR)
        return statuses
