"""IMU drivers against register-level fakes: WHO_AM_I errors, configuration
writes, FIFO burst reads decoded to ax ay az gx gy gz int16 frames in order,
overflow accounting, BMI270's config upload, and no heap growth per read."""

import pytest

from fakes.fake_imu import expected

SETUP = """
import gc
from array import array
from machine import I2C
import fake_imu
from midge.sensors.{module} import {cls}
chip = fake_imu.{fake}
i2c = I2C(0, devices={{{addr}: chip}})
imu = {cls}(i2c, {args})
imu.start()
buf = array('h', [0] * 6 * 40)
"""

READ_ALL = """
got = []
for burst in (5, 23, 1, 40):
    chip.produce(burst)
    n = imu.readinto(buf)
    got += list(buf[:n])
print(len(got) // 6, imu.dropped)
print(got == [v for k in range(len(got) // 6) for v in fake_imu.expected(k)])
chip.produce(61)
small = array('h', [0] * 6 * 12)
imu.readinto(small)
def growth():
    if not hasattr(gc, 'mem_alloc'):
        return 0, 0
    gc.collect()
    before = gc.mem_alloc()
    total = 0
    for _ in range(4):
        total += imu.readinto(small)
    return total, gc.mem_alloc() - before
print(*growth())
print(imu.accel_mg_per_lsb, imu.gyro_mdps_per_lsb, imu.sample_rate)
"""

