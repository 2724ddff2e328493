"""Glue for the emulated board (``midge sim``): no hardware, so sensors are
replayed (``"source": "replay"``), the LED is a software pin whose state is
kept in ``value()``, ``sleep`` is ``time.sleep_ms``, and ``mqtt_client`` is
``midge.boards._net``'s on the unix port's sockets (no Wi-Fi to join; the
board's ``/lib`` needs ``umqtt/simple.py``: docs/field-deployment.md). Its clock
is the host's, so ``utc`` always knows the time. It has no watchdog and no battery."""

import time

from midge.boards._net import mqtt_client  # noqa: F401  (re-exported glue)


class SoftPin:
    """A stand-in for ``machine.Pin`` output: remembers its value."""

    def __init__(self):
        self._value = 0

    def value(self, v=None):
        if v is None:
            return self._value
        self._value = 1 if v else 0
        return None


def led(params):
    return SoftPin()


def sleep(ms):
    time.sleep_ms(ms)


def utc():
    from midge.fleet import utc_text
    return utc_text(time.gmtime())
