"""An image recording (``midge.pgm``: frames back to back) played back as a
camera: ``width``, ``height`` and ``readinto(buf) -> n`` (``width * height``
gray bytes of the next frame), as ``midge.sensors.camera``'s cameras give them,
plus the replay contract of ``midge.sensors.replay`` (``start``/``stop``,
``done``, ``dropped``, ``loop``, ``realtime``).

    cam = ImageReplay("/data/frames.pgm", 96, 96, fps=2, realtime=True, loop=False)

``width``/``height`` (default: the recording's) is the size ``readinto``
delivers: frames of another size are centre-cropped and area-averaged to it
(``midge.sensors.camera.GrayResize``, as a camera's frames are);
``frame_width``/``frame_height`` are the recording's.

``realtime=True`` delivers ``fps`` frames a second (``readinto`` sleeps until
the frame is due); otherwise as fast as they are asked for. Every frame must
have the first one's size: another is a ValueError naming the frame. Nothing
is allocated per frame (each frame's header is read into a buffer and
compared with the first's).
"""

from midge import pgm
from midge.sensors._clock import sleep_us, ticks_add, ticks_diff, ticks_us


class ImageReplay:
    dropped = 0
    channels = 1

    def __init__(self, source, width=None, height=None, fps=1, realtime=True, loop=False):
        if not (isinstance(fps, (int, float)) and 0 < fps <= 1000):
            raise ValueError("fps must be a number in (0, 1000], got %r" % (fps,))
        self._f = open(source, "rb") if isinstance(source, str) else source
        self._owned = isinstance(source, str)
        size = pgm.parse_header(self._f)
        if size is None:
            raise ValueError("the image recording holds no frame")
        self.frame_width, self.frame_height = size
        self.width = width or size[0]
        self.height = height or size[1]
        self._resize = self._frame_buf = None
        if (self.width, self.height) != size:
            from midge.sensors.camera import GrayResize
            self._resize = GrayResize(self.width, self.height)
            self._frame_buf = bytearray(size[0] * size[1])
        self._head = bytearray(self._f.tell())
        self._first = bytearray(len(self._head))
        self._f.seek(0)
        self._f.readinto(self._first)
        self.fps = fps
        self.frame_us = int(1000000 / fps)
        self.realtime = realtime
        self.loop = loop
        self.done = False
        self.frames = 0  # frames delivered since the start (or the last rewind)
        self._running = False
        self._buf = self._view = None
        self._f.seek(0)

    def start(self):
        if not self._running:
            self._running = True
            self._due = ticks_us()

    def stop(self):
        self._running = False

    def _frame(self, buf):
        """Read the next frame into ``buf`` (the recording's size); 0 at the end of the file."""
        head = self._head
        got = self._f.readinto(head)
        if not got:
            return 0
        if got != len(head) or head != self._first:
            raise ValueError("frame %d of the image recording is not a %d x %d frame like the first "
                             "(one size per file)" % (self.frames, self.frame_width, self.frame_height))
        n = self.frame_width * self.frame_height
        if buf is not self._buf:  # a view of the caller's buffer, made once per buffer
            self._buf = buf
            self._view = memoryview(buf)[:n]
        if self._f.readinto(self._view) != n:
            raise ValueError("frame %d of the image recording is cut short" % self.frames)
        return n

    def readinto(self, buf):
        n = self.width * self.height
        if len(buf) < n:
            raise ValueError("readinto buffer holds %d bytes; a frame is %d x %d" % (len(buf), self.width, self.height))
        if not self._running:
            self.start()
        into = buf if self._resize is None else self._frame_buf
        got = self._frame(into)
        if got == 0 and self.loop and self.frames:
            self._f.seek(0)  # a recording is frames from its first byte
            got = self._frame(into)
        if got == 0:
            self.done = True
            return 0
        if self._resize is not None:
            got = self._resize.resize(into, self.frame_width, self.frame_height, buf)
        self.frames += 1
        if self.realtime:
            self._due = ticks_add(self._due, self.frame_us)
            wait = ticks_diff(self._due, ticks_us())
            if wait > 0:
                sleep_us(wait)
        return got

    def close(self):
        if self._owned:
            self._f.close()
