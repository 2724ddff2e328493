"""ST LSM6DS3, LSM6DS3TR-C and LSM6DSOX accelerometer + gyroscope over I2C, read through the FIFO.

Board glue makes the bus and hands it over (XIAO ESP32S3 + the XIAO ML kit's
LSM6DS3TR-C on the expansion board's I2C: SDA GPIO5, SCL GPIO6)::

    from machine import I2C, Pin
    i2c = I2C(0, sda=Pin(5), scl=Pin(6), freq=400000)
    imu = LSM6DS3TRC(i2c, address=0x6A, rate=104, accel_range=4, gyro_range=500)
    imu.start()
    n = imu.readinto(frames)      # frames: array('h'), 6 values per frame

The chip runs accelerometer and gyroscope at ``rate`` Hz (12.5 .. 1666,
nominal ST rates) and batches both into its FIFO in continuous mode; each
``readinto`` burst-reads what has accumulated. Scale factors (datasheet
sensitivities): ``accel_mg_per_lsb`` 0.061 / 0.122 / 0.244 / 0.488 for
2 / 4 / 8 / 16 g; ``gyro_mdps_per_lsb`` 4.375 / 8.75 / 17.5 / 35 / 70 for
125 / 250 / 500 / 1000 / 2000 dps. A FIFO overflow (the consumer was too slow)
adds 1 to ``dropped``.
"""

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

from midge.sensors._imu import Imu, pick, sign16

_WHO_AM_I = const(0x0F)
_CTRL1_XL = const(0x10)
_CTRL2_G = const(0x11)
_CTRL3_C = const(0x12)
_OUTX_L_G = const(0x22)
_SW_RESET = const(0x01)
_BDU_IF_INC = const(0x44)
_FIFO_CONTINUOUS = const(0x06)

# ODR codes shared by CTRL1_XL/CTRL2_G and the FIFO rate fields.
_ODR = {12.5: 1, 26: 2, 52: 3, 104: 4, 208: 5, 416: 6, 833: 7, 1666: 8}
_ACCEL_FS = {2: (0, 0.061), 4: (2, 0.122), 8: (3, 0.244), 16: (1, 0.488)}
_GYRO_FS = {125: (1, 4.375), 250: (0, 8.75), 500: (2, 17.5), 1000: (4, 35.0), 2000: (6, 70.0)}


class _Lsm6(Imu):
    _ids = ()  # type: tuple[int, ...]

    def __init__(self, i2c, address, rate, accel_range, gyro_range, frame_bytes):
        super().__init__(i2c, address, frame_bytes)
        self._check_id(_WHO_AM_I, self._ids, " (0x6A with SA0 low, 0x6B with SA0 high)")
        odr = pick(_ODR, rate, "rate (Hz)", self.name)
        fs_xl, self.accel_mg_per_lsb = pick(_ACCEL_FS, accel_range, "accel_range (g)", self.name)
        fs_g, self.gyro_mdps_per_lsb = pick(_GYRO_FS, gyro_range, "gyro_range (dps)", self.name)
        self.sample_rate = rate
        self._odr = odr
        self._write(_CTRL3_C, _SW_RESET)
        self._wait_clear(_CTRL3_C, _SW_RESET, "software reset")
        self._write(_CTRL3_C, _BDU_IF_INC)
        self._write(_CTRL1_XL, (odr << 4) | (fs_xl << 2))
        self._write(_CTRL2_G, (odr << 4) | (fs_g << 1))
        self._running = False

    def _read_now(self):
        raw = self._raw
        self._i2c.readfrom_mem_into(self._address, _OUTX_L_G, self._chunk[:12])
        s = self._scratch
        for k in range(3):
            s[3 + k] = sign16(raw[2 * k] | (raw[2 * k + 1] << 8))
            s[k] = sign16(raw[6 + 2 * k] | (raw[7 + 2 * k] << 8))
        return s

    def start(self):
        """Empty the FIFO and start batching."""
        self._fifo_mode(0)
        self._fifo_mode(_FIFO_CONTINUOUS)
        self._running = True

    def stop(self):
        """Stop batching (FIFO bypass mode; the sensors keep running)."""
        self._fifo_mode(0)
        self._running = False

    def _fifo_mode(self, mode):
        """Set the chip's FIFO mode (0: bypass, which empties it)."""
        raise NotImplementedError


