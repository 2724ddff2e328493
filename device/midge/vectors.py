"""vectors.bin: the test vectors `midge verify` replays on a board. This module
owns the format; the trainer writes it with ``header``/``record_size`` and
the board reads it with ``Reader``.

Little-endian: ``b"MGTV"``, u16 version (1), u16 count, u32 n_samples (raw
window values: window_samples * channels; for a camera model the frame's
width * height pixels, 0..255), u32 n_input
(model input bytes), u32 n_output (model output bytes), then ``count``
records of int16[n_samples] raw window (channels interleaved), int8[n_input]
expected model input and int8[n_output] expected model output (TFLM's).

    with open("vectors.bin", "rb") as f:
        vec = Reader(f, "vectors.bin")
        raw = array("h", bytearray(2 * vec.n_samples)); x = bytearray(vec.n_input); y = bytearray(vec.n_output)
        for i in range(vec.count):
            vec.readinto(raw, x, y)   # or, a window in pieces: read_samples(buf, n)..., read_expected(x, y)
"""

from midge.bits import get_le, put_le

MAGIC = b"MGTV"
VERSION = 1
HEADER_SIZE = 20


def header(count, n_samples, n_input, n_output):
    """The 20 header bytes."""
    if not 0 <= count <= 0xFFFF:
        raise ValueError("vectors.bin holds at most 65535 vectors, got %d" % count)
    h = bytearray(HEADER_SIZE)
    h[0:4] = MAGIC
    put_le(h, 4, VERSION, 2)
    put_le(h, 6, count, 2)
    put_le(h, 8, n_samples, 4)
    put_le(h, 12, n_input, 4)
    put_le(h, 16, n_output, 4)
    return bytes(h)


def parse_header(head, name="vectors.bin"):
    """(count, n_samples, n_input, n_output) from the header bytes, or ValueError."""
    if len(head) < HEADER_SIZE or bytes(head[0:4]) != MAGIC:
        raise ValueError("%s is not a midge vectors file (no MGTV header)" % name)
    if get_le(head, 4, 2) != VERSION:
        raise ValueError("%s is vectors version %d; this midge reads version %d" % (name, get_le(head, 4, 2), VERSION))
    return get_le(head, 6, 2), get_le(head, 8, 4), get_le(head, 12, 4), get_le(head, 16, 4)


def record_size(n_samples, n_input, n_output):
    """Bytes per record."""
    return 2 * n_samples + n_input + n_output


class Reader:
    """Reads the records of an open vectors file one at a time, into buffers the caller owns."""

    def __init__(self, f, name="vectors.bin"):
        self._f = f
        self.name = name
        self.count, self.n_samples, self.n_input, self.n_output = parse_header(f.read(HEADER_SIZE), name)
        self._at = 0

    def readinto(self, raw, want_in, want_out):
        """Fill ``raw`` (2 * n_samples bytes), ``want_in`` and ``want_out`` with the next record."""
        self.read_samples(raw)
        self.read_expected(want_in, want_out)

    def read_samples(self, buf, n=None):
        """The next ``n`` (default ``len(buf)``) raw values of the current record
        into ``buf`` (int16): a record's window may be read in pieces; then
        ``read_expected`` ends the record."""
        n = len(buf) if n is None else n
        if self._f.readinto(memoryview(buf)[:n]) != 2 * n:
            self._truncated()

    def read_expected(self, want_in, want_out):
        """The current record's expected model input and output; moves to the next record."""
        f = self._f
        if f.readinto(want_in) != self.n_input or f.readinto(want_out) != self.n_output:
            self._truncated()
        self._at += 1

    def _truncated(self):
        raise ValueError("%s is truncated at vector %d of %d" % (self.name, self._at, self.count))
