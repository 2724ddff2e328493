"""Glue for the Raspberry Pi Pico, Pico W and Pico 2 (MicroPython rp2).

- microphone: an I2S MEMS mic (INMP441, ICS-43434) on I2S 0; pins ``sck``,
  ``ws`` (must be sck + 1 on rp2), ``sd`` (the profile's ``wiring``: 16, 17,
  18); params ``rate`` (16000), ``bits`` (32), ``shift`` (16), ``ibuf`` (8192);
- imu: an I2C IMU with ``"imu": "lsm6dsox" | "mpu6050"``, ``i2c`` (0), pins
  ``sda``, ``scl`` (wiring: 4, 5), ``address``, ``rate``;
- led: ``"LED"`` (the on-board LED, also on the Pico W) or ``pin``;
  ``watchdog``: ``machine.WDT`` (at most 8388 ms on rp2); ``sleep``:
  ``machine.lightsleep``; ``mqtt_client`` and ``utc`` on the Pico W;
  ``lorawan_modem``: a LoRa-E5 on UART 0 (``tx`` 0, ``rx`` 1, ``port`` 8);
- ``battery_mv``: VSYS (ADC3 on GPIO29 through the board's 1:3 divider), or the
  mqtt responder's ``battery_pin`` with its ``battery_ratio``.
"""

from midge.boards import pin
from midge.boards._mcu import millivolts, sleep, watchdog  # noqa: F401  (re-exported glue)
from midge.boards._net import mqtt_client, utc  # noqa: F401  (re-exported glue)


def sensor(params):
    from machine import I2C, I2S, Pin
    imu = params.get("imu")
    if imu:
        i2c = I2C(params.get("i2c", 0), sda=Pin(pin(params, "sda", "I2C data")),
                  scl=Pin(pin(params, "scl", "I2C clock")), freq=400000)
        if imu == "mpu6050":
            from midge.sensors.mpu6050 import MPU6050
            return MPU6050(i2c, address=params.get("address", 0x68), rate=params.get("rate", 100))
        from midge.sensors.lsm6ds import LSM6DSOX
        return LSM6DSOX(i2c, address=params.get("address", 0x6A), rate=params.get("rate", 104))
    from midge.sensors.i2s_mic import I2SMic
    rate = params.get("rate", 16000)
    bits = params.get("bits", 32)
    i2s = I2S(0, sck=Pin(pin(params, "sck", "I2S clock")), ws=Pin(pin(params, "ws", "I2S word select")),
              sd=Pin(pin(params, "sd", "I2S data")), mode=I2S.RX, bits=bits, format=I2S.MONO, rate=rate,
              ibuf=params.get("ibuf", 8192))
    return I2SMic(i2s, rate=rate, bits=bits, shift=params.get("shift", 16))


def led(params):
    from machine import Pin
    return Pin(params.get("pin", "LED"), Pin.OUT)


def lorawan_modem(params):
    from midge.boards._lora_e5 import on_uart
    return on_uart(0, params, 0, 1)


def battery_mv(params):
    from machine import ADC
    return millivolts(ADC(params.get("battery_pin", 29)).read_u16(), params.get("battery_ratio", 3))
