"""Synthetic mosquito wingbeat recordings (template "mosquito").

Each group is one insect; its clips are passes of that insect by the
microphone. See DESCRIPTION for the model of each class.
"""

import numpy as np

from midge_host import recordings
from midge_host.dataset import wav
from midge_host.synth import signals

LABELS = ("aedes_aegypti", "aedes_albopictus", "other", "background")
DEFAULT_COUNT = 120
CLIPS_PER_GROUP = 4
# Wingbeat fundamental (Hz): mean, sd, clipped range; relative harmonic amplitudes 1..6.
SPECIES = {
    "aedes_aegypti": [((525, 30), (450, 600), (1.0, 0.60, 0.22, 0.30, 0.08, 0.10))],
    "aedes_albopictus": [((625, 30), (550, 700), (1.0, 0.32, 0.42, 0.10, 0.16, 0.04))],
    "other": [((375, 35), (300, 450), (1.0, 0.75, 0.35, 0.20, 0.12, 0.06)),   # Culex-like
              ((200, 25), (150, 250), (1.0, 0.85, 0.60, 0.45, 0.30, 0.20))],  # flies
}
DESCRIPTION = """
Sampled at the project rate; one clip per window. An insect (one group) gets a
wingbeat fundamental f0 drawn from its class and a harmonic profile (the
class profile times log-normal factors, sd 20 %):

| class | f0 (Hz) | harmonics 1..6 (relative amplitude) |
|---|---|---|
| aedes_aegypti | N(525, 30) in 450..600 | 1, .60, .22, .30, .08, .10 |
| aedes_albopictus | N(625, 30) in 550..700 | 1, .32, .42, .10, .16, .04 |
| other | Culex-like N(375, 35) in 300..450, or fly-like N(200, 25) in 150..250 | 1, .75, .35, .20, .12, .06 / 1, .85, .60, .45, .30, .20 |
| background | no insect | - |

Each clip is one or two flight passes: a Gaussian or asymmetric (fast
onset, slow decay) envelope, or a loitering insect (slowly wandering level);
f0 wanders slowly (+-1.5 %, as in free flight, plus Doppler-like drift) with
fast jitter (0.3 %); amplitude modulation at 4-20 Hz (depth up to 30 %).
Recording noise: white, pink and brown mixes, mains hum (50/60 Hz) on
a third of clips, at an SNR of 0-30 dB to the pass's loudest part; peak level
-30 to -3 dBFS. Background clips are that noise alone, with clicks and
low rumble on some.
"""


def check(project):
    """Nothing to check: numpy only."""


def counts(count):
    return {label: count or DEFAULT_COUNT for label in LABELS}


def jobs(project, label, n, seed):
    c = LABELS.index(label)
    prefix = label.replace("aedes_", "")
    return [(f"{prefix}-i{i // CLIPS_PER_GROUP:03d}", f"c{i % CLIPS_PER_GROUP}",
             (seed, c, i // CLIPS_PER_GROUP, i % CLIPS_PER_GROUP)) for i in range(n)]


def _insect(label, rng):
    (mean, sd), (lo, hi), profile = SPECIES[label][rng.integers(len(SPECIES[label]))]
    f0 = float(np.clip(rng.normal(mean, sd), lo, hi))
    harmonics = np.array(profile) * rng.lognormal(0, 0.2, len(profile))
    return f0, harmonics, rng.uniform(0, 2 * np.pi, len(profile))


def _envelope(n, rate, rng):
    t = np.arange(n) / rate
    dur = n / rate
    env = np.zeros(n)
    style = rng.integers(3)
    if style == 2:  # loitering near the microphone
        return 0.6 + 0.4 * np.tanh(signals.smooth_walk(n, rng, rate, 1.5))
    for _ in range(1 + int(rng.random() < 0.3)):
        centre = rng.uniform(0.1, 0.9) * dur
        width = rng.uniform(0.08, 0.5) * dur
        if style == 0:
            env += np.exp(-0.5 * ((t - centre) / width) ** 2)
        else:
            rise = np.exp((t - centre) / (0.25 * width))
            env += np.where(t < centre, rise, np.exp(-(t - centre) / width))
    return env / env.max()


def _noise(n, rate, rng):
    mix = rng.dirichlet([1.0, 1.0, 0.5])
    noise = sum(w * signals.colored(n, rng, e) for w, e in zip(mix, (0, 1, 2)))
    if rng.random() < 1 / 3:
        noise = noise + rng.uniform(0.1, 1.0) * signals.hum(n, rate, rng)
    return noise


def _background(n, rate, rng):
    x = _noise(n, rate, rng)
    if rng.random() < 0.4:  # clicks (handling, rain on the trap)
        for at in rng.integers(0, n, rng.integers(1, 6)):
            length = min(n - at, int(rate * rng.uniform(0.001, 0.01)))
            x[at:at + length] += rng.uniform(2, 8) * rng.standard_normal(length) * np.exp(
                -np.arange(length) / (length / 4 + 1))
    if rng.random() < 0.3:  # low rumble (traffic, wind)
        x = x + rng.uniform(0.5, 2.0) * signals.smooth_walk(n, rng, rate, 60)
    return x


def render(project, job):
    seed, c, group, clip = job
    label = LABELS[c]
    rate, n = project.sample_rate, project.window_samples
    rng = np.random.default_rng([seed, c, group, clip])
    if label == "background":
        x = _background(n, rate, rng)
    else:
        f0, harmonics, phases = _insect(label, np.random.default_rng([seed, c, group]))
        drift = 0.015 * signals.smooth_walk(n, rng, rate, rng.uniform(0.5, 3)) + rng.uniform(-0.01, 0.01)
        jitter = 0.003 * signals.smooth_walk(n, rng, rate, 40)
        phase = 2 * np.pi * np.cumsum(f0 * (1 + drift + jitter)) / rate
        am = 1 + rng.uniform(0, 0.3) * np.sin(2 * np.pi * rng.uniform(4, 20) * np.arange(n) / rate)
        x = np.zeros(n)
        for k, (a, p) in enumerate(zip(harmonics, phases), start=1):
            if k * f0 * 1.05 < rate / 2:
                x += a * np.sin(k * phase + p)
        x *= am * _envelope(n, rate, rng)
        x = signals.at_snr(x, _noise(n, rate, rng), rng.uniform(0, 30))
    x = signals.to_peak(x, signals.db(rng.uniform(-30, -3)))
    return recordings.encode_wav(wav.to_int16(x)[0], rate)
