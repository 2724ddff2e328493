"""Synthetic rain sounds (template "rainfall").

Each group is one recording session at one site: the surface drops hit (its
resonance and how loud it rings), a fixed microphone gain, and the site's
background (wind, sometimes traffic). Levels are absolute (dBFS at the
microphone), as a field recorder with a fixed gain captures them: how loud
the rain is is part of what tells the intensities apart, so no clip is
normalised to a level of its own.
"""

import numpy as np

from midge_host import recordings
from midge_host.dataset import wav
from midge_host.synth import signals

LABELS = ("no_rain", "low_rain", "medium_rain", "high_rain")
DEFAULT_COUNT = 200
CLIPS_PER_GROUP = 5
RATES = {"no_rain": (0.0, 0.5), "low_rain": (3.0, 20.0), "medium_rain": (40.0, 150.0),
         "high_rain": (300.0, 1000.0)}  # drops per second (uniform in log between the bounds)
DROP_DB = (-34.0, 6.0, 5.0)  # drop peak dBFS: median -34 + 6 log10(rate / 10), sd 5 dB
HISS_DB = (-16.0, -8.0)  # unresolved drops, relative to the resolved drops' mean power
SITE_GAIN_DB = (-5.0, 5.0)  # microphone gain x surface loudness, per site
WIND_DB = (-72.0, -52.0)  # site wind level, rms dBFS (each clip +-4 dB around it)
TRAFFIC = (0.4, -70.0, -54.0)  # share of sites near a road, rms dBFS range
BIRDS = 0.15  # share of clips (every class) with a bird-like chirp
DESCRIPTION = """
Drops arrive as a Poisson process; the rate of each clip is drawn
log-uniformly per class: no_rain 0-0.5 drops/s (stray drips), low_rain 3-20,
medium_rain 40-150, high_rain 300-1000. Heavier rain also has bigger drops:
a drop's peak level is log-normal with median -34 + 6 log10(rate / 10) dBFS
(-37 dBFS at 3 drops/s, -22 dBFS at 1000; sd 5 dB). A drop is a
decaying resonant click: a 0.3 ms noise burst plus one or two damped
sinusoids, resonance drawn log-normally around the site's surface frequency
(800-5000 Hz, per site), decay 2-12 ms. Drops too small to resolve add a
broadband hiss 8-16 dB below the drops' power, so the hiss also rises with
the rate. Levels are absolute: nothing is normalised per clip. Each site
(group) has a fixed microphone gain times surface loudness (-5 to +5 dB),
a wind level (-72 to -52 dBFS rms, +-4 dB per clip; pink and brown noise
with 0.05-0.5 Hz gusts), traffic rumble in 40 % of sites (-70 to -54 dBFS)
and a bird-like chirp (2-5 kHz sweep) in 15 % of clips; none of these
depend on the class. Heavy rain with a high gain can reach 0 dBFS and clip,
as a real recorder would.
"""


def check(project):
    """Nothing to check: numpy only."""


def counts(count):
    return {label: count or DEFAULT_COUNT for label in LABELS}


def jobs(project, label, n, seed):
    c = LABELS.index(label)
    return [(f"{label.split('_')[0]}-site{i // CLIPS_PER_GROUP:03d}", f"c{i % CLIPS_PER_GROUP}",
             (seed, c, i // CLIPS_PER_GROUP, i % CLIPS_PER_GROUP)) for i in range(n)]


def _drop(rate, surface, rng):
    """One drop impact with unit peak."""
    tau = rng.uniform(0.002, 0.012)
    length = int(5 * tau * rate)
    t = np.arange(length) / rate
    out = np.zeros(length)
    for _ in range(rng.integers(1, 3)):
        f = min(surface * rng.lognormal(0, 0.35), 0.45 * rate)
        out += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    out *= np.exp(-t / tau)
    burst = max(1, int(0.0003 * rate))
    out[:burst] += rng.standard_normal(burst)
    return out / (np.max(np.abs(out)) or 1.0)


def _wind(n, rate, rng):
    mix = rng.uniform(0.1, 0.5)  # mostly brown: wind noise at a microphone is low-frequency
    x = mix * signals.colored(n, rng, 1) + (1 - mix) * signals.colored(n, rng, 2)
    gusts = np.exp(rng.uniform(0.2, 1.0) * signals.smooth_walk(n, rng, rate, rng.uniform(0.05, 0.5)))
    x = x * gusts
    return x / (signals.rms(x) or 1.0)


def _traffic(n, rate, rng):
    """Road rumble: brown noise plus an engine's low harmonics, passing slowly (unit rms)."""
    t = np.arange(n) / rate
    engine = rng.uniform(25, 60)
    x = signals.colored(n, rng, 2)
    for k in range(1, 4):
        x += rng.uniform(0.1, 0.5) / k * np.sin(2 * np.pi * k * engine * t + rng.uniform(0, 2 * np.pi))
    x *= np.exp(0.5 * signals.smooth_walk(n, rng, rate, 0.3))
    return x / (signals.rms(x) or 1.0)


def _chirp(n, rate, rng):
    length = int(rate * rng.uniform(0.05, 0.2))
    t = np.arange(length) / rate
    f0, f1 = rng.uniform(2000, 5000, 2)
    out = np.zeros(n)
    at = rng.integers(0, max(1, n - length))
    piece = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * t[-1]))) * np.hanning(length)
    out[at:at + length] = piece[:n - at]
    return out


def render(project, job):
    seed, c, group, clip = job
    label = LABELS[c]
    rate, n = project.sample_rate, project.window_samples
    site = np.random.default_rng([seed, c, group])
    surface = np.exp(site.uniform(np.log(800), np.log(5000)))
    gain = signals.db(site.uniform(*SITE_GAIN_DB))
    wind_db = site.uniform(*WIND_DB)
    traffic_db = site.uniform(*TRAFFIC[1:]) if site.random() < TRAFFIC[0] else None
    rng = np.random.default_rng([seed, c, group, clip])
    lo, hi = RATES[label]
    per_second = np.exp(rng.uniform(np.log(lo), np.log(hi))) if lo > 0 else rng.uniform(0, hi)
    median_db = DROP_DB[0] + DROP_DB[1] * np.log10(max(per_second, 1.0) / 10)
    drops = np.zeros(n + int(0.08 * rate))
    for at in np.sort(rng.integers(0, n, rng.poisson(per_second * n / rate))):
        d = _drop(rate, surface, rng) * signals.db(median_db + DROP_DB[2] * rng.standard_normal())
        drops[at:at + len(d)] += d
    drops = drops[:n]
    # unresolved small drops: power proportional to the rate (mean drop energy ~ peak^2 x 7 ms / 4)
    hiss_power = per_second * signals.db(median_db) ** 2 * np.exp((DROP_DB[2] / 8.69) ** 2 * 2) * 0.007 / 4
    hiss = np.sqrt(hiss_power) * signals.db(rng.uniform(*HISS_DB)) * signals.colored(n, rng, 0.3)
    background = signals.db(wind_db + rng.uniform(-4, 4)) * _wind(n, rate, rng)
    if traffic_db is not None:
        background += signals.db(traffic_db + rng.uniform(-3, 3)) * _traffic(n, rate, rng)
    if rng.random() < BIRDS:
        background += signals.db(rng.uniform(-50, -30)) * _chirp(n, rate, rng)
    x = gain * (drops + hiss + background)
    return recordings.encode_wav(wav.to_int16(x)[0], rate)
