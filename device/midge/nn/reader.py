"""Parse a .tflite model (TFLite FlatBuffer schema v3) into plain objects:
loading's work, so a loaded interpreter can unload this module.

``parse(buf, n, any_op=False)`` validates the file (identifier "TFL3", schema
version 3, one subgraph, offsets, buffer bounds, tensor types, op codes and
versions) and returns a ``Model``. Constant tensor data stays in ``buf`` (no
copy): ``Tensor.data`` is a view with signed int8 items (see
``model.SignedBytes``). Tensors and their quantization vectors are read from
the buffer on demand.
"""

from midge.bits import zeros
from midge.nn.flatbuf import FlatBuffer
from midge.nn.model import ITEM_SIZE, TYPE_NAMES, ModelError, Operator, SignedBytes, Tensor

# builtin code: (name, highest supported version)
OPS = {0: ("ADD", 5), 1: ("AVERAGE_POOL_2D", 3), 2: ("CONCATENATION", 4), 3: ("CONV_2D", 6),
       4: ("DEPTHWISE_CONV_2D", 6), 6: ("DEQUANTIZE", 6), 9: ("FULLY_CONNECTED", 12),
       14: ("LOGISTIC", 3), 17: ("MAX_POOL_2D", 3), 18: ("MUL", 7), 19: ("RELU", 3),
       21: ("RELU6", 3), 22: ("RESHAPE", 1), 25: ("SOFTMAX", 3), 28: ("TANH", 3), 34: ("PAD", 4),
       40: ("MEAN", 3), 41: ("SUB", 5), 43: ("SQUEEZE", 2), 45: ("STRIDED_SLICE", 8),
       70: ("EXPAND_DIMS", 1), 77: ("SHAPE", 1), 83: ("PACK", 3), 98: ("LEAKY_RELU", 2),
       114: ("QUANTIZE", 3), 117: ("HARD_SWISH", 1)}
KNOWN_NAMES = {5: "DEPTH_TO_SPACE", 7: "EMBEDDING_LOOKUP", 8: "FLOOR", 10: "HASHTABLE_LOOKUP",
               11: "L2_NORMALIZATION", 12: "L2_POOL_2D", 13: "LOCAL_RESPONSE_NORMALIZATION",
               16: "LSTM", 20: "RELU_N1_TO_1", 23: "RESIZE_BILINEAR", 24: "RNN",
               26: "SPACE_TO_DEPTH", 27: "SVDF", 32: "CUSTOM", 35: "UNIDIRECTIONAL_SEQUENCE_RNN",
               39: "TRANSPOSE", 42: "DIV", 44: "UNIDIRECTIONAL_SEQUENCE_LSTM",
               46: "BIDIRECTIONAL_SEQUENCE_RNN", 52: "BIDIRECTIONAL_SEQUENCE_LSTM", 53: "CAST",
               60: "PADV2", 62: "GATHER", 74: "SUM", 97: "RESIZE_NEAREST_NEIGHBOR", 101: "MINIMUM",
               102: "MAXIMUM", 126: "BATCH_MATMUL", 129: "CALL_ONCE", 142: "VAR_HANDLE",
               143: "READ_VARIABLE", 144: "ASSIGN_VARIABLE"}
STATEFUL = (16, 24, 27, 35, 44, 46, 52, 129, 142, 143, 144)
"""Ops that keep state between invokes in variable tensors or resource variables."""
STATELESS_ONLY = "midge runs stateless models only: variable (state) tensors are not supported"
MAX_DIMS = 6


class _Tensors:
    """``model.tensors[i]``: Tensor objects built on access (none are kept)."""

    def __init__(self, model):
        self._model = model

    def __len__(self):
        return len(self._model.nbytes)

    def __getitem__(self, i):
        return self._model.tensor(i)


class Model:
    """A parsed model: ``operators``, graph ``inputs``/``outputs``, and per tensor
    ``nbytes`` and ``data_at`` (start of its constant data in the buffer, -1 if none).

    ``tensor(i)`` (or ``tensors[i]``) builds a Tensor on demand from the
    already validated FlatBuffer, so no per-tensor objects stay in memory.
    """

    def __init__(self, fb, data, tables, buffers, nbytes, data_at, operators, inputs, outputs):
        self.fb = fb
        self.data = data
        self._tables = tables
        self._buffers = buffers
        self.nbytes = nbytes
        self.data_at = data_at
        self.operators = operators
        self.inputs = inputs
        self.outputs = outputs
        self.tensors = _Tensors(self)

    def tensor(self, i):
        t = _tensor(self.fb, self._tables[i], i, self._buffers)
        if self.data_at[i] >= 0:
            t.data = self.data.view(self.data_at[i], t.nbytes)
        return t

    def is_const(self, i):
        return self.data_at[i] >= 0


