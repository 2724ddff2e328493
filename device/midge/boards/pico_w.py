"""Glue for the Raspberry Pi Pico W: the Pico's glue (the on-board LED is
``"LED"`` on both), with Wi-Fi for the mqtt responder."""

from midge.boards.pico import led, lorawan_modem, mqtt_client, sensor, sleep, watchdog  # noqa: F401
