"""Relative times read naturally in Chinese (core.timewords: Django's own words, said our way)."""

from __future__ import annotations

import datetime as dt

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone, translation
from django.utils.timesince import timesince as _timesince


def naturaltime_(value: dt.datetime) -> str:
    return naturaltime(value).replace("\xa0", " ")  # (Django keeps a number with its unit: no-break spaces)


def timesince(value: dt.datetime, now: dt.datetime) -> str:
    return _timesince(value, now).replace("\xa0", " ")


def test_relative_times_in_chinese_and_english():
    now = timezone.now()
    with translation.override("zh-hans"):
        assert naturaltime_(now - dt.timedelta(days=2, hours=5, seconds=1)) == "2 天 5 小时前"  # not 2 日，5 小时前
        assert naturaltime_(now - dt.timedelta(minutes=4, seconds=1)) == "4 分钟前"  # not 4分钟之前
        assert timesince(now - dt.timedelta(days=9, hours=2, seconds=1), now) == "1 周 2 天"
        assert naturaltime_(now + dt.timedelta(days=3, minutes=1)) == "3 天后"
    with translation.override("en"):
        assert naturaltime_(now - dt.timedelta(days=2, hours=5, seconds=1)) == "2 days, 5 hours ago"
