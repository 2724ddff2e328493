"""Bosch BMI270 accelerometer + gyroscope over I2C, read through its FIFO.

The BMI270 runs nothing until a configuration file (8192 bytes, Bosch's
``bmi270_config_file`` from the BMI270_SensorAPI, BSD-3-Clause) is uploaded at
every power-up. midge does not ship that blob: pass it as ``config`` (a
bytes-like object, or an open binary file / path to read it from in 256-byte
pieces, so it never sits whole in RAM)::

    from machine import I2C, Pin
    i2c = I2C(1, sda=Pin(14), scl=Pin(15), freq=400000)     # Nano 33 BLE Sense Rev2 (0x68)
    imu = BMI270(i2c, config="/bmi270_config.bin", rate=100)
    imu.start()
    n = imu.readinto(frames)      # array('h'), 6 values per frame: ax ay az gx gy gz

Without it the constructor raises a ValueError naming the missing file.
Accelerometer and gyroscope run at ``rate`` Hz (25 .. 1600, performance mode,
normal filter) and are batched into the FIFO headerless (gyro then accel,
little-endian). Scale factors (datasheet sensitivities): ``accel_mg_per_lsb``
1000/16384 .. 1000/2048 for 2..16 g; ``gyro_mdps_per_lsb`` 1000/262.4 ..
1000/16.4 for 125..2000 dps. The headerless FIFO reports no overflow, so
``dropped`` stays 0; read at least every FIFO-size / (12 * rate) seconds.
"""

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

from midge.sensors._clock import sleep_ms, sleep_us
from midge.sensors._imu import Imu, pick, sign16

_CHIP_ID = const(0x00)
_DATA_ACC_X = const(0x0C)
_INTERNAL_STATUS = const(0x21)
_FIFO_LENGTH_0 = const(0x24)
_FIFO_DATA = const(0x26)
_ACC_CONF = const(0x40)
_ACC_RANGE = const(0x41)
_GYR_CONF = const(0x42)
_GYR_RANGE = const(0x43)
_FIFO_DOWNS = const(0x45)
_FIFO_CONFIG_0 = const(0x48)
_FIFO_CONFIG_1 = const(0x49)
_INIT_CTRL = const(0x59)
_INIT_ADDR_0 = const(0x5B)
_INIT_ADDR_1 = const(0x5C)
_INIT_DATA = const(0x5E)
_PWR_CONF = const(0x7C)
_PWR_CTRL = const(0x7D)
_CMD = const(0x7E)
_SOFT_RESET = const(0xB6)
_FIFO_FLUSH = const(0xB0)
_ACC_GYR_TEMP_ON = const(0x0E)
_PERF_NORMAL = const(0xA0)  # filter_perf=1, bwp=normal
_FIFO_FILTERED = const(0x88)
_FIFO_ACC_GYR = const(0xC0)  # headerless
_INIT_OK = const(0x01)

CONFIG_BYTES = 8192
_PIECE = 256

_ODR = {25: 0x06, 50: 0x07, 100: 0x08, 200: 0x09, 400: 0x0A, 800: 0x0B, 1600: 0x0C}
_ACCEL_FS = {2: (0, 1000 / 16384), 4: (1, 1000 / 8192), 8: (2, 1000 / 4096), 16: (3, 1000 / 2048)}
_GYRO_FS = {2000: (0, 1000 / 16.4), 1000: (1, 1000 / 32.8), 500: (2, 1000 / 65.6),
            250: (3, 1000 / 131.2), 125: (4, 1000 / 262.4)}


