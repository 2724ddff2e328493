"""Shared machinery of midge's register-level IMU drivers.

A driver is handed a ``machine.I2C`` (anything with ``readfrom_mem_into``,
``writeto_mem`` and ``scan``) and an address. Subclasses configure the chip for
a fixed output data rate with accelerometer and gyroscope batched into the
chip's FIFO, and implement ``_fifo_frames()`` (frames waiting; counts overflows
in ``dropped``) and ``_decode(raw, frames, out, at)`` (FIFO bytes -> int16
``ax ay az gx gy gz`` frames in ``out`` from index ``at``; returns frames
written).

``readinto(buf)`` burst-reads whole frames from the FIFO in chunks of
``CHUNK`` frames through preallocated buffers (no allocation), never more than
``buf`` holds, and returns the number of int16 values written (6 per frame).
Raw counts scale with ``accel_mg_per_lsb`` and ``gyro_mdps_per_lsb``;
``acceleration`` (m/s^2) and ``gyro`` (rad/s) read the current output
registers once, for interactive use (they allocate floats).
"""

from array import array

from midge.sensors._clock import sleep_ms

CHUNK = 16  # frames per burst read
_G = 9.80665
_RAD = 3.141592653589793 / 180.0


def sign16(v):
    return v - ((v & 0x8000) << 1)


def pick(table, value, what, chip):
    """``table[value]`` or a ValueError listing what ``chip`` supports."""
    if value not in table:
        raise ValueError("%s %s %r not supported; choose one of %s"
                         % (chip, what, value, ", ".join(str(k) for k in sorted(table))))
    return table[value]


class Imu:
    channels = 6
    name = "IMU"
    # set by each driver's __init__ (scale of one LSB; FIFO data register)
    accel_mg_per_lsb = 0.0
    gyro_mdps_per_lsb = 0.0
    _fifo_reg = 0

    def __init__(self, i2c, address, frame_bytes):
        self._i2c = i2c
        self._address = address
        self._one = bytearray(1)
        self._raw = bytearray(CHUNK * frame_bytes)
        self._chunk = memoryview(self._raw)
        self._frame = self._chunk[:frame_bytes]
        self._b2 = self._chunk[:2]  # status/count reads: views made once
        self._b4 = self._chunk[:4]
        self._frame_bytes = frame_bytes
        self._scratch = array("h", [0] * 6)
        self.dropped = 0

    def _read(self, reg):
        self._i2c.readfrom_mem_into(self._address, reg, self._one)
        return self._one[0]

    def _write(self, reg, value):
        self._one[0] = value
        self._i2c.writeto_mem(self._address, reg, self._one)

    def _check_id(self, reg, expected, hint=""):
        """Raise OSError naming the chip, address and what to check unless the ID register matches."""
        try:
            found = self._read(reg)
        except OSError:
            raise OSError("no %s at 0x%02X on this I2C bus: nothing answered (devices found: %s); "
                          "check wiring, power and the address%s"
                          % (self.name, self._address, self._scan(), hint))
        ok = expected if isinstance(expected, tuple) else (expected,)
        if found not in ok:
            raise OSError("no %s at 0x%02X on this I2C bus: found ID 0x%02X, expected %s; check wiring/address%s"
                          % (self.name, self._address, found, "/".join("0x%02X" % e for e in ok), hint))
        return found

    def _scan(self):
        try:
            found = self._i2c.scan()
        except (AttributeError, OSError):
            return "unknown"
        return ", ".join("0x%02X" % a for a in found) or "none"

    def _wait_clear(self, reg, mask, what):
        for _ in range(50):
            if not self._read(reg) & mask:
                return
            sleep_ms(2)
        raise OSError("%s at 0x%02X: %s did not complete; check power" % (self.name, self._address, what))

    def readinto(self, buf):
        room = len(buf) // 6
        n = self._fifo_frames()
        if n > room:
            n = room
        fifo = self._fifo_reg
        out = 0
        while n >= CHUNK:
            self._i2c.readfrom_mem_into(self._address, fifo, self._chunk)
            out += self._decode(self._raw, CHUNK, buf, out)
            n -= CHUNK
        while n:
            self._i2c.readfrom_mem_into(self._address, fifo, self._frame)
            out += self._decode(self._raw, 1, buf, out)
            n -= 1
        return 6 * out

    def _read_now(self):
        """The current output registers as raw ``ax ay az gx gy gz`` in ``_scratch``."""
        raise NotImplementedError

    def _fifo_frames(self):
        """Frames waiting in the FIFO (counting overflows into ``dropped``)."""
        raise NotImplementedError

    def _decode(self, raw, frames, out, at):
        """Decode ``frames`` FIFO frames from ``raw`` into ``out[6 * at:]``; returns frames decoded."""
        raise NotImplementedError

    @property
    def acceleration(self):
        """Current acceleration (x, y, z) in m/s^2, from the output registers."""
        s = self._read_now()
        k = self.accel_mg_per_lsb * _G / 1000.0
        return (s[0] * k, s[1] * k, s[2] * k)

    @property
    def gyro(self):
        """Current angular rate (x, y, z) in rad/s, from the output registers."""
        s = self._read_now()
        k = self.gyro_mdps_per_lsb * _RAD / 1000.0
        return (s[3] * k, s[4] * k, s[5] * k)
