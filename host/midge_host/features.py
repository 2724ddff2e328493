"""Feature extraction on the host, bit-identical with the board.

``extract(config, clips, engine="auto")`` turns int16 clips (one window each:
the first ``window_samples`` of every clip) into an array of shape
(clips, frame_count, feature_count), int8 (int32 for motion with "output":
"int32"). Engines:

- ``"micropython"``: the device package itself under the MicroPython unix port
  (viper on), one process per CPU core for a large batch, clips and features
  through temporary files.
- ``"host"``: a vectorised numpy mirror of the device code (in cache-sized
  batches) for spectrogram, mfe, mfcc and motion (tests/dsp/test_features_parity.py proves it
  bit-identical over a corpus); for micro_speech, whose frontend is stateful
  frame to frame, the device code under CPython (exact, slow).
- ``"auto"`` (default): the fastest exact engine for the kind: "host" for
  spectrogram, mfe, mfcc and motion, "micropython" for micro_speech.

The mirrors compute with the device extractors' public tables (FFT
twiddles, mel filters, DCT, biquad, band bins: documented in
``midge.dsp.spectral``, ``midge.dsp.motion`` and ``midge.dsp.fft``), built by
the device code under CPython, so both engines use the very same integers.
Images (``"image"``) are pixels - 128 on both.
"""

import functools
import json
import os
import tempfile
from array import array
from pathlib import Path

import numpy as np

from midge.dsp import fft, fixedpoint, mel, spectral
from midge.features import build
from midge_host.errors import MidgeError
from midge_host.unixport import run_batch

ENGINES = ("auto", "micropython", "host")
CHUNK_FRAMES = 256
_LUT = np.array(fixedpoint.LOG2_LUT, dtype=np.int64)


def extractor(config):
    """The device extractor for ``config`` (under CPython); MidgeError if invalid."""
    try:
        return build(config)
    except ValueError as err:
        raise MidgeError(f"bad feature config: {err}",
                         hint="see docs/features.md for each kind's parameters") from None


def output_dtype(fx):
    """numpy dtype of an extractor's features."""
    return np.int32 if fx.config.get("output") == "int32" else np.int8


def default_engine(kind):
    """The fastest exact engine for a feature kind."""
    return "micropython" if kind == "micro_speech" else "host"


