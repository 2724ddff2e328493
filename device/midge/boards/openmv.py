"""Glue for OpenMV cams (H7 Plus, RT1062) and the Arduino Nicla Vision on
OpenMV firmware.

- microphone: OpenMV's ``audio`` module (the on-board PDM mic) through
  ``midge.sensors.openmv_audio.OpenMVMic``; params ``rate`` (16000),
  ``gain_db`` (24), ``highpass`` (0.9883);
- camera: ``csi.CSI()`` (the older ``sensor`` module where the firmware has
  no ``csi``) in grayscale, frames cropped and resized to the model's input
  by ``midge.sensors.camera.OpenMVCamera``; params ``framesize`` ("QVGA"),
  ``fps`` (1);
- led: ``machine.LED("LED_BLUE")`` (params ``name``); ``watchdog``:
  ``machine.WDT``; ``sleep``: ``machine.lightsleep``.
"""

from midge.boards._mcu import sleep, watchdog  # noqa: F401  (re-exported glue)


def sensor(params):
    import audio
    from midge.sensors.openmv_audio import OpenMVMic
    return OpenMVMic(audio, rate=params.get("rate", 16000), gain_db=params.get("gain_db", 24),
                     highpass=params.get("highpass", 0.9883))


def camera(params, width, height):
    from midge.sensors.camera import OpenMVCamera
    size = params.get("framesize", "QVGA")
    try:
        import csi
    except ImportError:
        import sensor as source
        source.reset()
        source.set_pixformat(source.GRAYSCALE)
        source.set_framesize(getattr(source, size))
    else:
        source = csi.CSI()
        source.reset()
        source.pixformat(csi.GRAYSCALE)
        source.framesize(getattr(csi, size))
    return OpenMVCamera(source, width, height, fps=params.get("fps", 1))


class _Led:
    """``machine.LED`` (on/off) behind the ``value(v)`` a Blinker drives."""

    def __init__(self, led):
        self._led = led

    def value(self, v):
        if v:
            self._led.on()
        else:
            self._led.off()


def led(params):
    from machine import LED
    return _Led(LED(params.get("name", "LED_BLUE")))
