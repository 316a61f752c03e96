"""The monitors' charts label their time axis on the reader's clock, as the rest of the page."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from aftersales.monitoring.charts import line_chart


def test_the_time_axis_is_on_the_readers_clock():
    start = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)  # 16:00 in Shanghai
    points = [(start + dt.timedelta(hours=h), 0.9) for h in range(24)]
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        chart = line_chart(points)
    assert chart is not None
    assert [tick.label for tick in chart.x_ticks] == ["16:00", "03:30", "15:00"]  # 08:00 … 07:00 UTC
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        chart = line_chart(points)
    assert chart is not None and chart.x_ticks[0].label == "09:00"
