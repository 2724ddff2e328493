"""Glue for the Seeed XIAO ESP32S3 Sense (MicroPython SEEED_XIAO_ESP32S3).

- microphone: the PDM mic (pins ``clk``, ``data``: the profile's 42, 41) read
  as a bitstream by I2S 0 and decimated by ``midge.sensors.pdm.PDMMic``; pin
  ``ws`` (a spare pin the I2S driver needs: the profile's wiring, 2); params
  ``rate`` (16000), ``gain`` (0), ``ibuf`` (16384);
- imu: an LSM6DS3TR-C on I2C (the XIAO expansion/ML kit): ``"imu":
  "lsm6ds3trc"``, pins ``sda``, ``scl`` (wiring: 5, 6), ``address`` (0x6A),
  ``rate`` (104);
- led: the user LED, GPIO21, active low; ``watchdog``: ``machine.WDT``;
  ``sleep``: ``machine.lightsleep``; ``mqtt_client`` over Wi-Fi;
  ``lorawan_modem``: a LoRa-E5 on UART 1 (``tx`` 43, ``rx`` 44, ``port`` 8).
"""

from midge.boards import pin
from midge.boards._mcu import sleep, watchdog  # noqa: F401  (re-exported glue)
from midge.boards._net import mqtt_client  # noqa: F401  (re-exported glue)


def sensor(params):
    from machine import I2C, I2S, Pin
    if params.get("imu"):
        from midge.sensors.lsm6ds import LSM6DS3TRC
        i2c = I2C(0, sda=Pin(pin(params, "sda", "I2C data")), scl=Pin(pin(params, "scl", "I2C clock")),
                  freq=400000)
        return LSM6DS3TRC(i2c, address=params.get("address", 0x6A), rate=params.get("rate", 104))
    from midge.sensors.pdm import PDMMic
    rate = params.get("rate", 16000)
    i2s = I2S(0, sck=Pin(pin(params, "clk", "PDM clock")), ws=Pin(pin(params, "ws", "a spare pin for I2S")),
              sd=Pin(pin(params, "data", "PDM data")), mode=I2S.RX, bits=32, format=I2S.STEREO, rate=rate,
              ibuf=params.get("ibuf", 16384))
    return PDMMic(i2s, pdm_rate=rate * 64, out_rate=rate, gain=params.get("gain", 0))


def led(params):
    from machine import Pin
    return Pin(params.get("pin", 21), Pin.OUT)


def lorawan_modem(params):
    from midge.boards._lora_e5 import on_uart
    return on_uart(1, params, 43, 44)
