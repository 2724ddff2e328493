"""Synthetic machine vibration for anomaly detection (template "anomaly").

Each group is one machine run: a running speed, a mounting orientation and
its structural resonance. Normal runs and faulty runs are separate groups;
`midge data split` puts every faulty group in the test split.
"""

import numpy as np

from midge_host.dataset import imu
from midge_host.errors import MidgeError
from midge_host.synth import signals
from midge_host.synth.motion import random_rotation

LABELS = ("normal", "imbalance", "bearing", "looseness")
AXES = ("ax", "ay", "az")
DEFAULT_COUNT = 150
FAULT_SHARE = 0.25  # fault clips per class, relative to normal
CLIPS_PER_GROUP = 5
G = 9.81
DESCRIPTION = """
A rotating machine runs at 15-40 Hz (900-2400 rpm, per run, drifting
+-0.5 %). Acceleration in m/s^2 on three axes, gravity on whichever axes
the random mounting orientation gives. Every class has the normal
signature: running-speed harmonics 1x-3x (0.05-0.3 m/s^2, per-run phases
and axis weights), broadband noise through the structure's resonance
(150-350 Hz) and white sensor noise (0.02-0.05 m/s^2). Faults add:

| class | fault signature |
|---|---|
| normal | none |
| imbalance | a strong 1x component rotating in the radial (x, y) plane, 4-10x the normal 1x |
| bearing | impacts at the outer-race defect frequency (3.0-5.5x running speed) ringing the resonance (decay 3-8 ms), modulated by 1x |
| looseness | harmonics up to 10x, a 0.5x sub-harmonic and clipped (truncated) peaks |

Faults have fewer files (a quarter of the normal count each) and are
test-only: anomaly models train on normal data alone.
"""


def check(project):
    """The project's columns must be accelerometer axes."""
    unknown = [c for c in project.input["columns"] if c not in AXES]
    if unknown:
        raise MidgeError(f"the vibration set makes columns {', '.join(AXES)}; "
                         f"{project.path} asks for {', '.join(unknown)}")


def counts(count):
    normal = count or DEFAULT_COUNT
    faults = max(CLIPS_PER_GROUP, round(normal * FAULT_SHARE))
    return {label: normal if label == "normal" else faults for label in LABELS}


def jobs(project, label, n, seed):
    c = LABELS.index(label)
    return [(f"{label}-run{i // CLIPS_PER_GROUP:03d}", f"c{i % CLIPS_PER_GROUP}",
             (seed, c, i // CLIPS_PER_GROUP, i % CLIPS_PER_GROUP)) for i in range(n)]


def _resonance(x, rate, centre, q):
    """``x`` through a band-pass resonance (frequency-domain Lorentzian)."""
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / rate)
    spectrum /= 1 + 1j * q * (f / centre - centre / np.maximum(f, 1e-3))
    return np.fft.irfft(spectrum, len(x))


def render(project, job):
    seed, c, group, clip = job
    label = LABELS[c]
    rate, n = project.sample_rate, project.window_samples
    run = np.random.default_rng([seed, c, group])
    speed = run.uniform(15, 40)
    mount = random_rotation(run)
    weights = run.uniform(0.3, 1.0, (3, 3))  # harmonic k x axis
    harmonic_phase = run.uniform(0, 2 * np.pi, (3, 3))
    res_f, res_q = run.uniform(150, min(350, 0.4 * rate)), run.uniform(5, 15)
    rng = np.random.default_rng([seed, c, group, clip])
    t = np.arange(n) / rate
    phase = 2 * np.pi * np.cumsum(speed * (1 + 0.005 * signals.smooth_walk(n, rng, rate, 0.5))) / rate
    level = rng.uniform(0.05, 0.3)
    sig = np.zeros((n, 3))
    for k in range(3):
        for axis in range(3):
            sig[:, axis] += level * weights[k, axis] / (k + 1) * np.sin((k + 1) * phase + harmonic_phase[k, axis])
    for axis in range(3):
        sig[:, axis] += 0.3 * level * signals.to_peak(_resonance(rng.standard_normal(n), rate, res_f, res_q), 1)
    if label == "imbalance":
        amp = level * rng.uniform(4, 10)
        sig[:, 0] += amp * np.sin(phase)
        sig[:, 1] += amp * np.cos(phase)
    elif label == "bearing":
        bpfo = speed * rng.uniform(3.0, 5.5)
        impacts = np.zeros(n)
        times = np.arange(rng.uniform(0, 1 / bpfo), t[-1], 1 / bpfo)
        for at in times:
            i = int(at * rate)
            impacts[i] += 1 + 0.5 * np.sin(2 * np.pi * speed * at)
        decay = rng.uniform(0.003, 0.008)
        kernel_t = np.arange(int(6 * decay * rate)) / rate
        kernel = np.exp(-kernel_t / decay) * np.sin(2 * np.pi * res_f * kernel_t)
        ring = np.convolve(impacts, kernel)[:n]
        amp = level * rng.uniform(1.5, 4)
        for axis in range(3):
            sig[:, axis] += amp * weights[0, axis] * ring
    elif label == "looseness":
        for k in range(4, 11):
            sig[:, :2] += level * rng.uniform(0.2, 0.6) / k ** 0.5 * np.sin(
                k * phase[:, None] + rng.uniform(0, 2 * np.pi, 2))
        sig[:, :2] += level * rng.uniform(0.5, 1.5) * np.sin(0.5 * phase[:, None] + rng.uniform(0, 2 * np.pi, 2))
        limit = np.percentile(np.abs(sig), 85, axis=0)
        sig = np.clip(sig, -limit, limit) * 1.6
    gravity = mount.T @ np.array([0.0, 0.0, G])
    values = sig @ mount.T + gravity + rng.uniform(0.02, 0.05) * rng.standard_normal((n, 3))
    picks = [AXES.index(col) for col in project.input["columns"]]
    trace = imu.Trace(rate, tuple(project.input["columns"]), values[:, picks])
    return imu.encode(trace, imu.scales(project.input))[0].encode()
