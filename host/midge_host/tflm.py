"""The TFLite-Micro oracle: run .tflite models under the PyPI `tflite-micro` runtime.

midge's int8 interpreter must be bit-exact with TFLM, so tests and `midge` commands run
the same model here and compare. The runtime (``from tflite_micro import runtime``) is
TFLM's reference kernels compiled for the host, with every builtin op and TFLM's Signal
ops registered.

- ``run_tflm(model, inputs)`` runs a batch of samples and returns the outputs.
- ``TflmModel`` keeps one interpreter for repeated runs of a stateful model.
- ``tflm_arena_bytes(model)`` is the smallest tensor arena the model runs in.
- ``read_model(model)`` checks and parses the flatbuffer (schema shipped with
  `tflite-micro`), e.g. to list its operators.

A model is given as bytes (bytearray, memoryview) or as a path. The runtime has no
operator listing of its own: parse the model with ``read_model`` for that.
"""

import multiprocessing
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from tflite_micro import runtime
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from midge_host.errors import MidgeError

DEFAULT_ARENA_BYTES = 4 << 20
"""Arena for ``run_tflm``/``TflmModel`` when none is given: ample for midge-sized models."""

MAX_ARENA_BYTES = 1 << 30
"""``tflm_arena_bytes`` gives up above this."""


def load_model(model):
    """Return the model's bytes, from bytes-like data or from a file path.

    Raises MidgeError when the file is missing or unreadable, or when the data is not a
    TFLite flatbuffer (too short, or no ``TFL3`` identifier).
    """
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
        origin = "model data"
    else:
        path = Path(model)
        origin = str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise MidgeError(f"model file not found: {path}") from None
        except IsADirectoryError:
            raise MidgeError(f"{path} is a folder, not a model file", hint="give a .tflite file") from None
        except OSError as exc:
            raise MidgeError(f"cannot read model file {path}: {exc.strerror}") from None
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise MidgeError(
            f"{origin} is not a TFLite model (no TFL3 flatbuffer identifier)",
            hint="give a .tflite file written by the TFLite converter",
        )
    return data


def read_model(model):
    """Parse a model into the flatbuffer object API (``schema_py_generated.ModelT``).

    Raises MidgeError for data that is not a well-formed TFLite model with a subgraph.
    The Python flatbuffer reader catches truncation and bad offsets; it is not a full
    verifier, so a deliberately crafted file can still pass.
    """
    data = load_model(model)
    try:
        parsed = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(data, 0))
    except Exception as exc:  # the reader raises struct.error, IndexError, ...
        raise MidgeError(f"corrupt TFLite model: {exc}") from None
    if not parsed.subgraphs:
        raise MidgeError("corrupt TFLite model: it has no subgraph")
    return parsed


def builtin_op_name(operator_code):
    """The BuiltinOperator name (e.g. ``"CONV_2D"``) of a flatbuffer ``OperatorCodeT``."""
    code = max(operator_code.builtinCode, operator_code.deprecatedBuiltinCode)
    return _BUILTIN_NAMES.get(code, f"BUILTIN_{code}")


_BUILTIN_NAMES = {
    value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")
}


class TflmModel:
    """One TFLM interpreter holding one model.

    ``inputs`` and ``outputs`` list the runtime's tensor details, in model order: dicts
    with ``shape`` (numpy int32 array), ``dtype`` (numpy type) and
    ``quantization_parameters`` (``scales``, ``zero_points``, ``quantized_dimension``).

    State (e.g. the noise estimate of TFLM's Signal ops, or variables) carries from one
    ``run`` to the next until ``reset()``.

    An ``arena_size`` too small for the model usually raises MidgeError, but can crash
    TFLM itself (a kernel that does not check a failed temporary allocation): size a
    tight arena with ``tflm_arena_bytes``.
    """

    def __init__(self, model, arena_size=DEFAULT_ARENA_BYTES):
        data = load_model(model)
        parsed = read_model(data)
        graph = parsed.subgraphs[0]
        log = []
        try:
            with _capture_stderr(log):
                self._interpreter = runtime.Interpreter.from_bytes(data, arena_size=arena_size)
        except RuntimeError as exc:
            raise MidgeError(
                f"TFLM could not prepare the model: {exc}: {' '.join(log[0].split())}",
                hint=f"if the arena is too small, give more than arena_size={arena_size}",
            ) from None
        n_in = 0 if graph.inputs is None else len(graph.inputs)
        n_out = 0 if graph.outputs is None else len(graph.outputs)
        self.inputs = [self._interpreter.get_input_details(i) for i in range(n_in)]
        self.outputs = [self._interpreter.get_output_details(i) for i in range(n_out)]

    def reset(self):
        """Return every variable and op state to what it was right after loading."""
        self._interpreter.reset()

    def run(self, inputs, reset_between=False):
        """Run N samples in order; return one array per model output.

        ``inputs`` holds one array per model input (a bare array will do for a model
        with one input). Each has N samples along axis 0, each sample either the input's
        full shape or that shape without its leading batch dimension of 1: for a
        1x96x96x1 input, (N, 96, 96, 1) and (N, 1, 96, 96, 1) both work. Integer inputs
        must fit the model's integer type; float inputs are cast to float32.

        Each output array is (N,) + the output's shape, less a leading batch dimension
        of 1, in the output's own type (int8, or float32 for float-output models).

        With ``reset_between`` the interpreter is reset before every sample, so samples
        are independent even for stateful models; otherwise state carries over.
        """
        samples = self._samples(inputs)
        n = len(samples[0]) if samples else 1
        results = [[] for _ in self.outputs]
        for i in range(n):
            if reset_between:
                self.reset()
            for index, batch in enumerate(samples):
                self._interpreter.set_input(batch[i], index)
            try:
                self._interpreter.invoke()
            except RuntimeError as exc:
                raise MidgeError(f"TFLM failed to run the model: {exc}") from None
            for index, result in enumerate(results):
                result.append(self._interpreter.get_output(index))
        return [
            np.stack(result).reshape((n,) + _drop_batch(detail["shape"]))
            for result, detail in zip(results, self.outputs)
        ]

    def _samples(self, inputs):
        """Each input as an array of N samples with the tensor's full shape and type."""
        if isinstance(inputs, np.ndarray) or not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if len(inputs) != len(self.inputs):
            raise MidgeError(f"the model has {len(self.inputs)} inputs, {len(inputs)} given")
        samples = [_conform(np.asarray(x), detail, i) for i, (x, detail) in enumerate(zip(inputs, self.inputs))]
        counts = {len(batch) for batch in samples}
        if len(counts) > 1:
            raise MidgeError(f"inputs hold different numbers of samples: {sorted(counts)}")
        return samples