# LSM6DS3 / LSM6DS3TR-C FIFO: untagged 16-bit words in the pattern Gx Gy Gz Ax Ay Az.
_DS3_FIFO_CTRL3 = const(0x08)
_DS3_FIFO_CTRL5 = const(0x0A)
_DS3_FIFO_STATUS1 = const(0x3A)
_DS3_FIFO_STATUS3 = const(0x3C)
_DS3_FIFO_DATA = const(0x3E)
_DS3_NO_DECIMATION = const(0x09)  # gyro and accel data sets, decimation 1
_OVERRUN = const(0x40)


class LSM6DS3(_Lsm6):
    """LSM6DS3 (WHO_AM_I 0x69). ``rate`` in Hz, ``accel_range`` in g, ``gyro_range`` in dps."""

    name = "LSM6DS3"
    _ids = (0x69,)
    _diff_mask = 0x0F

    def __init__(self, i2c, address=0x6A, rate=104, accel_range=4, gyro_range=500):
        super().__init__(i2c, address, rate, accel_range, gyro_range, 12)
        self._fifo_reg = _DS3_FIFO_DATA
        self._write(_DS3_FIFO_CTRL3, _DS3_NO_DECIMATION)

    def _fifo_mode(self, mode):
        self._write(_DS3_FIFO_CTRL5, (self._odr << 3) | mode if mode else 0)

    def _fifo_frames(self):
        raw = self._raw
        self._i2c.readfrom_mem_into(self._address, _DS3_FIFO_STATUS1, self._b4)
        if raw[1] & _OVERRUN:
            self.dropped += 1
        words = raw[0] | ((raw[1] & self._diff_mask) << 8)
        pattern = raw[2] | ((raw[3] & 0x03) << 8)
        while pattern and words:  # realign to a frame start after an overflow
            self._i2c.readfrom_mem_into(self._address, _DS3_FIFO_DATA, self._b2)
            words -= 1
            pattern = 0 if pattern == 5 else pattern + 1
        return words // 6

    def _decode(self, raw, frames, out, at):
        j = 0
        o = 6 * at
        for _ in range(frames):
            for k in range(3):
                out[o + 3 + k] = sign16(raw[j] | (raw[j + 1] << 8))
                out[o + k] = sign16(raw[j + 6] | (raw[j + 7] << 8))
                j += 2
            j += 6
            o += 6
        return frames


class LSM6DS3TRC(LSM6DS3):
    """LSM6DS3TR-C (WHO_AM_I 0x6A), as on the XIAO nRF52840 Sense and the XIAO ML kit."""

    name = "LSM6DS3TR-C"
    _ids = (0x6A,)
    _diff_mask = 0x07


# LSM6DSOX FIFO: 7-byte words, a tag byte (sensor in bits 7..3) then X, Y, Z.
_DSOX_FIFO_CTRL3 = const(0x09)
_DSOX_FIFO_CTRL4 = const(0x0A)
_DSOX_FIFO_STATUS1 = const(0x3A)
_DSOX_FIFO_TAG = const(0x78)
_TAG_GYRO = const(0x01)
_TAG_ACCEL = const(0x02)


class LSM6DSOX(_Lsm6):
    """LSM6DSOX (WHO_AM_I 0x6C), as on the Arduino Nano RP2040 Connect."""

    name = "LSM6DSOX"
    _ids = (0x6C,)

    def __init__(self, i2c, address=0x6A, rate=104, accel_range=4, gyro_range=500):
        super().__init__(i2c, address, rate, accel_range, gyro_range, 14)
        self._fifo_reg = _DSOX_FIFO_TAG
        self._have = 0  # bit 0: gyro, bit 1: accel of the frame being assembled
        self._write(_DSOX_FIFO_CTRL3, (self._odr << 4) | self._odr)

    def _fifo_mode(self, mode):
        self._have = 0
        self._write(_DSOX_FIFO_CTRL4, mode)

    def _fifo_frames(self):
        raw = self._raw
        self._i2c.readfrom_mem_into(self._address, _DSOX_FIFO_STATUS1, self._b2)
        if raw[1] & _OVERRUN:
            self.dropped += 1
        return (raw[0] | ((raw[1] & 0x03) << 8)) // 2

    def _decode(self, raw, frames, out, at):
        s = self._scratch
        have = self._have
        done = 0
        o = 6 * at
        j = 0
        for _ in range(2 * frames):
            tag = raw[j] >> 3
            base = 3 if tag == _TAG_GYRO else 0 if tag == _TAG_ACCEL else -1
            if base >= 0:
                for k in range(3):
                    s[base + k] = sign16(raw[j + 1 + 2 * k] | (raw[j + 2 + 2 * k] << 8))
                have |= 1 if base else 2
                if have == 3:
                    for k in range(6):
                        out[o + k] = s[k]
                    o += 6
                    done += 1
                    have = 0
            j += 7
        self._have = have
        return done
