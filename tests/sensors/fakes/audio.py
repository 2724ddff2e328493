"""Fake OpenMV ``audio`` module (init / start_streaming / stop_streaming).

Test hook: ``deliver(pcm)`` calls the streaming callback with ``pcm``, a
bytearray of little-endian int16, as OpenMV does when a buffer fills."""

config = {}
_callback = None


def init(channels=2, frequency=16000, gain_db=24, highpass=0.9883):
    config.update(channels=channels, frequency=frequency, gain_db=gain_db, highpass=highpass)


def deinit():
    config.clear()


def start_streaming(callback):
    global _callback
    if not config:
        raise OSError("audio not initialised: call audio.init() first")
    _callback = callback


def stop_streaming():
    global _callback
    _callback = None


def deliver(pcm):
    if _callback is not None:
        _callback(pcm)
