"""Synthetic rain sounds (template "rainfall").

Each group is one recording session: a site (the surface drops hit and its
resonances), a background wind level and a microphone gain.
"""

import numpy as np

from midge_host.dataset import wav
from midge_host.synth import signals

LABELS = ("no_rain", "low_rain", "medium_rain", "high_rain")
DEFAULT_COUNT = 100
CLIPS_PER_GROUP = 5
RATES = {"no_rain": (0.0, 0.5), "low_rain": (3.0, 20.0), "medium_rain": (40.0, 150.0),
         "high_rain": (300.0, 1000.0)}  # drops per second (uniform in log between the bounds)
DESCRIPTION = """
Drops arrive as a Poisson process; the rate of each clip is drawn
log-uniformly per class: no_rain 0-0.5 drops/s (stray drips), low_rain 3-20,
medium_rain 40-150, high_rain 300-1000 (at high rates unresolved small drops
also add a hiss, 12-24 dB below the drops). A drop is a decaying resonant
click: a 0.3 ms noise burst plus one or two damped sinusoids, resonance drawn
log-normally around the site's surface frequency (800-5000 Hz, per group),
decay 2-15 ms, amplitude log-normal (sd 0.8). Background: wind-like pink and
brown noise with slow gusts (0.05-0.5 Hz envelope), level per site and
clip; a bird-like chirp (2-5 kHz sweep) in 15 % of clips of every class.
Levels: drops 0-25 dB above the background (per session); peak -35 to -3 dBFS.
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
    tau = rng.uniform(0.002, 0.015)
    length = int(5 * tau * rate)
    t = np.arange(length) / rate
    out = np.zeros(length)
    for _ in range(rng.integers(1, 3)):
        f = min(surface * rng.lognormal(0, 0.35), 0.45 * rate)
        out += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    out *= np.exp(-t / tau)
    burst = max(1, int(0.0003 * rate))
    out[:burst] += rng.standard_normal(burst)
    return out * rng.lognormal(0, 0.8)


def _wind(n, rate, rng):
    mix = rng.uniform(0.2, 1.0)
    x = mix * signals.colored(n, rng, 1) + (1 - mix) * signals.colored(n, rng, 2)
    gusts = np.exp(rng.uniform(0.2, 1.0) * signals.smooth_walk(n, rng, rate, rng.uniform(0.05, 0.5)))
    return x * gusts


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
    drop_db = site.uniform(0, 25)
    rng = np.random.default_rng([seed, c, group, clip])
    lo, hi = RATES[label]
    per_second = np.exp(rng.uniform(np.log(lo), np.log(hi))) if lo > 0 else rng.uniform(0, hi)
    drops = np.zeros(n + int(0.08 * rate))
    for at in np.sort(rng.integers(0, n, rng.poisson(per_second * n / rate))):
        d = _drop(rate, surface, rng)
        drops[at:at + len(d)] += d
    drops = drops[:n]
    if per_second > 200:
        drops += signals.rms(drops) * signals.db(-rng.uniform(12, 24)) * signals.colored(n, rng, 0.3)
    background = _wind(n, rate, rng)
    if rng.random() < 0.15:
        background = background + rng.uniform(1, 4) * _chirp(n, rate, rng)
    level = signals.rms(background)
    x = background + drops * (level * signals.db(drop_db) / (np.max(np.abs(drops)) or 1.0))
    x = signals.to_peak(x, signals.db(rng.uniform(-35, -3)))
    return wav.encode(wav.to_int16(x)[0], rate)
