"""Stream time: milliseconds of sensor data since the app started, the clock
of every detection, log record and LoRaWAN interval (so they are right
however fast a replay runs). The app and the host replay both keep it here.

    clock = StreamClock(16000)
    clock.advance(8000)        # frames: a window's stride, or dropped frames
    clock.t_ms                 # 500; wraps like time.ticks_ms (ticks_add)

The remainder of ``frames * 1000 / rate`` is carried, so the time after any
sequence of advances is floor(total frames * 1000 / rate) (modulo the tick
period) with no big ints. A fractional rate (an IMU at 62.5 Hz) counts in
millihertz.
"""

from midge.sensors._clock import ticks_add


class StreamClock:
    def __init__(self, rate):
        if rate <= 0:
            raise ValueError("stream time needs a positive sample rate, got %r" % (rate,))
        if rate == int(rate):
            self._rate, self._unit = int(rate), 1000
        else:
            self._rate, self._unit = int(rate * 1000 + 0.5), 1000000
        self._rem = 0
        self.t_ms = 0

    def advance(self, frames):
        """Move on by ``frames`` sensor frames."""
        rate = self._rate
        scaled = frames * self._unit
        self._rem += scaled % rate
        ms = scaled // rate + self._rem // rate
        self._rem %= rate
        self.t_ms = ticks_add(self.t_ms, ms)