def parse(buf, n, any_op=False):
    """Validate and parse the model in ``buf[:n]``; raises ModelError.

    With ``any_op`` an op midge does not run is kept (for inspection) instead of
    refused: its Operator's ``unsupported`` says why (None for supported ops)."""
    if n < 8:
        raise ModelError("model is truncated: %d bytes is too short for a .tflite file" % n)
    if bytes(memoryview(buf)[4:8]) != b"TFL3":
        raise ModelError("not a TFLite model: file identifier is not 'TFL3'")
    data = SignedBytes(buf)
    fb = FlatBuffer(data.buf, n)
    root = fb.root()
    version = fb.scalar(root, 0, "I", 0)
    if version != 3:
        raise ModelError("model schema version %d is not supported (expected 3)" % version)
    codes = _op_codes(fb, root, any_op)
    subgraphs = fb.tables(root, 2)
    if len(subgraphs) != 1:
        raise ModelError("model has %d subgraphs; midge supports exactly one" % len(subgraphs))
    sg = subgraphs[0]
    buffers = fb.tables(root, 4)
    tables = fb.tables(sg, 0)
    count = len(tables)
    nbytes = zeros("i", count)
    data_at = zeros("i", count)
    for i in range(count):
        t = _tensor(fb, tables[i], i, buffers)
        nbytes[i] = t.nbytes
        data_at[i] = _data_start(fb, n, buffers, tables[i], t)
    if not any_op:
        for i in range(count):
            if fb.scalar(tables[i], 5, "B", 0):
                raise ModelError("tensor '%s' is a variable tensor: %s" % (fb.string(tables[i], 3) or i,
                                                                       STATELESS_ONLY))
    inputs = _indices(fb, sg, 1, count, "subgraph input", False)
    outputs = _indices(fb, sg, 2, count, "subgraph output", False)
    operators = []
    for op in fb.tables(sg, 3):
        index = fb.scalar(op, 0, "I", 0)
        if index >= len(codes):
            raise ModelError("model is corrupt: operator uses opcode %d of %d" % (index, len(codes)))
        name, version, why = codes[index]
        operators.append(Operator(name, version,
                                  _indices(fb, op, 1, count, name + " input", True),
                                  _indices(fb, op, 2, count, name + " output", False),
                                  fb.options(op, 4), why))
    return Model(fb, data, tables, buffers, nbytes, data_at, operators, inputs, outputs)


def _op_codes(fb, root, any_op):
    """(name, version, why unsupported or None) per operator code."""
    codes = []
    for oc in fb.tables(root, 1):
        code = max(fb.scalar(oc, 0, "b", 0), fb.scalar(oc, 3, "i", 0))
        version = fb.scalar(oc, 2, "i", 1)
        if code in OPS:
            name, highest = OPS[code]
            why = None if 1 <= version <= highest else "model op %s v%d is not supported" % (name, version)
        else:
            name = KNOWN_NAMES.get(code, "builtin %d" % code)
            if code == 32:
                name = "CUSTOM '%s'" % fb.string(oc, 1)
            why = "model op %s is not supported" % name
            if code in STATEFUL:
                why += " (it keeps state between invokes; %s)" % STATELESS_ONLY
        if why and not any_op:
            raise ModelError(why)
        codes.append((name, version, why))
    return codes


def _indices(fb, table, slot, count, what, optional):
    values = fb.scalars(table, slot, "i")
    for v in values:
        if v >= count or v < (-1 if optional else 0):
            raise ModelError("model is corrupt: %s refers to tensor %d of %d" % (what, v, count))
    return values


def _tensor(fb, t, index, buffers):
    """The Tensor of table ``t``, checked; its ``data`` is left None."""
    name = fb.string(t, 3) or ("#%d" % index)
    dtype = fb.scalar(t, 1, "b", 0)
    if dtype not in ITEM_SIZE:
        raise ModelError("tensor '%s' has type %s; midge supports FLOAT32, INT32, INT16 and INT8"
                         % (name, TYPE_NAMES.get(dtype, str(dtype))))
    shape = fb.scalars(t, 0, "i")
    if len(shape) > MAX_DIMS:
        raise ModelError("tensor '%s' has %d dimensions; midge supports up to %d" % (name, len(shape), MAX_DIMS))
    for d in shape:
        if d < 0 or d > 1 << 24:
            raise ModelError("tensor '%s' has unsupported dimension %d" % (name, d))
    scales, zero_points, qdim = (), (), 0
    q = fb.table(t, 4)
    if q:
        scales = fb.scalar_vector(q, 2, "I")
        zero_points = fb.scalar_vector(q, 3, "q")
        qdim = fb.scalar(q, 6, "i", 0)
        if zero_points and len(zero_points) != len(scales):
            raise ModelError("tensor '%s' has %d scales but %d zero points" % (name, len(scales), len(zero_points)))
        if qdim < 0 or qdim >= MAX_DIMS:
            raise ModelError("tensor '%s' has quantized dimension %d" % (name, qdim))
    tensor = Tensor(index, name, dtype, tuple(shape), None, scales, zero_points, qdim)
    tensor.variable = fb.scalar(t, 5, "B", 0) != 0
    if tensor.nbytes > 1 << 28:
        raise ModelError("tensor '%s' needs %d bytes; midge supports up to 256 MiB" % (name, tensor.nbytes))
    return tensor


def _data_start(fb, n, buffers, t, tensor):
    """Where the constant data of ``tensor`` starts in the buffer; -1 when it has none."""
    bi = fb.scalar(t, 2, "I", 0)
    if bi >= len(buffers) and bi:
        raise ModelError("model is corrupt: tensor '%s' uses buffer %d of %d" % (tensor.name, bi, len(buffers)))
    if not bi:
        return -1
    b = buffers[bi]
    start, length = fb.vector(b, 0, 1)
    offset = fb.scalar(b, 1, "Q", 0)
    if offset > 1:
        start = offset
        length = fb.scalar(b, 2, "Q", 0)
        if start + length > n:
            raise ModelError("model is truncated: tensor %d buffer ends at %d, file is %d bytes"
                             % (tensor.index, start + length, n))
    if not length:
        return -1
    if length != tensor.nbytes:
        raise ModelError("tensor '%s' has %d bytes of data; its shape %s needs %d"
                         % (tensor.name, length, list(tensor.shape), tensor.nbytes))
    return start
