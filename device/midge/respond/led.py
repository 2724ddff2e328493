"""Blink patterns on an LED, one per label, without blocking the pipeline.

    led = Blinker(Pin("LED", Pin.OUT), {"yes": (100, 100, 3), "no": (500, 0, 1)})
    led.show("yes", time.ticks_ms())    # start (or restart) the label's pattern
    led.update(time.ticks_ms())         # call every loop; switches the pin when due

A pattern is ``(on_ms, off_ms, count)``: ``count`` flashes of ``on_ms`` with
``off_ms`` between them. Labels without a pattern use ``default`` (None: no
blink). ``active_low=True`` for LEDs wired to the supply (XIAO ESP32S3's user
LED, GPIO21). Nothing is allocated by ``show``/``update``.
"""

from midge.sensors._clock import ticks_add, ticks_diff


class Blinker:
    def __init__(self, pin, patterns, default=None, active_low=False):
        self._pin = pin
        self._patterns = patterns
        self._default = default
        self._on = 0 if active_low else 1
        self._pattern = None
        self._steps = 0  # on/off switches left
        self._due = 0
        self._pin.value(1 - self._on)

    @property
    def busy(self):
        """True while a pattern is playing."""
        return self._steps > 0

    def show(self, label, now_ms):
        pattern = self._patterns.get(label, self._default)
        if pattern is None:
            return
        self._pattern = pattern
        self._steps = 2 * pattern[2] - 1
        self._pin.value(self._on)
        self._due = ticks_add(now_ms, pattern[0])

    def update(self, now_ms):
        if self._steps <= 0 or ticks_diff(now_ms, self._due) < 0:
            return
        self._steps -= 1
        lit = self._steps & 1  # phases alternate off, on, ..., ending off
        self._pin.value(self._on if lit else 1 - self._on)
        if self._steps:
            self._due = ticks_add(self._due, self._pattern[0] if lit else self._pattern[1])
