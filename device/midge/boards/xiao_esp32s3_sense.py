"""Glue for the Seeed XIAO ESP32S3 Sense (MicroPython SEEED_XIAO_ESP32S3).

- microphone: the PDM mic (pins ``clk``, ``data``: the profile's 42, 41) read
  as a bitstream by I2S 0 and decimated by ``midge.sensors.pdm.PDMMic``; pin
  ``ws`` (a spare pin the I2S driver needs: the profile's wiring, 2); params
  ``rate`` (16000), ``gain`` (0), ``ibuf`` (16384);
- imu: an LSM6DS3TR-C on I2C (the XIAO expansion/ML kit): ``"imu":
  "lsm6ds3trc"``, pins ``sda``, ``scl`` (wiring: 5, 6), ``address`` (0x6A),
  ``rate`` (104);
- camera: the OV2640/OV3660 module through the ESP32 camera API
  (cnadler86/micropython-camera-API firmware) in grayscale, frames cropped and
  resized to the model's input by ``midge.sensors.camera.ESPCamera``; pins
  ``d0``..``d7``, ``vsync``, ``href``, ``pclk``, ``xclk``, ``sda``, ``scl`` (the
  profile's; without them the firmware's defaults), params ``framesize``
  ("QVGA"), ``fps`` (1);
- led: the user LED, GPIO21, active low; ``watchdog``: ``machine.WDT``;
  ``sleep``: ``machine.lightsleep``; ``mqtt_client`` over Wi-Fi;
  ``lorawan_modem``: a LoRa-E5 on UART 1 (``tx`` 43, ``rx`` 44, ``port`` 8);
  ``utc`` once NTP set the clock;
- ``battery_mv``: the XIAO has no battery divider of its own: one wired from BAT+
  to the mqtt responder's ``battery_pin`` (``battery_ratio``, 2 for two equal
  resistors) is read calibrated at 11 dB; None without one.
"""

from midge.boards import pin
from midge.boards._mcu import sleep, watchdog  # noqa: F401  (re-exported glue)
from midge.boards._net import mqtt_client, utc  # noqa: F401  (re-exported glue)


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


_CAMERA_PINS = (("vsync", "vsync_pin"), ("href", "href_pin"), ("pclk", "pclk_pin"), ("xclk", "xclk_pin"),
                ("sda", "sda_pin"), ("scl", "scl_pin"))


def camera(params, width, height):
    from camera import Camera, FrameSize, PixelFormat
    from midge.sensors.camera import ESPCamera
    pins = {}
    if "d0" in params:
        pins["data_pins"] = [pin(params, "d%d" % i, "camera data %d" % i) for i in range(8)]
        for key, name in _CAMERA_PINS:
            pins[name] = pin(params, key, "camera " + key)
    cam = Camera(pixel_format=PixelFormat.GRAYSCALE, frame_size=getattr(FrameSize, params.get("framesize", "QVGA")),
                 **pins)
    return ESPCamera(cam, width, height, fps=params.get("fps", 1))


def led(params):
    from machine import Pin
    return Pin(params.get("pin", 21), Pin.OUT)


def lorawan_modem(params):
    from midge.boards._lora_e5 import on_uart
    return on_uart(1, params, 43, 44)


def battery_mv(params):
    if params.get("battery_pin") is None:
        return None
    from machine import ADC, Pin
    adc = ADC(Pin(params["battery_pin"]), atten=ADC.ATTN_11DB)
    return int(adc.read_uv() * params.get("battery_ratio", 2)) // 1000
