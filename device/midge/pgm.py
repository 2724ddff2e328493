"""Image recordings: what the emulated board replays as a camera, and the frame
format images are converted to on the host. This module owns the format.

A binary PGM file (Netpbm P5, 8-bit gray, maxval 255) holding one or more
frames back to back, as Netpbm allows: each frame is its header
``b"P5\\n<width> <height>\\n255\\n"`` (``header(width, height)``) then
``width * height`` pixel bytes, rows top to bottom. Every frame of a file has
the same size. Readers accept what other tools write in a first header too:
any whitespace between the fields and ``#`` comments.

``parse_header(f) -> (width, height)`` reads one header from a binary file at
a frame's start, leaving it at the frame's pixels; None at the end of the file;
ValueError naming the problem (not P5, maxval other than 255, a size of 0).
"""

MAX_SIDE = 4096


def header(width, height):
    """The header bytes of a ``width`` x ``height`` frame."""
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError("a PGM frame is 1..%d pixels a side, got %d x %d" % (MAX_SIDE, width, height))
    return ("P5\n%d %d\n255\n" % (width, height)).encode()


def _token(f):
    """The next whitespace-separated field of a PGM header (comments skipped)."""
    text = b""
    while True:
        c = f.read(1)
        if not c:
            return text
        if c == b"#":
            while c and c not in b"\r\n":
                c = f.read(1)
            continue
        if c in b" \t\r\n":
            if text:
                return text
            continue
        text += c
        if len(text) > 8:
            raise ValueError("not a PGM header: field %r is too long" % (text,))


def parse_header(f):
    """See the module docstring."""
    magic = f.read(2)
    if not magic:
        return None
    if magic != b"P5":
        raise ValueError("not a binary PGM frame (P5): starts %r" % (bytes(magic),))
    fields = []
    for _ in range(3):
        t = _token(f)
        try:
            fields.append(int(t))
        except ValueError:
            raise ValueError("not a PGM header: width, height and maxval must be numbers, got %r" % (t,))
    width, height, maxval = fields
    if maxval != 255:
        raise ValueError("PGM maxval must be 255 (8-bit gray), got %d" % maxval)
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError("a PGM frame is 1..%d pixels a side, got %d x %d" % (MAX_SIDE, width, height))
    return width, height
