"""Fake OpenMV ``sensor`` module (legacy camera API)."""

from _image import GRAYSCALE, RGB565, Image  # noqa: F401 (GRAYSCALE is part of the module API)

QQVGA = (160, 120)
QVGA = (320, 240)
_state = {"fmt": RGB565, "size": QVGA}


def reset():
    _state.update(fmt=RGB565, size=QVGA)


def set_pixformat(fmt):
    _state["fmt"] = fmt


def set_framesize(size):
    _state["size"] = size


def skip_frames(n=None, time=None):
    pass


def snapshot():
    w, h = _state["size"]
    return Image(w, h, _state["fmt"])
