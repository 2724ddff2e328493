"""Bake the constants of the micro_speech frontend into device modules.

Three sources, each reproduced exactly rather than approximated:

- The Signal ops' constant tensors and flexbuffer options, read from
  ``audio_preprocessor_int8.tflite`` (Hann window, mel filter bank weights,
  unweights, channel frequency starts, weight starts and widths, PCAN gain LUT).
- kissfft v130 FIXED_POINT=16 twiddles for the 512-point real FFT, computed the
  way ``kiss_fft_alloc`` / ``kiss_fftr_alloc`` do (double-precision cos/sin,
  ``floor(0.5 + 32767 * x)``): these are not stored in the model.
- The 130-entry log2 correction LUT of the Signal ``Log32``:
  ``round(65536 * (log2(1 + k/128) - k/128))`` for k = 0..128, then a 0 pad
  (equal to ``kLogLut`` in signal/src/log.cc).

Run ``python tests/dsp/bake_micro_speech_tables.py`` to rewrite
``device/midge/dsp/_micro_speech_tables.py``, ``_rfft512_tables.py`` and
``_log2_lut.py`` (the log2 LUT alone: every spectral and motion extractor uses
it, so it does not pull in the frontend's tables); ``test_micro_speech_tables.py``
checks they are up to date.
"""

import math
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO.parent / "shared" / "reference" / "tflm" / "micro_speech" / "audio_preprocessor_int8.tflite"
DSP_DIR = REPO / "device" / "midge" / "dsp"
TABLES_MODULE = DSP_DIR / "_micro_speech_tables.py"
RFFT_TABLES_MODULE = DSP_DIR / "_rfft512_tables.py"
LOG_LUT_MODULE = DSP_DIR / "_log2_lut.py"

FFT_LENGTH = 512
# Options the device code relies on; baking fails if the model says otherwise.
EXPECTED_OPTIONS = {
    "SignalWindow": {"shift": 12},
    "SignalRfft": {"fft_length": FFT_LENGTH, "T": 7},
    "SignalEnergy": {"start_index": 5, "end_index": 241},
    "SignalFilterBank": {"num_channels": 40},
    "SignalFilterBankSpectralSubtraction": {
        "num_channels": 40, "smoothing": 409, "one_minus_smoothing": 15975,
        "alternate_smoothing": 983, "alternate_one_minus_smoothing": 15401,
        "min_signal_remaining": 819, "smoothing_bits": 10,
        "spectral_subtraction_bits": 14, "clamping": False,
    },
    "SignalPCAN": {"snr_shift": 6},
    "SignalFilterBankLog": {"input_correction_bits": 3, "output_scale": 64},
}
# The model's builtin tail after FilterBankLog: int32 (x * 256 + 333) / 666 - 128, clipped.
EXPECTED_TAIL = ["CAST", "MUL", "ADD", "DIV", "ADD", "MINIMUM", "MAXIMUM", "CAST"]
EXPECTED_TAIL_CONSTANTS = [256, 333, 666, -128, 127, -128]


def _load_model(path):
    from tensorflow.lite.python import schema_py_generated as schema

    buf = Path(path).read_bytes()
    return schema, schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(buf, 0))


def _tensor_values(model, index):
    graph = model.subgraphs[0]
    tensor = graph.tensors[index]
    dtypes = {2: np.int32, 7: np.int16}
    data = model.buffers[tensor.buffer].data
    if data is None:
        raise ValueError(f"tensor {index} ({tensor.name!r}) has no constant data")
    return np.frombuffer(bytes(data), dtype=dtypes[tensor.type])


def model_ops(path=MODEL):
    """The ops of the model in order: list of (name, options dict, input tensor indices)."""
    from flatbuffers import flexbuffers

    schema, model = _load_model(path)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    ops = []
    for op in model.subgraphs[0].operators:
        code = model.operatorCodes[op.opcodeIndex]
        if code.customCode is not None:
            name = code.customCode.decode()
            options = flexbuffers.Loads(bytes(op.customOptions)) if op.customOptions is not None else {}
        else:
            name, options = names[max(code.builtinCode, code.deprecatedBuiltinCode)], {}
        ops.append((name, options, [int(i) for i in op.inputs]))
    return ops


