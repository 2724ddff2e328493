"""The baked frontend constants match the model and kissfft, and the value
ranges the viper twins rely on hold (device code imported into CPython)."""

from array import array

import numpy as np
import pytest

import bake_micro_speech_tables as bake
from midge.dsp import micro_speech as ms  # the device package: plain paths under CPython
from midge.dsp.fixedpoint import wide_dynamic
from ms_oracle import FRAME, STRIDE, frames_of, micro_speech_dir, synthetic_signals


@pytest.fixture(scope="module")
def model(reference_dir):
    return micro_speech_dir(reference_dir) / "audio_preprocessor_int8.tflite"


def test_baked_modules_are_up_to_date(model):
    assert bake.TABLES_MODULE.read_text() == bake.render_module(bake.FRONTEND_DOC, bake.frontend_tables(model)), \
        "run python tests/dsp/bake_micro_speech_tables.py"
    assert bake.RFFT_TABLES_MODULE.read_text() == bake.render_module(bake.RFFT_DOC, bake.rfft_tables())
    assert bake.LOG_LUT_MODULE.read_text() == bake.render_module(bake.LOG_LUT_DOC, {"LOG_LUT": bake.log_lut()})


def test_model_ops_are_the_ones_implemented(model):
    names = [name for name, _, _ in bake.model_ops(model)]
    assert names[:3] == ["SignalWindow", "RESHAPE", "SignalFftAutoScale"]
    assert "SignalFilterBankLog" in names


def test_pcan_gain_is_never_negative():
    # The viper PCAN multiplies by the gain as a small positive int; C would
    # reinterpret a negative int16 gain as a huge uint32. Check every curve point.
    from midge.dsp import _micro_speech_tables
    lut = array("h", _micro_speech_tables.PCAN_LUT)
    xs = list(range(2048)) + [(1024 | frac) << shift for shift in range(1, 22) for frac in range(1024)]
    gains = [wide_dynamic(x, lut) for x in xs]
    assert min(gains) >= 0 and max(gains) < 32768


def test_intermediate_ranges_leave_32_bit_headroom():
    # The viper filter bank and tail keep every value below 2**31 given channel
    # sums < 2**41 (roots < 2**21); full-scale synthetic signals stay well inside.
    fe = ms.MicroSpeechFrontend()
    biggest = 0
    for samples in synthetic_signals().values():
        for f in range(frames_of(samples)):
            frame = array("h", samples[f * STRIDE:f * STRIDE + FRAME].tobytes())
            scale = ms._window_plain(frame, 0, fe._window, fe._frame)
            fe._fft.compute(fe._frame, FRAME, fe._spectrum)
            ms._filterbank_plain(fe._spectrum, fe._fb, fe._energy, fe.roots)
            energy = sum(fe._energy[ms._ENERGY_START:ms._ENERGY_END])
            biggest = max(biggest, max(fe.roots), energy >> 8)  # energy < 2**29
            assert 0 <= scale <= 15
    assert biggest < 2 ** 21
    assert np.log2(biggest) > 18  # the corpus does reach loud levels
