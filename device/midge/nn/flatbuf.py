"""A small bounds-checked FlatBuffers reader (no `flatbuffers` package needed).

``FlatBuffer(buf)`` reads tables, scalars, vectors and strings out of any
buffer object that ``struct.unpack_from`` accepts, without copying. Every
offset is checked against the buffer; any inconsistency raises ``ModelError``
(a ValueError) naming what was wrong, never an IndexError or struct.error.
Tables are plain ints (their absolute position); absent fields give defaults.
"""

import struct

from midge.nn.model import SIZES as _SIZES
from midge.nn.model import ModelError, Options, Scalars


class FlatBuffer:
    """Read-only view of a FlatBuffer held in ``buf`` (length ``n``)."""

    def __init__(self, buf, n):
        self.buf = buf
        self.n = n

    def _need(self, pos, size, what):
        if pos < 0 or pos + size > self.n:
            raise ModelError("model is truncated: %s at %d..%d, file is %d bytes"
                             % (what, pos, pos + size, self.n))

    def u8(self, pos):
        self._need(pos, 1, "byte")
        return struct.unpack_from("<B", self.buf, pos)[0]

    def u16(self, pos):
        self._need(pos, 2, "uint16")
        return struct.unpack_from("<H", self.buf, pos)[0]

    def u32(self, pos):
        self._need(pos, 4, "uint32")
        return struct.unpack_from("<I", self.buf, pos)[0]

    def i32(self, pos):
        self._need(pos, 4, "int32")
        return struct.unpack_from("<i", self.buf, pos)[0]

    def root(self):
        """Position of the root table."""
        return self._deref(0, "root table")

    def _deref(self, pos, what):
        target = pos + self.u32(pos)
        if target + 4 > self.n:
            raise ModelError("model is corrupt: %s offset points past the end" % what)
        return target

    def _layout(self, table):
        """(vtable position, vtable size, table size) of ``table``, checked."""
        vt = table - self.i32(table)
        if vt < 0 or vt + 4 > self.n:
            raise ModelError("model is corrupt: vtable at %d is outside the file" % vt)
        vt_size = self.u16(vt)
        obj_size = self.u16(vt + 2)
        if vt_size < 4 or vt_size & 1:
            raise ModelError("model is corrupt: bad vtable size %d at %d" % (vt_size, vt))
        self._need(vt, vt_size, "vtable")
        self._need(table, obj_size, "table")
        return vt, vt_size, obj_size

    def options(self, table, slot):
        """Sub-table field ``slot`` as a ``model.Options`` read in place, or None when absent."""
        sub = self.table(table, slot)
        if not sub:
            return None
        vt, vt_size, size = self._layout(sub)
        return Options(self.buf, sub, vt, vt_size, size)

    def _field(self, table, slot):
        """Absolute position of field ``slot`` of ``table``, or 0 when absent."""
        vt, vt_size, obj_size = self._layout(table)
        entry = 4 + 2 * slot
        if entry >= vt_size:
            return 0
        off = self.u16(vt + entry)
        if off == 0:
            return 0
        if off >= obj_size:
            raise ModelError("model is corrupt: field %d lies outside its table at %d" % (slot, table))
        return table + off

    def scalar(self, table, slot, fmt, default):
        """Scalar field ``slot`` of struct format ``fmt`` ("b", "i", "f", ...)."""
        pos = self._field(table, slot)
        if not pos:
            return default
        self._need(pos, _SIZES[fmt], "scalar field")
        return struct.unpack_from("<" + fmt, self.buf, pos)[0]

    def table(self, table, slot):
        """Sub-table position of field ``slot``, or 0 when absent."""
        pos = self._field(table, slot)
        if not pos:
            return 0
        return self._deref(pos, "table field %d" % slot)

    def vector(self, table, slot, elem_size):
        """(start, length) of vector field ``slot``; (0, 0) when absent."""
        pos = self._field(table, slot)
        if not pos:
            return 0, 0
        vec = pos + self.u32(pos)
        length = self.u32(vec)
        start = vec + 4
        if start + length * elem_size > self.n:
            raise ModelError("model is truncated: vector of %d items at %d ends at %d, file is %d bytes"
                             % (length, vec, start + length * elem_size, self.n))
        return start, length

    def scalars(self, table, slot, fmt):
        """Vector field ``slot`` of scalars as a list (small vectors only)."""
        size = _SIZES[fmt]
        start, length = self.vector(table, slot, size)
        return [struct.unpack_from("<" + fmt, self.buf, start + i * size)[0] for i in range(length)]

    def scalar_vector(self, table, slot, fmt):
        """Vector field ``slot`` of scalars read on access: a ``Scalars``, or () when empty."""
        start, length = self.vector(table, slot, _SIZES[fmt])
        return Scalars(self.buf, start, length, fmt) if length else ()

    def tables(self, table, slot):
        """Vector field ``slot`` of tables as a list of table positions."""
        start, length = self.vector(table, slot, 4)
        return [self._deref(start + 4 * i, "table vector item") for i in range(length)]

    def string(self, table, slot):
        """String field ``slot`` decoded as UTF-8 (invalid bytes replaced); "" when absent."""
        start, length = self.vector(table, slot, 1)
        if not length:
            return ""
        raw = bytes(self.buf[start:start + length])
        try:
            return raw.decode("utf-8")
        except UnicodeError:
            return "".join(chr(c) if 32 <= c < 127 else "?" for c in raw)