def model_constants(path=MODEL):
    """Constant tensors of the Signal ops, checked against the options the device code assumes."""
    _, model = _load_model(path)
    ops = model_ops(path)
    by_name = {name: (options, inputs) for name, options, inputs in ops}
    for name, expected in EXPECTED_OPTIONS.items():
        options = by_name[name][0]
        for key, value in expected.items():
            if options.get(key) != value:
                raise ValueError(f"{name} option {key} is {options.get(key)!r}, expected {value!r}")
    tail = [name for name, _, _ in ops][-len(EXPECTED_TAIL):]
    if tail != EXPECTED_TAIL:
        raise ValueError(f"model tail ops are {tail}, expected {EXPECTED_TAIL}")
    tail_constants = [int(_tensor_values(model, inputs[1])[0])
                      for name, _, inputs in ops[-len(EXPECTED_TAIL):] if len(inputs) == 2]
    if tail_constants != EXPECTED_TAIL_CONSTANTS:
        raise ValueError(f"model tail constants are {tail_constants}, expected {EXPECTED_TAIL_CONSTANTS}")

    fb_inputs = by_name["SignalFilterBank"][1]
    for index in fb_inputs[1:3]:
        if _tensor_values(model, index).min() < 0:
            raise ValueError("filter bank weights must be non-negative")
    return {
        "WINDOW": _tensor_values(model, by_name["SignalWindow"][1][1]),
        "FB_WEIGHTS": _tensor_values(model, fb_inputs[1]),
        "FB_UNWEIGHTS": _tensor_values(model, fb_inputs[2]),
        "FB_FREQ_STARTS": _tensor_values(model, fb_inputs[3]),
        "FB_WEIGHT_STARTS": _tensor_values(model, fb_inputs[4]),
        "FB_WIDTHS": _tensor_values(model, fb_inputs[5]),
        "PCAN_LUT": _tensor_values(model, by_name["SignalPCAN"][1][2]),
    }


def _kiss_cexp(phase):
    return (math.floor(0.5 + 32767 * math.cos(phase)), math.floor(0.5 + 32767 * math.sin(phase)))


def kiss_twiddles(fft_length=FFT_LENGTH):
    """(twiddles, super_twiddles) of kiss_fftr_alloc(fft_length), interleaved re/im int16."""
    ncfft = fft_length // 2
    pi = 3.141592653589793238462643383279502884197169399375105820974944
    twiddles = []
    for i in range(ncfft):
        twiddles += _kiss_cexp(-2 * pi * i / ncfft)
    super_twiddles = []
    for i in range(ncfft // 2):
        super_twiddles += _kiss_cexp(-3.14159265358979323846264338327 * ((i + 1) / ncfft + .5))
    return np.array(twiddles, dtype=np.int16), np.array(super_twiddles, dtype=np.int16)


def log_lut():
    """Signal Log32's log2(1 + x) - x correction table, 128 segments in Q16."""
    return np.array([round(65536 * (math.log2(1 + k / 128) - k / 128)) for k in range(129)] + [0],
                    dtype=np.int16)


def frontend_tables(path=MODEL):
    return model_constants(path)


def rfft_tables():
    twiddles, super_twiddles = kiss_twiddles()
    return {"TWIDDLES": twiddles, "SUPER_TWIDDLES": super_twiddles}


FRONTEND_DOC = """Constants of the TFLM micro_speech frontend (int16 little-endian bytes).

Generated by tests/dsp/bake_micro_speech_tables.py from audio_preprocessor_int8.tflite
(the Signal ops' window, mel filter bank and PCAN gain LUT tensors). The Signal Log32
correction LUT is in _log2_lut. Do not edit by hand."""

LOG_LUT_DOC = """The Signal Log32 correction LUT (int16 little-endian bytes):
round(65536 * (log2(1 + k/128) - k/128)) for k = 0..128, then a 0 pad. Generated by
tests/dsp/bake_micro_speech_tables.py. Do not edit by hand."""

RFFT_DOC = """kissfft v130 FIXED_POINT=16 twiddles of a 512-point real FFT (int16 LE bytes).

TWIDDLES: the 256-point complex FFT's exp(-2*pi*i*k/256); SUPER_TWIDDLES: the
real-FFT split's exp(-i*pi*((k+1)/256 + 1/2)); interleaved re, im, each
floor(0.5 + 32767 * x) in double precision. Generated by
tests/dsp/bake_micro_speech_tables.py. Do not edit by hand."""


def _bytes_literal(values):
    raw = np.asarray(values, dtype="<i2").tobytes()
    lines = []
    for start in range(0, len(raw), 32):
        chunk = raw[start:start + 32]
        lines.append('    b"' + "".join(f"\\x{b:02x}" for b in chunk) + '"')
    return "(\n" + "\n".join(lines) + "\n)"


def render_module(doc, tables):
    """Source of a device tables module (int16 little-endian bytes, one constant each)."""
    out = ['"""' + doc + '"""', ""]
    for name, values in tables.items():
        out.append(f"{name} = {_bytes_literal(values)}")
        out.append("")
    return "\n".join(out)


def main():
    TABLES_MODULE.write_text(render_module(FRONTEND_DOC, frontend_tables()))
    RFFT_TABLES_MODULE.write_text(render_module(RFFT_DOC, rfft_tables()))
    LOG_LUT_MODULE.write_text(render_module(LOG_LUT_DOC, {"LOG_LUT": log_lut()}))
    print(f"wrote {TABLES_MODULE}, {RFFT_TABLES_MODULE} and {LOG_LUT_MODULE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
