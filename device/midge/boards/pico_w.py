"""Glue for the Raspberry Pi Pico W: the Pico's glue (the on-board LED is
``"LED"`` on both), with Wi-Fi for the mqtt responder.

``battery_mv`` reads a divider the user wires to ``battery_pin`` (GPIO26..28,
``battery_ratio``), None without one: on the Pico W, VSYS's GPIO29 is also the
Wi-Fi chip's SPI clock and reads garbage while Wi-Fi runs (MicroPython issue
#10406).
"""

from midge.boards import pico
from midge.boards.pico import led, lorawan_modem, mqtt_client, sensor, sleep, utc, watchdog  # noqa: F401


def battery_mv(params):
    if params.get("battery_pin") is None:
        return None
    return pico.battery_mv(params)
