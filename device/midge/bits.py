"""Bit and byte helpers every layer shares (one copy each):

- ``bit_length(x)``: bits needed for an int x >= 0 (0 for 0); MicroPython ints
  have no ``int.bit_length``;
- ``put_le(buf, at, value, n)`` / ``get_le(buf, at, n)``: an unsigned
  little-endian field of ``n`` bytes written into / read from a buffer (the
  file formats: recordings, vectors, stream frames), without ``struct``'s
  temporary bytes;
- ``zeros(typecode, n)``: a zeroed ``array`` of ``n`` items built without the
  temporary of ``array(typecode, bytearray(size))``, which needs twice the
  final size for a moment: on a board's small heap the difference between a
  window buffer that fits and one that does not.
"""

from array import array


def bit_length(x):
    n = 0
    while x >= 1 << 16:
        x >>= 16
        n += 16
    while x:
        x >>= 1
        n += 1
    return n


def put_le(buf, at, value, n):
    """Write ``value`` as ``n`` little-endian bytes at ``buf[at]``."""
    for k in range(n):
        buf[at + k] = (value >> (8 * k)) & 0xFF


def get_le(buf, at, n):
    """The unsigned little-endian ``n``-byte field at ``buf[at]``."""
    v = 0
    for k in range(n):
        v |= buf[at + k] << (8 * k)
    return v


def zeros(typecode, n):
    """A zeroed array of ``n`` items of ``typecode`` (see the module docstring).
    MicroPython sizes an array from a range's length and stores each value's low
    bits (arrays do not check overflow): multiples of 256 (65536) give zeroed
    "b" ("h") items at once; other types are sized from ``range(n)`` and
    cleared. CPython checks "b"/"h" values and raises, and takes the plain way."""
    if typecode not in ("b", "h"):
        a = array(typecode, range(n))
        for i in range(n):
            a[i] = 0
        return a
    step = 256 if typecode == "b" else 65536
    try:
        return array(typecode, range(0, n * step, step))
    except OverflowError:
        return array(typecode, bytes((1 if typecode == "b" else 2) * n))
