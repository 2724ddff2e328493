"""InvenSense MPU6050 and MPU6886 accelerometer + gyroscope over I2C, read through the FIFO.

Board glue makes the bus and hands it over (M5Stack boards carry the MPU6886 at 0x68)::

    from machine import I2C, Pin
    i2c = I2C(0, sda=Pin(21), scl=Pin(22), freq=400000)
    imu = MPU6050(i2c, address=0x68, rate=100, accel_range=4, gyro_range=500)
    imu.start()
    n = imu.readinto(frames)      # array('h'), 6 values per frame: ax ay az gx gy gz

The digital low-pass filter is set to ~184 Hz (DLPF_CFG 1), which makes the
gyro output rate 1 kHz; ``rate`` (a divisor of 1000 Hz, 4..1000) sets
SMPLRT_DIV. The FIFO holds big-endian accel then gyro (the MPU6886 also writes
the temperature between them). Scale factors (datasheet sensitivities):
``accel_mg_per_lsb`` 1000/16384 .. 1000/2048 for 2..16 g; ``gyro_mdps_per_lsb``
1000/131, 1000/65.5, 1000/32.8, 1000/16.4 for 250..2000 dps. On a FIFO
overflow the FIFO is reset (its frames are no longer aligned) and its frames
are counted in ``dropped``.
"""

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

from midge.sensors._clock import sleep_ms
from midge.sensors._imu import Imu, pick, sign16

_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)
_GYRO_CONFIG = const(0x1B)
_ACCEL_CONFIG = const(0x1C)
_FIFO_EN = const(0x23)
_INT_STATUS = const(0x3A)
_ACCEL_XOUT_H = const(0x3B)
_USER_CTRL = const(0x6A)
_PWR_MGMT_1 = const(0x6B)
_FIFO_COUNTH = const(0x72)
_FIFO_R_W = const(0x74)
_WHO_AM_I = const(0x75)
_DEVICE_RESET = const(0x80)
_CLK_PLL = const(0x01)
_DLPF_184HZ = const(0x01)
_FIFO_ENABLE = const(0x40)
_FIFO_RESET = const(0x04)
_FIFO_OFLOW = const(0x10)

_ACCEL_FS = {2: (0, 1000 / 16384), 4: (1, 1000 / 8192), 8: (2, 1000 / 4096), 16: (3, 1000 / 2048)}
_GYRO_FS = {250: (0, 1000 / 131), 500: (1, 1000 / 65.5), 1000: (2, 1000 / 32.8), 2000: (3, 1000 / 16.4)}


class MPU6050(Imu):
    """MPU6050 (WHO_AM_I 0x68). ``rate`` in Hz, ``accel_range`` in g, ``gyro_range`` in dps."""

    name = "MPU6050"
    _ids = (0x68,)
    _fifo_en = 0x78  # XG, YG, ZG, ACCEL
    _temp_in_fifo = False

    def __init__(self, i2c, address=0x68, rate=100, accel_range=4, gyro_range=500):
        super().__init__(i2c, address, 14 if self._temp_in_fifo else 12)
        self._check_id(_WHO_AM_I, self._ids, " (0x68 with AD0 low, 0x69 with AD0 high)")
        if not isinstance(rate, int) or rate < 4 or rate > 1000 or 1000 % rate:
            raise ValueError("%s rate %r Hz not supported: use a divisor of 1000 from 4 to 1000" % (self.name, rate))
        fs_a, self.accel_mg_per_lsb = pick(_ACCEL_FS, accel_range, "accel_range (g)", self.name)
        fs_g, self.gyro_mdps_per_lsb = pick(_GYRO_FS, gyro_range, "gyro_range (dps)", self.name)
        self.sample_rate = rate
        self._fifo_reg = _FIFO_R_W
        self._write(_PWR_MGMT_1, _DEVICE_RESET)
        sleep_ms(100)
        self._wait_clear(_PWR_MGMT_1, _DEVICE_RESET, "device reset")
        self._write(_PWR_MGMT_1, _CLK_PLL)
        self._write(_CONFIG, _DLPF_184HZ)
        self._write(_SMPLRT_DIV, 1000 // rate - 1)
        self._write(_GYRO_CONFIG, fs_g << 3)
        self._write(_ACCEL_CONFIG, fs_a << 3)

    def start(self):
        """Empty the FIFO and start batching accel and gyro."""
        self._write(_FIFO_EN, self._fifo_en)
        self._reset_fifo()

    def stop(self):
        self._write(_FIFO_EN, 0)
        self._write(_USER_CTRL, 0)

    def _reset_fifo(self):
        self._write(_USER_CTRL, _FIFO_RESET)
        self._write(_USER_CTRL, _FIFO_ENABLE)

    def _fifo_frames(self):
        self._i2c.readfrom_mem_into(self._address, _FIFO_COUNTH, self._b2)
        count = ((self._raw[0] & 0x1F) << 8) | self._raw[1]
        if self._read(_INT_STATUS) & _FIFO_OFLOW:
            self.dropped += count // self._frame_bytes
            self._reset_fifo()
            return 0
        return count // self._frame_bytes

    def _decode(self, raw, frames, out, at):
        gyro = 8 if self._temp_in_fifo else 6
        step = self._frame_bytes
        j = 0
        o = 6 * at
        for _ in range(frames):
            for k in range(3):
                out[o + k] = sign16((raw[j + 2 * k] << 8) | raw[j + 2 * k + 1])
                out[o + 3 + k] = sign16((raw[j + gyro + 2 * k] << 8) | raw[j + gyro + 2 * k + 1])
            j += step
            o += 6
        return frames

    def _read_now(self):
        raw = self._raw
        self._i2c.readfrom_mem_into(self._address, _ACCEL_XOUT_H, self._chunk[:14])
        s = self._scratch
        for k in range(3):
            s[k] = sign16((raw[2 * k] << 8) | raw[2 * k + 1])
            s[3 + k] = sign16((raw[8 + 2 * k] << 8) | raw[9 + 2 * k])
        return s


class MPU6886(MPU6050):
    """MPU6886 (WHO_AM_I 0x19), as in M5Stack devices; its FIFO frames carry the temperature."""

    name = "MPU6886"
    _ids = (0x19,)
    _fifo_en = 0x18  # GYRO_FIFO_EN, ACCEL_FIFO_EN
    _temp_in_fifo = True
