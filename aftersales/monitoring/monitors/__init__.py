"""The monitors, one small class each (see ``base.Monitor``), in the order a pass runs them."""

from __future__ import annotations

from aftersales.monitoring.monitors.base import Finding, Monitor
from aftersales.monitoring.monitors.context import Context
from aftersales.monitoring.monitors.conversion import ConversionDrop
from aftersales.monitoring.monitors.delivery import DeliveryDrop
from aftersales.monitoring.monitors.dlr_return import DlrReturnCollapse
from aftersales.monitoring.monitors.errors import ErrorMixShift
from aftersales.monitoring.monitors.pumping import (
    HighCost,
    LowConversionNormalDelivery,
    NewDestination,
    PrefixConcentration,
    SequentialNumbers,
)
from aftersales.monitoring.monitors.volume import VolumeSpike

MONITORS: dict[str, Monitor] = {
    m.key: m
    for m in (
        DeliveryDrop(), ConversionDrop(), VolumeSpike(), NewDestination(), HighCost(), PrefixConcentration(),
        SequentialNumbers(), LowConversionNormalDelivery(), ErrorMixShift(), DlrReturnCollapse(),
    )
}


def get_monitor(key: str) -> Monitor | None:
    return MONITORS.get(key)


__all__ = ["MONITORS", "Context", "Finding", "Monitor", "get_monitor"]
