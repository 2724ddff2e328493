"""Fake OpenMV ``csi`` module (the newer camera API: ``csi.CSI()`` objects)."""

from _image import GRAYSCALE, RGB565, Image  # noqa: F401 (GRAYSCALE is part of the module API)

QQVGA = (160, 120)
QVGA = (320, 240)


class CSI:
    def __init__(self):
        self.reset()

    def reset(self):
        self._fmt = RGB565
        self._size = QVGA

    def pixformat(self, fmt):
        self._fmt = fmt

    def framesize(self, size):
        self._size = size

    def snapshot(self, time=None):
        return Image(self._size[0], self._size[1], self._fmt)
