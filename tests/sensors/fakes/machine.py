"""Fake ``machine`` for tests: Pin, I2C, I2S, WDT, ADC and the sleep functions, built
from MicroPython's documented APIs. Runs under the unix port and CPython.

Test hooks (not in the real module): ``I2C(..., devices={addr: chip})`` where a
chip has ``read_into(reg, buf)`` and ``write(reg, data)``; ``I2S.source`` is a
callable ``(nbytes) -> bytes`` feeding reads; ``I2S.complete()`` finishes the
pending non-blocking read and calls the handler (as DMA + the scheduler
would); ``slept`` records lightsleep/deepsleep calls.
"""


class Pin:
    IN = 0
    OUT = 1

    def __init__(self, id, mode=-1, value=None):
        self.id = id
        self.history = []
        self._value = 0
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return self._value
        self._value = 1 if v else 0
        self.history.append(self._value)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class I2C:
    def __init__(self, id=0, scl=None, sda=None, freq=400000, devices=None):
        self.devices = devices or {}
        self.transactions = 0

    def scan(self):
        return sorted(self.devices)

    def _dev(self, addr):
        if addr not in self.devices:
            raise OSError(19)  # ENODEV, as a NACK reads on ports
        return self.devices[addr]

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        self.transactions += 1
        self._dev(addr).read_into(memaddr, buf)

    def readfrom_mem(self, addr, memaddr, n, addrsize=8):
        buf = bytearray(n)
        self.readfrom_mem_into(addr, memaddr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        self.transactions += 1
        self._dev(addr).write(memaddr, bytes(buf))


class I2S:
    RX = 0
    TX = 1
    MONO = 0
    STEREO = 1

    def __init__(self, id, sck=None, ws=None, sd=None, mck=None, mode=0, bits=16, format=0, rate=16000, ibuf=4096,
                 source=None):
        self.bits = bits
        self.format = format
        self.rate = rate
        self.source = source
        self._handler = None
        self._pending = None
        self.reads = 0

    def irq(self, handler):
        self._handler = handler

    def readinto(self, buf):
        self.reads += 1
        if self._handler is None:  # blocking
            data = self.source(len(buf))
            for i in range(len(buf)):
                buf[i] = data[i]
            return len(buf)
        self._pending = buf
        return len(buf)

    def complete(self):
        """Fill the pending non-blocking buffer and run the handler."""
        buf = self._pending
        self._pending = None
        data = self.source(len(buf))
        for i in range(len(buf)):
            buf[i] = data[i]
        self._handler(self)

    def deinit(self):
        self._handler = None


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.feeds = 0

    def feed(self):
        self.feeds += 1


slept = []


def lightsleep(ms=None):
    slept.append(("light", ms))


def deepsleep(ms=None):
    slept.append(("deep", ms))


class ADC:
    """An ADC reading the voltage the test sets for its pin in ``ADC.volts`` (test hook):
    ``read_u16`` against a 3.3 V reference, ``read_uv`` calibrated (ESP32's)."""
    ATTN_11DB = 3
    volts = {}

    def __init__(self, pin, atten=None):
        self.pin = getattr(pin, "id", pin)
        self.atten = atten

    def read_u16(self):
        return min(65535, int(ADC.volts[self.pin] * 65535 / 3.3))

    def read_uv(self):
        if self.atten != ADC.ATTN_11DB and ADC.volts[self.pin] > 0.95:
            return 950000  # 0 dB saturates near 1 V
        return int(ADC.volts[self.pin] * 1000000)
