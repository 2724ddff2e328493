"""Register-level models of the IMUs midge drives, for the fake ``machine.I2C``.

Each model answers ``read_into(reg, buf)`` / ``write(reg, data)`` as the datasheet's
register map describes (ID, reset, output registers, FIFO control, status and
data registers) and has a test hook ``produce(frames)`` that lets the sensor
sample ``frames`` more frames into its FIFO. Frame k is ``expected(k)``.
Reads allocate nothing (FIFOs are read through an index), so tests can
measure the driver's own heap use around them.
"""


def expected(k):
    """(ax, ay, az, gx, gy, gz) of the k-th frame the models produce."""
    vals = (k, -k, 1000 + k, 3 * k, -3 * k, -20000 + k)
    return tuple(((v + 32768) & 0xFFFF) - 32768 for v in vals)


def le(v):
    v &= 0xFFFF
    return bytes((v & 0xFF, v >> 8))


def be(v):
    v &= 0xFFFF
    return bytes((v >> 8, v & 0xFF))


class Chip:
    def __init__(self):
        self.regs = bytearray(256)
        self.k = 0  # frames produced
        self.log = []

    def read_into(self, reg, buf):
        for i in range(len(buf)):
            buf[i] = self.regs[reg + i]

    def write(self, reg, data):
        self.log.append((reg, bytes(data)))
        if len(data) == 1:  # multi-byte writes go to data ports (INIT_DATA), not registers
            self.regs[reg] = data[0]
        self.on_write(reg, data)

    def on_write(self, reg, data):
        pass