class BMI270(Imu):
    name = "BMI270"

    def __init__(self, i2c, config=None, address=0x68, rate=100, accel_range=4, gyro_range=500):
        super().__init__(i2c, address, 12)
        self._check_id(_CHIP_ID, 0x24, " (0x68 with SDO low, 0x69 with SDO high)")
        odr = pick(_ODR, rate, "rate (Hz)", self.name)
        fs_a, self.accel_mg_per_lsb = pick(_ACCEL_FS, accel_range, "accel_range (g)", self.name)
        fs_g, self.gyro_mdps_per_lsb = pick(_GYRO_FS, gyro_range, "gyro_range (dps)", self.name)
        if config is None:
            raise ValueError(
                "BMI270 needs its 8192-byte configuration file, which midge does not ship: "
                "save Bosch's bmi270_config_file (BMI270_SensorAPI, bmi270.c) as bmi270_config.bin "
                "on the board and pass config='/bmi270_config.bin'")
        self.sample_rate = rate
        self._fifo_reg = _FIFO_DATA
        self._write(_CMD, _SOFT_RESET)
        sleep_ms(2)
        self._write(_PWR_CONF, 0)  # advanced power save off, needed for the upload
        sleep_us(450)
        self._upload(config)
        self._write(_PWR_CTRL, _ACC_GYR_TEMP_ON)
        self._write(_ACC_CONF, _PERF_NORMAL | odr)
        self._write(_ACC_RANGE, fs_a)
        self._write(_GYR_CONF, _PERF_NORMAL | odr)
        self._write(_GYR_RANGE, fs_g)
        self._write(_FIFO_DOWNS, _FIFO_FILTERED)
        self._write(_FIFO_CONFIG_0, 0)  # stream mode: keep the newest frames

    def _upload(self, config):
        close = None
        if isinstance(config, str):
            config = close = open(config, "rb")
        try:
            self._write(_INIT_CTRL, 0)
            piece = bytearray(_PIECE)
            done = 0
            while done < CONFIG_BYTES:
                if hasattr(config, "readinto"):
                    n = config.readinto(piece)
                    data = piece if n == _PIECE else memoryview(piece)[:n]
                else:
                    data = memoryview(config)[done:done + _PIECE]
                    n = len(data)
                if not n:
                    break
                self._write(_INIT_ADDR_0, (done >> 1) & 0x0F)
                self._write(_INIT_ADDR_1, (done >> 5) & 0xFF)
                self._i2c.writeto_mem(self._address, _INIT_DATA, data)
                done += n
        finally:
            if close is not None:
                close.close()
        if done != CONFIG_BYTES:
            raise ValueError("BMI270 config file has %d bytes, expected %d: use Bosch's bmi270_config_file"
                             % (done, CONFIG_BYTES))
        self._write(_INIT_CTRL, 1)
        sleep_ms(20)
        status = self._read(_INTERNAL_STATUS) & 0x0F
        if status != _INIT_OK:
            raise OSError("BMI270 at 0x%02X rejected the config file (INTERNAL_STATUS 0x%02X); "
                          "check it is Bosch's bmi270_config_file for this chip" % (self._address, status))

    def start(self):
        """Empty the FIFO and start batching accel and gyro."""
        self._write(_FIFO_CONFIG_1, _FIFO_ACC_GYR)
        self._write(_CMD, _FIFO_FLUSH)

    def stop(self):
        self._write(_FIFO_CONFIG_1, 0)

    def _fifo_frames(self):
        self._i2c.readfrom_mem_into(self._address, _FIFO_LENGTH_0, self._b2)
        return (self._raw[0] | ((self._raw[1] & 0x3F) << 8)) // 12

    def _decode(self, raw, frames, out, at):
        j = 0
        o = 6 * at
        done = 0
        for _ in range(frames):
            if raw[j] == 0 and raw[j + 1] == 0x80 and raw[j + 6] == 0 and raw[j + 7] == 0x80:
                j += 12  # an empty-FIFO frame (0x8000 markers)
                continue
            for k in range(3):
                out[o + 3 + k] = sign16(raw[j + 2 * k] | (raw[j + 2 * k + 1] << 8))
                out[o + k] = sign16(raw[j + 6 + 2 * k] | (raw[j + 7 + 2 * k] << 8))
            j += 12
            o += 6
            done += 1
        return done

    def _read_now(self):
        raw = self._raw
        self._i2c.readfrom_mem_into(self._address, _DATA_ACC_X, self._chunk[:12])
        s = self._scratch
        for k in range(6):
            s[k] = sign16(raw[2 * k] | (raw[2 * k + 1] << 8))
        return s
