"""Glue for OpenMV cams (H7 Plus, RT1062) and the Arduino Nicla Vision on
OpenMV firmware.

- microphone: OpenMV's ``audio`` module (the on-board PDM mic) through
  ``midge.sensors.openmv_audio.OpenMVMic``; params ``rate`` (16000),
  ``gain_db`` (24), ``highpass`` (0.9883);
- led: ``machine.LED("LED_BLUE")`` (params ``name``); ``watchdog``:
  ``machine.WDT``; ``sleep``: ``machine.lightsleep``.
"""

from midge.boards._mcu import sleep, watchdog  # noqa: F401  (re-exported glue)


def sensor(params):
    import audio
    from midge.sensors.openmv_audio import OpenMVMic
    return OpenMVMic(audio, rate=params.get("rate", 16000), gain_db=params.get("gain_db", 24),
                     highpass=params.get("highpass", 0.9883))


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