class LSM6DS3(Chip):
    """LSM6DS3 (0x69) / LSM6DS3TR-C (0x6A): untagged FIFO words Gx Gy Gz Ax Ay Az."""

    def __init__(self, who=0x69, depth_words=2048):
        super().__init__()
        self.regs[0x0F] = who
        self.depth = depth_words
        self.fifo = []  # (word, pattern index)
        self.overrun = False

    def on_write(self, reg, data):
        if reg == 0x12 and data[0] & 0x01:
            self.regs[0x12] = 0  # reset done
        if reg == 0x0A and data[0] & 0x07 == 0:
            self.fifo = []
            self.overrun = False

    def produce(self, frames):
        for _ in range(frames):
            e = expected(self.k)
            self.k += 1
            self._out = e
            if self.regs[0x0A] & 0x07 == 0x06:
                for p, v in enumerate(e[3:] + e[:3]):
                    self.fifo.append((v, p))
            while len(self.fifo) > self.depth:
                self.fifo.pop(0)
                self.overrun = True

    def read_into(self, reg, buf):
        if reg == 0x3A:
            words = len(self.fifo)
            pattern = self.fifo[0][1] if self.fifo else 0
            buf[0] = words & 0xFF
            buf[1] = ((words >> 8) & 0x0F) | (0x40 if self.overrun else 0)
            if len(buf) > 2:
                buf[2] = pattern & 0xFF
                buf[3] = pattern >> 8
            self.overrun = False
        elif reg == 0x3E:
            for i in range(0, len(buf), 2):
                v = self.fifo.pop(0)[0] & 0xFFFF if self.fifo else 0
                buf[i] = v & 0xFF
                buf[i + 1] = v >> 8
        elif reg == 0x22:
            e = self._out
            for i in range(len(buf) // 2):
                v = e[(i + 3) % 6] & 0xFFFF
                buf[2 * i] = v & 0xFF
                buf[2 * i + 1] = v >> 8
        else:
            super().read_into(reg, buf)


class LSM6DSOX(Chip):
    """LSM6DSOX (0x6C): tagged 7-byte FIFO words; gyro and accel order alternates per frame."""

    def __init__(self, depth_words=512):
        super().__init__()
        self.regs[0x0F] = 0x6C
        self.depth = depth_words
        self.fifo = []
        self.overrun = False

    def on_write(self, reg, data):
        if reg == 0x12 and data[0] & 0x01:
            self.regs[0x12] = 0
        if reg == 0x0A and data[0] & 0x07 == 0:
            self.fifo = []

    def produce(self, frames):
        for _ in range(frames):
            e = expected(self.k)
            g = bytes((0x01 << 3,)) + b"".join(le(v) for v in e[3:])
            a = bytes((0x02 << 3,)) + b"".join(le(v) for v in e[:3])
            if self.regs[0x0A] & 0x07 == 0x06:
                self.fifo += [g, a] if self.k % 2 == 0 else [a, g]
            self.k += 1
            while len(self.fifo) > self.depth:
                self.fifo.pop(0)
                self.overrun = True

    def read_into(self, reg, buf):
        if reg == 0x3A:
            words = len(self.fifo)
            buf[0] = words & 0xFF
            buf[1] = ((words >> 8) & 0x03) | (0x40 if self.overrun else 0)
            self.overrun = False
        elif reg == 0x78:
            for i in range(0, len(buf), 7):
                word = self.fifo.pop(0)
                for k in range(7):
                    buf[i + k] = word[k]
        else:
            super().read_into(reg, buf)


class MPU6050(Chip):
    """MPU6050 (0x68) / MPU6886 (0x19, temperature in FIFO frames): big-endian FIFO."""

    def __init__(self, who=0x68, temp_in_fifo=False, depth=1024):
        super().__init__()
        self.regs[0x75] = who
        self.regs[0x6B] = 0x40
        self.temp = temp_in_fifo
        self.depth = depth
        self.fifo = bytearray()
        self.at = 0  # read index into fifo

    def on_write(self, reg, data):
        if reg == 0x6B and data[0] & 0x80:
            self.regs[0x6B] = 0x40
        if reg == 0x6A and data[0] & 0x04:
            self.fifo = bytearray()
            self.at = 0
            self.regs[0x6A] = data[0] & ~0x04

    def produce(self, frames):
        for _ in range(frames):
            e = expected(self.k)
            self.k += 1
            if self.regs[0x6A] & 0x40 and self.regs[0x23]:
                self.fifo += b"".join(be(v) for v in e[:3]) + (be(1234) if self.temp else b"") + \
                    b"".join(be(v) for v in e[3:])
            if len(self.fifo) - self.at > self.depth:
                self.at = len(self.fifo) - self.depth
                self.regs[0x3A] |= 0x10

    def read_into(self, reg, buf):
        if reg == 0x72:
            c = len(self.fifo) - self.at
            buf[0] = c >> 8
            buf[1] = c & 0xFF
        elif reg == 0x3A:
            buf[0] = self.regs[0x3A]
            self.regs[0x3A] = 0
        elif reg == 0x74:
            for i in range(len(buf)):
                buf[i] = self.fifo[self.at]
                self.at += 1
        else:
            super().read_into(reg, buf)


class BMI270(Chip):
    """BMI270 (0x24): needs the 8192-byte config upload; headerless FIFO gyro then accel."""

    def __init__(self, depth=2048):
        super().__init__()
        self.regs[0x00] = 0x24
        self.depth = depth
        self.fifo = bytearray()
        self.at = 0
        self.config = bytearray(8192)
        self.uploaded = 0

    def on_write(self, reg, data):
        if reg == 0x5E:
            addr = 2 * (self.regs[0x5B] & 0x0F | (self.regs[0x5C] << 4))
            self.config[addr:addr + len(data)] = data
            self.uploaded += len(data)
        if reg == 0x59 and data[0] == 1:
            self.regs[0x21] = 0x01 if self.uploaded == 8192 else 0x02
        if reg == 0x7E and data[0] == 0xB0:
            self.fifo = bytearray()
            self.at = 0

    def produce(self, frames):
        for _ in range(frames):
            e = expected(self.k)
            self.k += 1
            if self.regs[0x49] & 0xC0 == 0xC0 and self.regs[0x21] == 1:
                self.fifo += b"".join(le(v) for v in e[3:] + e[:3])
            if len(self.fifo) - self.at > self.depth:
                self.at = len(self.fifo) - self.depth

    def read_into(self, reg, buf):
        if reg == 0x24:
            c = len(self.fifo) - self.at
            buf[0] = c & 0xFF
            buf[1] = c >> 8
        elif reg == 0x26:
            for i in range(len(buf)):  # past the end: 0x8000 "empty" markers
                if self.at < len(self.fifo):
                    buf[i] = self.fifo[self.at]
                    self.at += 1
                else:
                    buf[i] = 0x80 if i & 1 else 0
        else:
            super().read_into(reg, buf)
