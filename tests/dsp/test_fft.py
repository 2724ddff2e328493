"""midge.dsp.fft: the same ints under the unix port (viper, plain) and CPython
as the numpy mirror (midge_host.features.rfft), for every size; its precision
against numpy's float FFT (the SNR quoted in docs/features.md); and the exact
integer helpers (intmath, fixedpoint.log2_q16)."""

import math
from array import array
from pathlib import Path

import numpy as np
import pytest

from midge.dsp import intmath
from midge.dsp.fft import SIZES, Rfft
from midge.dsp.fixedpoint import log2_q16
from midge_host import features as host

SCRIPTS = Path(__file__).parent / "device_scripts"
MIN_SNR_DB = 90.0  # measured 91.6..95.2 dB (docs/features.md)


def corner_frames(n, seed=7):
    """Frames that hit the FFT's corners: full scale, pre-emphasis range, impulses, tiny."""
    rng = np.random.default_rng(seed + n)
    t = np.arange(n)
    return np.stack([
        rng.integers(-32768, 32768, n),
        rng.integers(-65535, 65536, n),  # pre-emphasised audio can exceed int16
        np.round(rng.standard_normal(n) * 3).astype(np.int64),
        np.full(n, -32768),
        np.where(t % 2, 32767, -32768),
        np.where(t == n // 3, -65535, 0),
        np.zeros(n, np.int64),
        np.round(30000 * np.cos(2 * np.pi * 5.5 * t / n)).astype(np.int64),
    ]).astype(np.int64)



@pytest.mark.parametrize("n", SIZES)
def test_device_fft_matches_the_numpy_mirror(device_python, n, tmp_path):
    frames = corner_frames(n)
    frames.astype("<i4").tofile(tmp_path / "frames.bin")
    code = (f"import sys\nsys.path.append({str(SCRIPTS)!r})\nimport fft_batch\n"
            f"fft_batch.run({n}, {str(tmp_path / 'frames.bin')!r}, {str(tmp_path / 'out.bin')!r}, {len(frames)})\n")
    device_python(code=code).check()
    got = np.fromfile(tmp_path / "out.bin", dtype="<i4").reshape(len(frames), 2, n + 3)
    for k, autoscale in enumerate((True, False)):
        re, im, shift = host.rfft(frames, n, autoscale)
        want = np.empty((len(frames), n + 2), np.int64)
        want[:, 0::2], want[:, 1::2] = re, im
        assert np.array_equal(got[:, k, :n + 2], want), f"autoscale={autoscale}"
        assert np.array_equal(got[:, k, n + 2], shift)


@pytest.mark.parametrize("n", SIZES)
def test_fft_snr_against_numpy_float(n):
    """SNR = sum |X|^2 / sum |X - X_int|^2 over 20 frames of each kind, with X =
    numpy.fft.rfft(frame * 2**shift)."""
    fft = Rfft(n)
    out = array("i", bytes(4 * (n + 2)))
    rng = np.random.default_rng(n)
    t = np.arange(n)
    for kind in ("white_full", "white_quiet", "tones"):
        signal = noise = 0.0
        for _ in range(20):
            if kind == "white_full":
                x = rng.integers(-32768, 32768, n)
            elif kind == "white_quiet":
                x = np.round(rng.standard_normal(n) * 30).astype(np.int64)
            else:
                x = np.round(20000 * np.sin(2 * np.pi * rng.uniform(0, n / 2) * t / n)).astype(np.int64)
            shift = fft.compute(array("i", x.tolist()), out)
            got = np.array(out, dtype=np.float64).reshape(-1, 2) @ [1, 1j]
            want = np.fft.rfft(x * 2.0 ** shift)
            signal += np.sum(np.abs(want) ** 2)
            noise += np.sum(np.abs(got - want) ** 2)
        snr = 10 * math.log10(signal / noise)
        assert snr >= MIN_SNR_DB, f"rfft{n} {kind}: SNR {snr:.1f} dB"


def test_fft_rejects_other_sizes():
    for n in (32, 100, 2048):
        with pytest.raises(ValueError, match="FFT length must be one of"):
            Rfft(n)


def test_sin_cos_is_exactly_rounded_and_symmetric():
    for den in (4, 64, 1000, 2048, 4 * 40):
        for num in range(den):
            s, c = intmath.sin_cos(num, den, 15)
            angle = 2 * math.pi * num / den
            assert abs(s - 32768 * math.sin(angle)) <= 0.5 + 1e-6
            assert abs(c - 32768 * math.cos(angle)) <= 0.5 + 1e-6
    assert intmath.sin_cos(0, 8, 15) == (0, 32768)
    assert intmath.sin_cos(2, 8, 15) == (32768, 0)
    assert intmath.sin_cos(4, 8, 15) == (0, -32768)


def test_isqrt_and_round_div():
    rng = np.random.default_rng(3)
    for v in [0, 1, 2, 3, 4, 2**52 - 1, 2**52, 10**40] + [int(x) for x in rng.integers(0, 2**62, 200)]:
        assert intmath.isqrt(v) == math.isqrt(v)
    assert [intmath.round_div(a, 4) for a in (-6, -5, -2, 2, 5, 6)] == [-2, -1, -1, 1, 1, 2]


def test_log2_q16_is_within_3_lsb():
    xs = list(range(1, 70000)) + [2**k + d for k in range(17, 31) for d in (-1, 0, 1, 12345)]
    worst = max(abs(log2_q16(x) - 65536 * math.log2(x)) for x in xs)
    assert worst < 3
    mirror = host.log2_q16(np.array(xs, dtype=np.int64))
    assert mirror.tolist() == [log2_q16(x) for x in xs]
