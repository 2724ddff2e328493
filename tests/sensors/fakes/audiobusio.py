"""Fake CircuitPython ``audiobusio`` with ``PDMIn``: ``record(destination,
destination_length)`` fills unsigned 16-bit samples centred on 32768.

Test hook: ``PDMIn.signal`` is a callable ``(index) -> int16 sample``."""


class PDMIn:
    signal = None

    def __init__(self, clock_pin, data_pin, *, sample_rate=16000, bit_depth=8, mono=True, oversample=64,
                 startup_delay=0.11):
        if bit_depth != 16:
            raise ValueError("this fake records 16-bit only")
        self.sample_rate = sample_rate
        self.bit_depth = bit_depth
        self._i = 0

    def record(self, destination, destination_length):
        for k in range(destination_length):
            destination[k] = PDMIn.signal(self._i) + 32768
            self._i += 1
        return destination_length

    def deinit(self):
        pass
