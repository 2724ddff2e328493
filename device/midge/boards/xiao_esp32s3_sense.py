"""Glue for the Seeed XIAO ESP32S3 Sense (MicroPython SEEED_XIAO_ESP32S3).

- microphone: the PDM mic (clock GPIO42, data GPIO41) read as a bitstream by
  I2S 0 and decimated by ``midge.sensors.pdm.PDMMic``. Params (``sensor`` in
  midge.json): ``rate`` (16000), ``clk`` (42), ``data`` (41), ``ws`` (a spare
  pin the I2S driver needs, 2), ``gain`` (0), ``ibuf`` (16384);
- imu: an LSM6DS3TR-C on I2C (the XIAO expansion/ML kit): ``"imu": true``,
  ``sda`` (5), ``scl`` (6), ``address`` (0x6A), ``rate`` (104);
- led: the user LED, GPIO21, active low; ``watchdog``: ``machine.WDT``;
  ``sleep``: ``machine.lightsleep``; ``mqtt_client`` over Wi-Fi;
  ``lorawan_modem``: a LoRa-E5 on UART 1 (``tx`` 43, ``rx`` 44, ``port`` 8).
"""

from midge.boards._net import mqtt_client  # noqa: F401  (re-exported glue)


def sensor(params):
    from machine import I2C, I2S, Pin
    if params.get("imu"):
        from midge.sensors.lsm6ds import LSM6DS3TRC
        i2c = I2C(0, sda=Pin(params.get("sda", 5)), scl=Pin(params.get("scl", 6)), freq=400000)
        return LSM6DS3TRC(i2c, address=params.get("address", 0x6A), rate=params.get("rate", 104))
    from midge.sensors.pdm import PDMMic
    rate = params.get("rate", 16000)
    i2s = I2S(0, sck=Pin(params.get("clk", 42)), ws=Pin(params.get("ws", 2)), sd=Pin(params.get("data", 41)),
              mode=I2S.RX, bits=32, format=I2S.STEREO, rate=rate, ibuf=params.get("ibuf", 16384))
    return PDMMic(i2s, pdm_rate=rate * 64, out_rate=rate, gain=params.get("gain", 0))


def led(params):
    from machine import Pin
    return Pin(params.get("pin", 21), Pin.OUT)


def watchdog(timeout_ms):
    from machine import WDT
    return WDT(timeout=timeout_ms)


def sleep(ms):
    import machine
    machine.lightsleep(ms)


def lorawan_modem(params):
    from machine import UART, Pin
    from midge.boards._lora_e5 import LoraE5
    modem = LoraE5(UART(1, 9600, tx=Pin(params.get("tx", 43)), rx=Pin(params.get("rx", 44))),
                   port=params.get("port", 8))
    modem.join()
    return modem
