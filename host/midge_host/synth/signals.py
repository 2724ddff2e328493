"""Signal building blocks shared by the synthetic generators (numpy, float64).

Every function takes its ``rng`` (a ``numpy.random.Generator``) explicitly,
so a generator seeded the same way produces the same samples.
"""

import numpy as np


def colored(n, rng, exponent):
    """Noise of ``n`` samples with power spectrum ~ 1 / f**exponent (0 white,
    1 pink, 2 brown), unit standard deviation."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1.0
    spectrum *= f ** (-exponent / 2)
    spectrum[0] = 0
    x = np.fft.irfft(spectrum, n)
    return x / (np.std(x) or 1.0)


def smooth_walk(n, rng, rate, cutoff_hz):
    """A slowly varying random curve (zero mean, unit std): white noise
    low-passed at ``cutoff_hz`` in the frequency domain."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    spectrum *= np.exp(-0.5 * (freqs / cutoff_hz) ** 2)
    spectrum[0] = 0
    x = np.fft.irfft(spectrum, n)
    return x / (np.std(x) or 1.0)


def hum(n, rate, rng):
    """Mains hum: 50 or 60 Hz with a few odd harmonics, unit peak-ish level."""
    base = rng.choice([50.0, 60.0])
    t = np.arange(n) / rate
    out = np.zeros(n)
    for k, level in ((1, 1.0), (3, 0.4 * rng.random()), (5, 0.2 * rng.random())):
        if base * k < rate / 2:
            out += level * np.sin(2 * np.pi * base * k * t + rng.uniform(0, 2 * np.pi))
    return out


def rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def at_snr(signal, noise, snr_db, reference=None):
    """``signal + noise`` with the noise scaled to ``snr_db`` below the rms of
    ``reference`` (default: the signal's loudest tenth, so a brief event
    keeps its SNR)."""
    if reference is None:
        power = np.sort(np.square(signal))[-max(1, len(signal) // 10):]
        level = float(np.sqrt(np.mean(power)))
    else:
        level = reference
    return signal + noise * (level / (rms(noise) or 1.0)) * 10 ** (-snr_db / 20)


def to_peak(x, peak):
    """``x`` scaled so its largest magnitude is ``peak`` (silence stays silent)."""
    top = float(np.max(np.abs(x))) if len(x) else 0.0
    return x * (peak / top) if top > 0 else x


def db(value):
    return 10 ** (value / 20)