def run_tflm(model, inputs, reset_between=False, arena_size=DEFAULT_ARENA_BYTES):
    """Run a batch of samples through a fresh TFLM interpreter; see ``TflmModel.run``."""
    return TflmModel(model, arena_size=arena_size).run(inputs, reset_between=reset_between)


def tflm_arena_bytes(model):
    """The smallest tensor arena, in bytes, in which TFLM prepares and invokes the model.

    Found by search: the arena size that the runtime takes as an argument is doubled
    from 1 KiB until the model loads and runs one inference on zero inputs, then bisected
    to the byte. (``print_allocations()`` reports the recording allocator's final
    head + tail, which undercounts: for hello_world it says 1504 bytes, yet the model
    needs 1936, because kernels' temporary allocations during Prepare peak above the
    final activation plan.)

    The number covers what TFLM places in the arena: activation tensors (the memory
    plan), persistent kernel data, tensor and node structs. It is measured on this
    64-bit host, where those structs hold 8-byte pointers, so a 32-bit microcontroller
    needs somewhat less: treat it as an upper bound there. It does not include the
    model's weights, which TFLM reads in place from the flatbuffer.
    """
    data = load_model(model)
    graph = read_model(data).subgraphs[0]
    n_inputs = 0 if graph.inputs is None else len(graph.inputs)
    high = 1024
    while not _fits(data, high, n_inputs):
        if high >= MAX_ARENA_BYTES:
            raise MidgeError(f"TFLM cannot run the model even with a {MAX_ARENA_BYTES}-byte arena")
        high *= 2
    low = high // 2 if high > 1024 else 0
    while high - low > 1:
        middle = (low + high) // 2
        if _fits(data, middle, n_inputs):
            high = middle
        else:
            low = middle
    return high


def _fits(data, arena_size, n_inputs):
    """Whether TFLM loads the model and invokes it once within ``arena_size`` bytes.

    Probed in a child process: an arena that is too small can crash TFLM outright (seen:
    a segfault when a kernel's temporary allocation fails during Prepare).
    """
    probe = _PROBES.Process(target=_probe, args=(data, arena_size, n_inputs))
    probe.start()
    probe.join()
    return probe.exitcode == 0


def _probe(data, arena_size, n_inputs):
    """Child process body for ``_fits``: exit status 0 when the model runs."""
    with _capture_stderr([]):
        try:
            interpreter = runtime.Interpreter.from_bytes(data, arena_size=arena_size)
            for index in range(n_inputs):
                detail = interpreter.get_input_details(index)
                interpreter.set_input(np.zeros(detail["shape"], detail["dtype"]), index)
            interpreter.invoke()
        except RuntimeError:
            sys.exit(1)


_PROBES = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _conform(x, detail, index):
    """``x`` as (N,) + the tensor's full shape in the tensor's type, or MidgeError."""
    shape = tuple(int(d) for d in detail["shape"])
    if x.shape[1:] == shape:
        batch = x
    elif x.ndim >= 1 and x.shape[1:] == _drop_batch(shape):
        batch = x.reshape((len(x),) + shape)
    else:
        raise MidgeError(
            f"input {index}: samples of shape {x.shape[1:]} given, the model takes {shape}"
            f" (give an array of shape (N,) + {shape} or (N,) + {_drop_batch(shape)})"
        )
    dtype = np.dtype(detail["dtype"])
    if np.issubdtype(dtype, np.floating):
        return batch.astype(dtype)
    if not np.issubdtype(batch.dtype, np.integer):
        raise MidgeError(f"input {index}: the model takes {dtype} values, {batch.dtype} given")
    info = np.iinfo(dtype)
    if batch.size and (batch.min() < info.min or batch.max() > info.max):
        raise MidgeError(f"input {index}: values outside the {dtype} range {info.min}..{info.max}")
    return batch.astype(dtype)


def _drop_batch(shape):
    """A tensor shape without its leading batch dimension of 1 (other shapes unchanged)."""
    shape = tuple(int(d) for d in shape)
    return shape[1:] if shape and shape[0] == 1 else shape


@contextmanager
def _capture_stderr(log):
    """Capture file descriptor 2, where TFLM's C++ code logs, and append the text to ``log``."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            log.append(capture.read().decode(errors="replace"))
