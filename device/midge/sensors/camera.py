"""Cameras as model inputs: a grayscale frame, centre-cropped and resized in
integer arithmetic into a preallocated buffer (96x96 for person detection).

Resize method: centre crop to the output's aspect ratio, then **area average**
(box filter): output pixel (i, j) is the rounded mean of the source pixels in
rows ``[i*ch//dh, (i+1)*ch//dh)`` and columns ``[j*cw//dw, (j+1)*cw//dw)`` of
the crop (``ch x cw``), so every source pixel counts exactly once; when
upscaling a range is widened to one pixel, which is nearest-neighbour.
``signed=True`` writes int8 (pixel - 128, i.e. XOR 0x80), the input of an int8
model whose input zero point is -128. ``resize`` has a viper fast path and a
plain twin with identical results.

- ``OpenMVCamera(source)``: ``source`` is OpenMV's ``sensor`` module (legacy
  API) or a ``csi.CSI()`` object, set to GRAYSCALE by board glue.
- ``ESPCamera(cam)``: a ``camera.Camera`` from cnadler86/micropython-camera-API
  made with ``pixel_format=PixelFormat.GRAYSCALE``.

Both give the app's sensor contract: ``start()``/``stop()`` (nothing to do: the
camera runs from the glue's set-up), ``dropped`` (always 0: a frame is taken
when asked for, none queue up), ``width``, ``height``, ``fps`` (the frame rate the app counts
stream time in: the glue's ``fps`` param, default 1; a live camera delivers a
frame whenever the app asks) and ``readinto(buf) -> n`` (bytes written,
``width * height``). The firmware allocates an image object per snapshot; the
resize itself allocates nothing after the first frame of a given size.
"""

from array import array

from midge import fast


def _box_plain(src, stride, xs, xe, ys, ye, dw, dh, dst, flip):
    o = 0
    for oy in range(dh):
        y0 = ys[oy]
        y1 = ye[oy]
        for ox in range(dw):
            x0 = xs[ox]
            x1 = xe[ox]
            s = 0
            for y in range(y0, y1):
                row = y * stride
                for x in range(x0, x1):
                    s += src[row + x]
            cnt = (y1 - y0) * (x1 - x0)
            dst[o] = ((s + (cnt >> 1)) // cnt) ^ flip
            o += 1


if fast.VIPER:
    from midge.sensors._resize_viper import box as _box
else:
    _box = _box_plain


def _bounds(starts, ends, offset, span, n):
    for i in range(n):
        a = i * span // n
        b = (i + 1) * span // n
        starts[i] = offset + a
        ends[i] = offset + (b if b > a else a + 1)


class GrayResize:
    """Centre-crop and area-average a ``src_w x src_h`` 8-bit grayscale frame to ``width x height``."""

    def __init__(self, width=96, height=96, signed=False):
        self.width = width
        self.height = height
        self._flip = 0x80 if signed else 0
        self._xs = array("H", [0] * width)
        self._xe = array("H", [0] * width)
        self._ys = array("H", [0] * height)
        self._ye = array("H", [0] * height)
        self._sw = 0
        self._sh = 0

    def resize(self, src, src_w, src_h, dst):
        """Write ``width * height`` bytes to ``dst``; returns that count."""
        if len(src) < src_w * src_h:
            raise ValueError("frame has %d bytes, a %dx%d grayscale frame needs %d"
                             % (len(src), src_w, src_h, src_w * src_h))
        w = self.width
        h = self.height
        if len(dst) < w * h:
            raise ValueError("output buffer has %d bytes, %dx%d needs %d" % (len(dst), w, h, w * h))
        if src_w != self._sw or src_h != self._sh:
            if src_w * h > src_h * w:
                cw, ch = src_h * w // h, src_h
            else:
                cw, ch = src_w, src_w * h // w
            _bounds(self._xs, self._xe, (src_w - cw) // 2, cw, w)
            _bounds(self._ys, self._ye, (src_h - ch) // 2, ch, h)
            self._sw = src_w
            self._sh = src_h
        _box(src, src_w, self._xs, self._xe, self._ys, self._ye, w, h, dst, self._flip)
        return w * h


class _Camera:
    dropped = 0
    channels = 1

    def start(self):
        pass

    def stop(self):
        pass


class OpenMVCamera(_Camera):
    """OpenMV ``sensor`` / ``csi.CSI()`` snapshots resized to the model input.

    Board glue::

        import csi
        cam = csi.CSI(); cam.reset(); cam.pixformat(csi.GRAYSCALE); cam.framesize(csi.QVGA)
        camera = OpenMVCamera(cam, 96, 96, signed=True)
        n = camera.readinto(pixels)       # pixels: bytearray(96 * 96)
    """

    def __init__(self, source, width=96, height=96, signed=False, fps=1):
        self._source = source
        self._resize = GrayResize(width, height, signed)
        self.width = width
        self.height = height
        self.fps = fps

    def readinto(self, buf):
        img = self._source.snapshot()
        w = img.width()
        h = img.height()
        if img.size() != w * h:
            raise ValueError("camera frame is not 8-bit grayscale (%d bytes for %dx%d): "
                             "call sensor.set_pixformat(sensor.GRAYSCALE) or csi0.pixformat(csi.GRAYSCALE)"
                             % (img.size(), w, h))
        return self._resize.resize(img.bytearray(), w, h, buf)


class ESPCamera(_Camera):
    """ESP32 camera (cnadler86/micropython-camera-API) frames resized to the model input.

    Board glue (XIAO ESP32S3 Sense firmware with the camera module)::

        from camera import Camera, PixelFormat, FrameSize
        cam = Camera(pixel_format=PixelFormat.GRAYSCALE, frame_size=FrameSize.QVGA)
        camera = ESPCamera(cam, 96, 96, signed=True)
    """

    def __init__(self, cam, width=96, height=96, signed=False, fps=1):
        self._cam = cam
        self._resize = GrayResize(width, height, signed)
        self.width = width
        self.height = height
        self.fps = fps

    def readinto(self, buf):
        cam = self._cam
        frame = cam.capture()
        if frame is None:
            raise OSError("the camera returned no frame; check it is initialised (cam.init())")
        w = cam.pixel_width
        h = cam.pixel_height
        if len(frame) != w * h:
            raise ValueError("camera frame is not 8-bit grayscale (%d bytes for %dx%d): "
                             "make the Camera with pixel_format=PixelFormat.GRAYSCALE" % (len(frame), w, h))
        n = self._resize.resize(frame, w, h, buf)
        cam.free_buffer()
        return n