def extract(config, clips, engine="auto"):
    """Features of each clip's first window: array (clips, frames, features)."""
    fx = extractor(config)
    if engine not in ENGINES:
        raise MidgeError(f"unknown feature engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}")
    if engine == "auto":
        engine = default_engine(fx.config["kind"])
    windows = _windows(fx, clips)
    if engine == "micropython":
        flat = _run_unix_port(fx, windows)
    elif fx.config["kind"] == "micro_speech":
        flat = _run_cpython(fx, windows)
    elif fx.config["kind"] == "image":
        flat = (windows.astype(np.int16) - 128).astype(np.int8)
    else:
        mirror = motion_mirror if fx.config["kind"] == "motion" else spectral_mirror
        step = max(1, CHUNK_FRAMES // fx.frame_count)  # cache-sized batches run faster
        parts = [mirror(fx, windows[i:i + step]) for i in range(0, len(windows), step)]
        flat = np.concatenate(parts) if parts else np.zeros((0, fx.feature_count * fx.frame_count))
    return flat.reshape(len(windows), fx.frame_count, fx.feature_count)


def _windows(fx, clips):
    n = fx.window_samples
    out = np.zeros((len(clips), n), dtype=np.int16)
    for i, clip in enumerate(clips):
        clip = np.asarray(clip)
        if clip.dtype.kind not in "iu":
            raise MidgeError(f"clip {i} holds {clip.dtype} values, not int16 samples")
        if clip.size < n:
            raise MidgeError(f"clip {i} has {clip.size} samples, shorter than one window ({n})")
        flat = clip.reshape(-1)[:n]
        if flat.min(initial=0) < -32768 or flat.max(initial=0) > 32767:
            raise MidgeError(f"clip {i} has values outside int16")
        out[i] = flat
    return out


def _run_unix_port(fx, windows):
    """The device code under the unix port, one process per CPU core (at least
    64 windows each)."""
    dtype = "<i4" if output_dtype(fx) == np.int32 else "i1"
    size = fx.frame_count * fx.feature_count * np.dtype(dtype).itemsize
    jobs = max(1, min(os.cpu_count() or 1, len(windows) // 64))
    with tempfile.TemporaryDirectory(prefix="midge-features-") as tmp:
        spec = Path(tmp) / "config.json"
        spec.write_text(json.dumps(fx.config))
        records = windows.astype("u1" if fx.config["kind"] == "image" else "<i2").tobytes()
        raw = run_batch("features", spec, records, len(windows), size, jobs)
    return np.frombuffer(raw, dtype=dtype).astype(output_dtype(fx)).reshape(len(windows), -1)


def _run_cpython(fx, windows):
    out = fx.new_output()
    rows = []
    for window in windows:
        fx.process(array("h", window.tobytes()), out)
        rows.append(np.frombuffer(bytes(out), dtype=output_dtype(fx)))
    return np.array(rows)


# -- numpy mirror: the device's integer arithmetic on int64 arrays --

def bit_length(x):
    """Bits needed for each non-negative int64 (exact below 2**53)."""
    return np.frexp(x.astype(np.float64))[1].astype(np.int64)


def _shift(x, left):
    """x << left where left >= 0, x >> -left where left < 0 (elementwise)."""
    return np.left_shift(x, np.maximum(left, 0)) >> np.maximum(-left, 0)


def log2_q16(x):
    """fixedpoint.log2_q16 elementwise (x >= 1)."""
    integer = bit_length(x) - 1
    frac = _shift(x - np.left_shift(1, integer), 16 - integer)
    seg = frac >> 9
    c0 = _LUT[seg]
    return (integer << 16) + frac + c0 + (((_LUT[seg + 1] - c0) * (frac & 511)) >> 9)


@functools.lru_cache(maxsize=None)
def _fft_tables(size):
    """The device FFT's permutation and twiddles as int64 arrays."""
    dev = fft.Rfft(size)
    return (np.frombuffer(dev.perm, dtype=np.uint16).astype(np.int64),
            np.array(dev.twiddles, dtype=np.int64), np.array(dev.split_twiddles, dtype=np.int64))


def rfft(frames, size, autoscale=True):
    """fft.Rfft(size).compute for each row of ``frames`` (int64): (re, im, shift)."""
    perm, tw, stw = _fft_tables(size)
    m = size // 2
    frames = frames.astype(np.int64)
    if autoscale:
        peak = np.abs(frames).max(axis=1)
        shift = np.where(peak > 0, 15 - bit_length(peak), 0)
    else:
        shift = np.zeros(len(frames), np.int64)
    x = _shift(frames, shift[:, None])
    zr = x[:, 0::2][:, perm]
    zi = x[:, 1::2][:, perm]
    half = 1
    while half < m:
        groups = m // (2 * half)
        shape = (len(x), groups, 2, half)
        zr = zr.reshape(shape)
        zi = zi.reshape(shape)
        ar, ai, br, bi = zr[:, :, 0], zi[:, :, 0], zr[:, :, 1], zi[:, :, 1]
        if half == 1:
            tr, ti = br, bi
        else:
            k = np.arange(half) * groups
            wr, wi = tw[2 * k], tw[2 * k + 1]
            tr = (br * wr - bi * wi + 16384) >> 15
            ti = (br * wi + bi * wr + 16384) >> 15
        zr = np.stack([ar + tr, ar - tr], axis=2).reshape(len(x), m)
        zi = np.stack([ai + ti, ai - ti], axis=2).reshape(len(x), m)
        half *= 2
    k = np.arange(m + 1)
    j = k % m
    r = (m - k) % m
    wr, wi = stw[2 * k], stw[2 * k + 1]
    sr = zr[:, j] + zr[:, r]
    si = zi[:, j] - zi[:, r]
    pr = zi[:, j] + zi[:, r]
    pi = zr[:, r] - zr[:, j]
    tr = (pr * wr - pi * wi + 16384) >> 15
    ti = (pr * wi + pi * wr + 16384) >> 15
    return (sr + tr) >> 1, (si + ti) >> 1, shift


def _frames(fx, windows):
    """Prepared FFT input of every frame: (clips * frames, fft_length) int64."""
    n_fft, used = fx.fft_length, fx.used_samples
    starts = np.arange(fx.frame_count) * fx.stride_samples
    idx = starts[:, None] + np.arange(used)[None, :]
    x = windows.astype(np.int64)
    frames = x[:, idx]
    if fx.pre_emphasis_q15:
        padded = np.concatenate([np.zeros((len(x), 1), np.int64), x], axis=1)
        frames = frames - ((fx.pre_emphasis_q15 * padded[:, idx] + 16384) >> 15)
    out = np.zeros((len(x) * fx.frame_count, n_fft), np.int64)
    out[:, :used] = frames.reshape(-1, used)
    return out


def _db_int8(logs, consts):
    a, b, lo, hi = (int(v) for v in consts[:4])
    q = (((np.clip(logs, lo, hi) >> 6) * a + b) >> 21) - 128
    return np.clip(q, -128, 127).astype(np.int8)


def _mel_matrix(fx):
    fb = list(fx.filter_bank)
    weights = np.zeros((fx.fft_length // 2 + 1, fx.num_filters), np.int64)
    for c in range(fx.num_filters):
        first, width, at = fb[3 * c:3 * c + 3]
        weights[first:first + width, c] = fb[at:at + width]
    return weights


def spectral_mirror(fx, windows):
    """The spectrogram / mfe / mfcc output of every window, flattened per window."""
    re, im, shift = rfft(_frames(fx, windows), fx.fft_length)
    offset = (-((2 * shift + 30 + fx.log2_fft_length) << 16))[:, None]
    if fx.config["kind"] == "spectrogram":
        re, im = np.abs(re), np.abs(im)
        t = np.maximum(bit_length(np.maximum(re, im)) - 15, 0)
        e = (re >> t) ** 2 + (im >> t) ** 2
        logs = np.where(e > 0, log2_q16(np.maximum(e, 1)) + ((2 * t) << 16) + offset, spectral.LOG_NONE)
        return _db_int8(logs, fx.int8_constants).reshape(len(windows), -1)
    peak = np.maximum(np.abs(re).max(axis=1), np.abs(im).max(axis=1))
    b = np.maximum(bit_length(peak) - fx.top_bits, 0)[:, None]
    power = (re >> b) ** 2 + (im >> b) ** 2
    acc = power @ _mel_matrix(fx)
    t = np.maximum(bit_length(acc) - 30, 0)
    logs = np.where(acc > 0, log2_q16(np.maximum(acc >> t, 1)) + ((t + 2 * b - 12) << 16) + offset,
                    spectral.LOG_NONE)
    if fx.kind == "mfe":
        return _db_int8(logs, fx.int8_constants).reshape(len(windows), -1)
    floor, scale = int(fx.int8_constants[2]), int(fx.int8_constants[4])
    lq8 = ((np.clip(logs - floor, 0, mel.L_RANGE) >> 4) * mel.LN2_Q12 + 32768) >> 16
    dct = np.array(fx.dct, dtype=np.int64).reshape(fx.num_cepstral, fx.num_filters)
    q = (lq8 @ dct.T + (1 << (20 - scale))) >> (21 - scale)
    return np.clip(q, -128, 127).astype(np.int8).reshape(len(windows), -1)


def sqrt64(x):
    """fixedpoint.sqrt64 elementwise for 0 <= x < 2**52: floor root, plus 1 when
    the remainder exceeds the root (not for 0xFFFF below 2**32)."""
    r = np.floor(np.sqrt(x.astype(np.float64))).astype(np.int64)
    r = np.where(r * r > x, r - 1, r)
    r = np.where((r + 1) * (r + 1) <= x, r + 1, r)
    bump = (x - r * r > r) & ~((x < (1 << 32)) & (r == 0xFFFF))
    return r + bump


def _biquad(fx, x):
    b0, b1, b2, a1, a2 = (int(v) for v in fx.biquad_q14)
    y = np.zeros_like(x)
    x1 = x2 = y1 = y2 = np.zeros(len(x), np.int64)
    for i in range(x.shape[1]):
        x0 = x[:, i]
        v = np.clip((b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2 + 8192) >> 14, -32768, 32767)
        x2, x1, y2, y1 = x1, x0, y1, v
        y[:, i] = v
    return y


def motion_mirror(fx, windows):
    """The motion features of every window (int32 values before the int8 mapping)."""
    n, axes = fx.window_frames, fx.axes
    raw = windows.astype(np.int64).reshape(len(windows), n, axes)
    columns = []
    for axis in range(axes):
        y = raw[:, :, axis]
        if fx.filtered:
            y = _biquad(fx, y)
        total = y.sum(axis=1)
        mean = (2 * total + n) // (2 * n)
        p2p = y.max(axis=1) - y.min(axis=1)
        d = y - mean[:, None]
        sq = (d * d).sum(axis=1)
        std_q4 = sqrt64((sq << 8) // n)
        rms = sqrt64((sq + 2 * mean * (total - n * mean) + n * mean * mean) // n)
        safe = np.maximum(std_q4, 1)[:, None]
        z = np.minimum(np.abs(d) * 4096 // safe, 4095) * np.sign(d)
        z2 = (z * z) >> 8
        has = std_q4 > 0
        skew = np.where(has, ((z2 * z) >> 8).sum(axis=1) // n, 0)
        kurt = np.where(has, ((z2 * z2) >> 8).sum(axis=1) // n - 768, 0)
        # in the order of midge.dsp.motion.STATS, with their int8 shifts
        stats = [(mean, 8), (rms, 8), ((std_q4 + 8) >> 4, 8), (skew, 4), (kurt, 5), (p2p, 9)]
        columns += [_put(fx, v, s, False) for v, s in stats]
        columns += [_put(fx, v, 8, True) for v in _band_db(fx, d)]
    return np.stack(columns, axis=1).astype(output_dtype(fx))


def _band_db(fx, d):
    nfft, frames = fx.fft_length, fx.welch_frames
    n = d.shape[1]
    padded = np.zeros((len(d), max(n, nfft)), np.int64)
    padded[:, :n] = d
    starts = np.arange(frames) * (nfft // 2)
    chunks = padded[:, starts[:, None] + np.arange(nfft)[None, :]].reshape(-1, nfft)
    re, im, _ = rfft(chunks, nfft, autoscale=False)
    re = re.reshape(len(d), frames, -1)
    im = im.reshape(len(d), frames, -1)
    peak = np.maximum(np.abs(re).max(axis=(1, 2)), np.abs(im).max(axis=(1, 2)))
    shift = np.maximum(bit_length(peak) - 14, 0)[:, None, None]
    power = ((re >> shift) ** 2 + (im >> shift) ** 2).sum(axis=1)
    shift = shift[:, 0, 0]
    bands = list(fx.band_bins)
    out = []
    for i in range(fx.band_count):
        total = power[:, bands[2 * i]:bands[2 * i + 1]].sum(axis=1)
        t = np.maximum(bit_length(total) - 30, 0)
        log2 = log2_q16(np.maximum(total >> t, 1)) + ((t + 2 * shift) << 16) + fx.log2_norm_q16
        db = (log2 * fixedpoint.DB_PER_LOG2_Q24 + (1 << 31)) >> 32
        out.append(np.where(total > 0, db, -120 * 256))
    return out


def _put(fx, value, shift, rounded):
    if not fx.int8_output:
        return value
    if rounded:
        value = value + (1 << (shift - 1))
    return np.clip(value >> shift, -128, 127)

