"""Battery operation: duty-cycled capture and a watchdog fed once per window.

    import machine
    duty = DutyCycle(machine.lightsleep, period_ms=60000, awake_ms=5000)
    dog = Watchdog(machine.WDT(timeout=8000))
    while True:
        mic.start()
        while duty.awake(time.ticks_ms()):
            ... one window: capture, features, model, respond ...
            dog.window()
        mic.stop()
        duty.rest(time.ticks_ms())     # lightsleep for the rest of the period

``DutyCycle`` is handed the sleep function (``machine.lightsleep`` keeps RAM
and resumes; ``machine.deepsleep`` resets the board on wake, so ``main.py``
starts again). ``rest`` never sleeps longer than ``max_sleep_ms`` at a time, so
a watchdog with a longer timeout can be fed between naps (``dog`` given to
``rest``); on ports whose WDT keeps running in lightsleep, keep
``max_sleep_ms`` below its timeout. ``Watchdog`` wraps a ``machine.WDT``:
``window()`` feeds it; if the pipeline hangs, the board resets, and the
detection log loses nothing (every record is closed before ``append`` returns).
"""

from midge.sensors._clock import ticks_add, ticks_diff


class DutyCycle:
    def __init__(self, sleep, period_ms, awake_ms, max_sleep_ms=None):
        if not 0 < awake_ms <= period_ms:
            raise ValueError("need 0 < awake_ms <= period_ms, got %r and %r" % (awake_ms, period_ms))
        self._sleep = sleep
        self.period_ms = period_ms
        self.awake_ms = awake_ms
        self.max_sleep_ms = max_sleep_ms
        self._start = None

    def awake(self, now_ms):
        """True while inside the awake part of the current period (starts one if none)."""
        if self._start is None:
            self._start = now_ms
        return ticks_diff(now_ms, self._start) < self.awake_ms

    def rest(self, now_ms, dog=None):
        """Sleep until the next period starts; returns the milliseconds asked of ``sleep``."""
        if self._start is None:
            self._start = now_ms
        left = self.period_ms - ticks_diff(now_ms, self._start)
        self._start = ticks_add(self._start, self.period_ms)
        total = 0
        while left > 0:
            nap = left if self.max_sleep_ms is None or left < self.max_sleep_ms else self.max_sleep_ms
            self._sleep(nap)
            total += nap
            left -= nap
            if dog is not None:
                dog.feed()
        return total


class Watchdog:
    """A ``machine.WDT`` fed once per processed window (``window``) or directly (``feed``)."""

    def __init__(self, wdt):
        self._wdt = wdt
        self.windows = 0

    def feed(self):
        self._wdt.feed()

    def window(self):
        self.windows += 1
        self._wdt.feed()