CASES = {
    "LSM6DS3": ("lsm6ds", "LSM6DS3", "LSM6DS3(0x69)", 0x6A, "rate=104, accel_range=4, gyro_range=500", "0.122 17.5 104"),
    "LSM6DS3TRC": ("lsm6ds", "LSM6DS3TRC", "LSM6DS3(0x6A)", 0x6A, "rate=52, accel_range=2, gyro_range=2000",
                   "0.061 70.0 52"),
    "LSM6DSOX": ("lsm6ds", "LSM6DSOX", "LSM6DSOX()", 0x6A, "rate=208, accel_range=16, gyro_range=125",
                 "0.488 4.375 208"),
    "MPU6050": ("mpu6050", "MPU6050", "MPU6050()", 0x68, "rate=100, accel_range=2, gyro_range=250", None),
    "MPU6886": ("mpu6050", "MPU6886", "MPU6050(0x19, True)", 0x68, "rate=200", None),
    "BMI270": ("bmi270", "BMI270", "BMI270()", 0x68, "config=bytes(8192), rate=100", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fifo_frames_arrive_in_order_without_allocation(sensor_python, name):
    module, cls, fake, addr, args, scales = CASES[name]
    code = SETUP.format(module=module, cls=cls, fake=fake, addr=addr, args=args) + READ_ALL
    lines = sensor_python(code).check().split("\n")
    assert lines[0] == "69 0"
    assert lines[1] == "True"
    total, grew = lines[2].split()
    if sensor_python.kind != "cpython":
        assert total == "288" and int(grew) <= 0, "heap grew while reading the FIFO"  # fakes may shrink lists
    if scales:
        assert lines[3] == scales


def test_expected_frames_are_int16():
    assert all(-32768 <= v <= 32767 for k in (0, 40000) for v in expected(k))


@pytest.mark.parametrize("module,cls,fake,addr,idreg", [
    ("lsm6ds", "LSM6DSOX", "LSM6DS3(0x69)", 0x6A, "WHO_AM_I"),
    ("mpu6050", "MPU6050", "MPU6050(0x19)", 0x68, "WHO_AM_I"),
])
def test_wrong_chip_names_what_was_found(sensor_python, module, cls, fake, addr, idreg):
    code = (f"from machine import I2C\nimport fake_imu\nfrom midge.sensors.{module} import {cls}\n"
            f"i2c = I2C(0, devices={{{addr}: fake_imu.{fake}}})\n"
            f"try:\n    {cls}(i2c)\nexcept OSError as e:\n    print(e)\n")
    out = sensor_python(code).check()
    assert f"no {cls} at 0x{addr:02X} on this I2C bus: found ID" in out
    assert "check wiring/address" in out


def test_absent_chip_lists_the_bus(sensor_python):
    code = ("from machine import I2C\nimport fake_imu\nfrom midge.sensors.lsm6ds import LSM6DS3TRC\n"
            "i2c = I2C(0, devices={0x3C: fake_imu.Chip()})\n"
            "try:\n    LSM6DS3TRC(i2c)\nexcept OSError as e:\n    print(e)\n")
    out = sensor_python(code).check()
    assert "no LSM6DS3TR-C at 0x6A on this I2C bus: nothing answered (devices found: 0x3C)" in out


def test_unsupported_rate_lists_choices(sensor_python):
    code = ("from machine import I2C\nimport fake_imu\nfrom midge.sensors.lsm6ds import LSM6DS3\n"
            "i2c = I2C(0, devices={0x6A: fake_imu.LSM6DS3()})\n"
            "try:\n    LSM6DS3(i2c, rate=100)\nexcept ValueError as e:\n    print(e)\n")
    assert "LSM6DS3 rate (Hz) 100 not supported; choose one of 12.5, 26, 52, 104" in sensor_python(code).check()


def test_fifo_overflow_is_counted(sensor_python):
    code = SETUP.format(module="lsm6ds", cls="LSM6DS3", fake="LSM6DS3(0x69, depth_words=60)", addr=0x6A,
                        args="") + """
chip.produce(25)
n = imu.readinto(buf)
first = (buf[0] - 0) // 1
print(n // 6, imu.dropped, list(buf[:6]) == list(fake_imu.expected(first)))
chip.produce(3)
n = imu.readinto(buf)
print(n // 6, imu.dropped, list(buf[:6]) == list(fake_imu.expected(buf[0])))
"""
    lines = sensor_python(code).check().split("\n")
    assert lines[0] == "10 1 True"  # 60 words = 10 frames kept, realigned, overflow counted
    assert lines[1] == "3 1 True"


def test_mpu_overflow_resets_the_fifo(sensor_python):
    code = SETUP.format(module="mpu6050", cls="MPU6050", fake="MPU6050(depth=120)", addr=0x68, args="") + """
chip.produce(15)
print(imu.readinto(buf), imu.dropped)
chip.produce(4)
n = imu.readinto(buf)
print(n // 6, list(buf[:6]) == list(fake_imu.expected(15)))
"""
    assert sensor_python(code).check().splitlines() == ["0 10", "4 True"]


def test_bmi270_without_config_names_the_blob(sensor_python):
    code = ("from machine import I2C\nimport fake_imu\nfrom midge.sensors.bmi270 import BMI270\n"
            "i2c = I2C(0, devices={0x68: fake_imu.BMI270()})\n"
            "try:\n    BMI270(i2c)\nexcept ValueError as e:\n    print(e)\n"
            "try:\n    BMI270(i2c, config=bytes(100))\nexcept ValueError as e:\n    print(e)\n")
    out = sensor_python(code).check()
    assert "BMI270 needs its 8192-byte configuration file" in out
    assert "bmi270_config_file" in out
    assert "config file has 100 bytes, expected 8192" in out


def test_bmi270_uploads_config_from_a_file(sensor_python, tmp_path):
    blob = bytes((i * 7) & 0xFF for i in range(8192))
    (tmp_path / "bmi270_config.bin").write_bytes(blob)
    code = ("from machine import I2C\nimport fake_imu\nfrom midge.sensors.bmi270 import BMI270\n"
            "chip = fake_imu.BMI270()\n"
            "imu = BMI270(I2C(0, devices={0x68: chip}), config=%r)\n"
            "print(chip.uploaded, bytes(chip.config) == open(%r, 'rb').read())\n"
            % (str(tmp_path / "bmi270_config.bin"), str(tmp_path / "bmi270_config.bin")))
    assert sensor_python(code).check().strip() == "8192 True"


def test_one_shot_properties_in_si_units(sensor_python):
    code = SETUP.format(module="lsm6ds", cls="LSM6DS3", fake="LSM6DS3(0x69)", addr=0x6A,
                        args="accel_range=2, gyro_range=250") + """
chip.produce(1001)
a = imu.acceleration
g = imu.gyro
print('%.4f %.4f %.4f' % a)
print('%.5f' % g[0])
"""
    lines = sensor_python(code).check().split("\n")
    # frame 1000: ax=1000, ay=-1000, az=2000 counts at 0.061 mg/LSB; gx=3000 at 8.75 mdps/LSB
    assert lines[0] == "%.4f %.4f %.4f" % (1000 * 0.061e-3 * 9.80665, -1000 * 0.061e-3 * 9.80665,
                                            2000 * 0.061e-3 * 9.80665)
    assert lines[1] == "%.5f" % (3000 * 8.75e-3 * 3.141592653589793 / 180)
