"""Fake ESP32 ``camera`` module of cnadler86/micropython-camera-API
(``from camera import Camera, PixelFormat, FrameSize``)."""

from _image import frame


class PixelFormat:
    RGB565 = 0
    YUV422 = 1
    GRAYSCALE = 3
    JPEG = 4


class FrameSize:
    R96X96 = 0
    QQVGA = 1
    QVGA = 6


class GrabMode:
    WHEN_EMPTY = 0
    LATEST = 1


_SIZES = {FrameSize.R96X96: (96, 96), FrameSize.QQVGA: (160, 120), FrameSize.QVGA: (320, 240)}


class Camera:
    def __init__(self, *, pixel_format=PixelFormat.RGB565, frame_size=FrameSize.QQVGA, fb_count=1,
                 grab_mode=GrabMode.WHEN_EMPTY, init=True, **pins):
        self._fmt = pixel_format
        self._size = frame_size
        self.frees = 0
        w, h = _SIZES[frame_size]
        self._fb = frame(w, h, 1 if pixel_format == PixelFormat.GRAYSCALE else 2)

    @property
    def pixel_width(self):
        return _SIZES[self._size][0]

    @property
    def pixel_height(self):
        return _SIZES[self._size][1]

    @property
    def pixel_format(self):
        return self._fmt

    def capture(self):
        return memoryview(self._fb)

    def free_buffer(self):
        self.frees += 1

    def deinit(self):
        pass
