"""What a loaded model keeps: tensors, signed views of its bytes, and the
model file read into RAM (or used in place on ROMFS).

``Tensor`` (type, shape, quantization, constant data), ``Operator`` (name,
version, tensor indices, ``Options``: its options table read in place),
``Scalars`` (a vector of scalars read in place), ``SignedBytes`` (views
with signed int8 items into the model buffer, no copy), type constants and
``TYPE_NAMES``, ``ModelError``, ``read_file(path)``, ``collect()`` and ``heap_note()``.
``parse(buf, n)`` validates and parses a .tflite into a ``Model``: the work is
done by ``midge.nn.reader`` and ``midge.nn.flatbuf``, which only parsing needs:
what the reader hands over is made of this module's types over the model
buffer, so the interpreter unloads both before it prepares the ops. Scales
are kept as raw float32 bit patterns for exact multiplier math.
"""

import gc
import struct
import sys
from array import array

try:
    import uctypes as _uctypes
except ImportError:
    _uctypes = None

TYPE_NAMES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING",
              6: "BOOL", 7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64", 11: "COMPLEX128",
              12: "UINT64", 13: "RESOURCE", 14: "VARIANT", 15: "UINT32", 16: "UINT16",
              17: "INT4", 18: "BFLOAT16"}
FLOAT32 = 0
INT32 = 2
INT16 = 7
INT8 = 9
ITEM_SIZE = {FLOAT32: 4, INT32: 4, INT16: 2, INT8: 1}
SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "q": 8, "Q": 8, "f": 4}
"""Bytes per struct format character of the scalars a model holds."""


class ModelError(ValueError):
    """The model file is corrupt, truncated or uses something midge lacks."""


class Tensor:
    """One tensor: type, shape, quantization and (for constants) its data.

    ``scales``/``zero_points`` are sequences read from the model on access
    (``Scalars``), or () when absent. ``data`` is a signed-int8 view
    (``SignedBytes.view``) or None for non-constant tensors.
    """

    def __init__(self, index, name, dtype, shape, data, scales, zero_points, qdim):
        self.index = index
        self.name = name
        self.type = dtype
        self.shape = shape
        self.data = data
        self.scales = scales
        self.zero_points = zero_points
        self.qdim = qdim
        self.size = 1
        for d in shape:
            self.size *= d
        self.nbytes = self.size * ITEM_SIZE.get(dtype, 1)
        self.variable = False  # a state tensor (TFLite is_variable): midge refuses such models

    @property
    def zero_point(self):
        return self.zero_points[0] if self.zero_points else 0

    @property
    def scale_bits(self):
        if not self.scales:
            raise ModelError("tensor '%s' has no quantization scale" % self.name)
        return self.scales[0]


class Operator:
    """One operator: builtin name and version, tensor indices, ``options``
    (an ``Options``, or None without an options table), and ``unsupported``:
    None, or why midge cannot run it (see ``parse(any_op=True)``)."""

    def __init__(self, name, version, inputs, outputs, options, unsupported=None):
        self.name = name
        self.version = version
        self.inputs = inputs
        self.outputs = outputs
        self.options = options
        self.unsupported = unsupported


class Options:
    """An operator's options table, read in place: ``scalar(slot, fmt, default)``
    is field ``slot`` (struct format ``fmt``), ``default`` when absent. The
    reader has checked that the table (``size`` bytes at ``table``) and its
    vtable (``vt_size`` bytes at ``vt``) lie in the buffer."""

    def __init__(self, buf, table, vt, vt_size, size):
        self._buf = buf
        self._table = table
        self._vt = vt
        self._vt_size = vt_size
        self._size = size

    def scalar(self, slot, fmt, default):
        entry = 4 + 2 * slot
        if entry >= self._vt_size:
            return default
        off = struct.unpack_from("<H", self._buf, self._vt + entry)[0]
        if not off:
            return default
        if off + SIZES[fmt] > self._size:
            raise ModelError("model is corrupt: option %d lies outside its table at %d" % (slot, self._table))
        return struct.unpack_from("<" + fmt, self._buf, self._table + off)[0]


class Scalars:
    """A bounds-checked vector of scalars left in the buffer (no list is built).

    Supports ``len``, indexing (negative too) and slicing (which gives a list);
    the caller has checked that the whole vector lies inside the buffer.
    """

    def __init__(self, buf, start, length, fmt):
        self._buf = buf
        self._start = start
        self._len = length
        self._fmt = "<" + fmt
        self._size = SIZES[fmt]

    def __len__(self):
        return self._len

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._len))]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError("vector index out of range")
        return struct.unpack_from(self._fmt, self._buf, self._start + i * self._size)[0]


class SignedBytes:
    """Views into the model buffer whose items are signed bytes, without copying it.

    ``view(start, n)`` is what kernels index: a cast memoryview on CPython, a
    memoryview slice when the buffer is an ``array('b')``, else (MicroPython,
    where memoryview has no ``cast``) a ``uctypes`` INT8 array at the bytes'
    address: indexable, bounds-checked and a buffer (``ptr8``, ``struct`` work),
    but without ``len`` or slicing. Without ``uctypes`` the buffer is copied
    once into an ``array('b')``. ``raw(start, n)`` is a sliceable memoryview of
    the same bytes for byte copies (its items may be unsigned on MicroPython).
    The buffer must stay alive and unchanged while views are in use.
    """

    def __init__(self, buf):
        mv = memoryview(buf)
        self._address = None
        if getattr(mv, "cast", None) is not None:
            mv = mv.cast("B").cast("b")
        elif not _is_signed_array(buf):
            if _uctypes is None:
                buf = array("b", buf)
                mv = memoryview(buf)
            else:
                self._address = _uctypes.addressof(buf)
        self.buf = buf
        self._mv = mv

    def view(self, start, n):
        if self._address is None:
            return self._mv[start:start + n]
        return _uctypes.struct(self._address + start, (_uctypes.ARRAY, _uctypes.INT8 | n))

    def raw(self, start, n):
        return self._mv[start:start + n]


def _is_signed_array(buf):
    return isinstance(buf, array) and repr(buf[:0]) == "array('b')"


def collect():
    """gc.collect() on MicroPython, to keep big buffers unfragmented; CPython
    frees by reference counting, and a full collection there is slow."""
    if sys.implementation.name != "cpython":
        gc.collect()


def heap_note():
    """"; N bytes of heap free" where the runtime reports it (MicroPython), else ""."""
    collect()
    mem_free = getattr(gc, "mem_free", None)
    return "; %d bytes of heap free" % mem_free() if mem_free else ""


def read_file(path):
    """The model file's bytes: in place where the filesystem maps files into memory
    (``memoryview(f)`` on ROMFS), else read into one bytearray of the file's size."""
    collect()
    with open(path, "rb") as f:
        try:
            return memoryview(f)
        except TypeError:
            pass
        f.seek(0, 2)
        n = f.tell()
        f.seek(0)
        try:
            buf = bytearray(n)
        except MemoryError:
            raise MemoryError("model file %s is %d bytes and does not fit in RAM%s; "
                              "put it in ROMFS to run it in place" % (path, n, heap_note()))
        got = f.readinto(buf)
    if got != n:
        raise ModelError("model file %s: read %d of %d bytes" % (path, got or 0, n))
    return buf


def parse(buf, n, any_op=False):
    """Validate and parse the model in ``buf[:n]`` (see ``midge.nn.reader.parse``)."""
    from midge.nn.reader import parse as _parse
    return _parse(buf, n, any_op)
