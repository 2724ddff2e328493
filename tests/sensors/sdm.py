"""A 2nd-order sigma-delta modulator and SNR measurement for the PDM decimator tests."""

import numpy as np


def sigma_delta2(x):
    """Bits (0/1 uint8) of a 2nd-order (CIFB, two delaying integrators) modulator
    driven by ``x`` (floats in -1..1 at the PDM rate)."""
    bits = np.empty(len(x), dtype=np.uint8)
    i1 = i2 = 0.0
    y = 0.0
    xs = x.tolist()
    for n, v in enumerate(xs):
        i1 += v - y
        i2 += i1 - 2.0 * y
        b = 1 if i2 >= 0.0 else 0
        y = 1.0 if b else -1.0
        bits[n] = b
    return bits


def tone(freq, level_db, pdm_rate, seconds, phase=0.3):
    n = int(pdm_rate * seconds)
    t = np.arange(n) / pdm_rate
    return 10 ** (level_db / 20) * np.sin(2 * np.pi * freq * t + phase)


def pack_i2s32(bits):
    """PDM bits as I2S 32-bit words: 32 bits per word, first in the MSB, little-endian bytes."""
    nb = len(bits) - len(bits) % 32
    words = np.packbits(bits[:nb]).reshape(-1, 4)  # big-endian bytes, first bit in MSB
    return words[:, ::-1].tobytes()


def snr_db(y, freq, rate, skip):
    """SINAD of ``y`` for a tone at ``freq``: least-squares fit of sin/cos/DC over
    y[skip:], signal power of the fit over the residual power."""
    y = np.asarray(y[skip:], dtype=float)
    t = (np.arange(len(y)) + skip) / rate
    basis = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t), np.ones_like(t)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    fit = basis[:, :2] @ coef[:2]
    resid = y - basis @ coef
    return 10 * np.log10(np.mean(fit ** 2) / np.mean(resid ** 2)), float(np.hypot(coef[0], coef[1]))
