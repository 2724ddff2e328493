"""MicroPython's tick functions, with CPython stand-ins of the same semantics
(a wrapping millisecond/microsecond counter, ``ticks_diff`` for differences)."""

try:
    from time import sleep_ms, sleep_us, ticks_add, ticks_diff, ticks_ms, ticks_us
except ImportError:
    import time as _time

    _PERIOD = 1 << 30
    _HALF = _PERIOD >> 1

    def ticks_us():
        return (_time.monotonic_ns() // 1000) % _PERIOD

    def ticks_ms():
        return (_time.monotonic_ns() // 1000000) % _PERIOD

    def ticks_add(ticks, delta):
        return (ticks + delta) % _PERIOD

    def ticks_diff(a, b):
        return ((a - b + _HALF) % _PERIOD) - _HALF

    def sleep_us(us):
        _time.sleep(us / 1e6)

    def sleep_ms(ms):
        _time.sleep(ms / 1e3)
