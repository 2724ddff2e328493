"""Synthetic frames and an OpenMV-like image object for the camera fakes."""

GRAYSCALE = 1
RGB565 = 2


def frame(w, h, bpp=1):
    """Deterministic test pattern: pixel (x, y) = (3x + 5y) & 0xFF (bpp copies)."""
    buf = bytearray(w * h * bpp)
    i = 0
    for y in range(h):
        for x in range(w):
            v = (3 * x + 5 * y) & 0xFF
            for _ in range(bpp):
                buf[i] = v
                i += 1
    return buf


class Image:
    def __init__(self, w, h, fmt):
        self._w = w
        self._h = h
        self._data = frame(w, h, 1 if fmt == GRAYSCALE else 2)

    def width(self):
        return self._w

    def height(self):
        return self._h

    def size(self):
        return len(self._data)

    def bytearray(self):
        return self._data
