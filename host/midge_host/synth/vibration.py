"""Synthetic machine vibration for anomaly detection (template "anomaly").

One machine type (a motor-driven rotor on rolling bearings) with the
accelerometer mounted on its bearing housing. Each group is one run: a
running speed, a load, the small residual imbalance and misalignment every
real machine has, the structure's resonances and how the sensor happens to
be mounted. Normal runs and faulty runs are separate groups; `midge data
split` puts every faulty group in the test split.
"""

import numpy as np

from midge_host.dataset import imu
from midge_host.errors import MidgeError
from midge_host.synth import signals

LABELS = ("normal", "imbalance", "bearing", "looseness")
AXES = ("ax", "ay", "az")
DEFAULT_COUNT = 150
FAULT_SHARE = 0.25  # fault clips per class, relative to normal
CLIPS_PER_GROUP = 5
G = 9.81
SPEED = (20.0, 35.0)  # running speed, Hz (1200-2100 rpm)
DESCRIPTION = """
A rotating machine runs at 20-35 Hz (1200-2100 rpm, per run, drifting
+-0.5 %) under a load of 50-100 %. Acceleration in m/s^2 on three axes:
x and y radial (y vertical), z axial, with the sensor mounted within
10 degrees of that orientation (per run) and gravity on the vertical.
Every class has the normal signature of a healthy machine: residual
imbalance at 1x running speed, 0.08-0.12 m/s^2 times (speed / 25 Hz)^2 (a
rotating vector, elliptical: the vertical 60-100 % of the horizontal),
residual misalignment at 2x (30-60 % of 1x) and 3x (10-30 %), axial 20-40 %
of radial; broadband flow and friction noise (0.03-0.05 m/s^2, rising with
load) through the frame's resonance (180-280 Hz, Q 5-15) and the bearing
housing's resonance (300-450 Hz, weaker); white sensor noise (0.01-0.02
m/s^2). Each clip varies +-1 dB in level. Faults add, at a severity drawn
per run:

| class | fault signature |
|---|---|
| normal | none |
| imbalance | an extra rotating 1x vector of 3-8 times the residual 1x, at a random phase to it |
| bearing | outer-race defect impacts at BPFO (3.0-5.5x running speed, +-1 % jitter), 0.3-1.0 m/s^2 each, ringing the bearing housing's resonance (decay 2-5 ms) |
| looseness | the residual 1x response 1.5-3 times larger, harmonics 1x-10x (each 0.5-1.5 times the residual 1x, falling as 1/sqrt(k)), half-harmonics 0.5x, 1.5x ... 9.5x (40 % of that), and the vertical waveform truncated on one side at its 75th percentile (the foot lifting and landing) |

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


def _tilt(rng, degrees):
    """A rotation by up to ``degrees`` about a random axis (Rodrigues)."""
    axis = rng.standard_normal(3)
    axis /= np.linalg.norm(axis)
    angle = np.radians(rng.uniform(0, degrees))
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def _rotating(amplitude, angle, ellipse, axial):
    """A vector rotating with ``angle`` (per sample): x horizontal, y vertical, z axial."""
    return np.stack([amplitude * np.cos(angle), ellipse * amplitude * np.sin(angle),
                     axial * amplitude * np.cos(angle)], axis=1)


def render(project, job):
    seed, c, group, clip = job
    label = LABELS[c]
    rate, n = project.sample_rate, project.window_samples
    run = np.random.default_rng([seed, c, group])
    speed = run.uniform(*SPEED)
    load = run.uniform(0.5, 1.0)
    mount = _tilt(run, 10)
    ellipse, axial = run.uniform(0.6, 1.0), run.uniform(0.2, 0.4)
    residual = run.uniform(0.08, 0.12) * (speed / 25) ** 2  # 1x, m/s^2
    harmonics = [(1, residual), (2, residual * run.uniform(0.3, 0.6)), (3, residual * run.uniform(0.1, 0.3))]
    phases = run.uniform(0, 2 * np.pi, 3)
    frame_f, frame_q = run.uniform(180, min(280, 0.4 * rate)), run.uniform(5, 15)
    housing_f, housing_q = run.uniform(300, min(450, 0.47 * rate)), run.uniform(8, 20)
    broadband = run.uniform(0.03, 0.05) * (0.5 + load)
    severity = run.random()  # a fault's size within its range, per run
    rng = np.random.default_rng([seed, c, group, clip])
    level = signals.db(rng.uniform(-1, 1))
    drift = 1 + 0.005 * signals.smooth_walk(n, rng, rate, 0.5)
    phase = 2 * np.pi * np.cumsum(speed * drift) / rate + rng.uniform(0, 2 * np.pi)
    sig = np.zeros((n, 3))
    if label == "looseness":  # a loose joint is less stiff: the same residual forces move it more
        harmonics[0] = (1, residual * (1.5 + 1.5 * severity))
    for (k, amp), ph in zip(harmonics, phases):
        sig += _rotating(amp, k * phase + ph, ellipse, axial)
    for axis in range(3):
        noise = _resonance(rng.standard_normal(n), rate, frame_f, frame_q)
        noise += 0.3 * _resonance(rng.standard_normal(n), rate, housing_f, housing_q)
        sig[:, axis] += broadband * noise / (signals.rms(noise) or 1.0) * (1.0 if axis < 2 else 0.5)
    if label == "imbalance":
        sig += _rotating(residual * (3 + 5 * severity), phase + rng.uniform(0, 2 * np.pi), ellipse, axial)
    elif label == "bearing":
        bpfo = speed * run.uniform(3.0, 5.5)
        decay = run.uniform(0.002, 0.005)
        impacts = np.zeros(n)
        times = np.arange(rng.uniform(0, 1 / bpfo), n / rate, 1 / bpfo)
        times += rng.normal(0, 0.01 / bpfo, len(times))
        for at in times[(times >= 0) & (times < n / rate)]:
            impacts[int(at * rate)] += rng.uniform(0.8, 1.2)
        kernel_t = np.arange(int(6 * decay * rate)) / rate
        kernel = np.exp(-kernel_t / decay) * np.sin(2 * np.pi * housing_f * kernel_t)
        ring = np.convolve(impacts, kernel)[:n] * (0.3 + 0.7 * severity)
        sig += ring[:, None] * np.array([0.6, 1.0, 0.3])  # strongest in the load (vertical) direction
    elif label == "looseness":
        size = residual * (0.5 + severity)
        for k in np.arange(1, 21) / 2:  # harmonics 1x-10x and the half-harmonics between them
            amp = size * rng.uniform(0.7, 1.3) / np.sqrt(k) * (1.0 if k == int(k) else 0.4)
            sig[:, :2] += amp * np.sin(k * phase[:, None] + rng.uniform(0, 2 * np.pi, 2))
        top = np.percentile(sig[:, 1], 75)
        sig[:, 1] = np.minimum(sig[:, 1], top)  # the foot lands: upward travel stops short
    sig *= level
    gravity = mount.T @ np.array([0.0, G, 0.0])
    values = sig @ mount + gravity + rng.uniform(0.01, 0.02) * rng.standard_normal((n, 3))
    picks = [AXES.index(col) for col in project.input["columns"]]
    trace = imu.Trace(rate, tuple(project.input["columns"]), values[:, picks])
    return imu.encode(trace, imu.scales(project.input))[0].encode()
