"""Synthetic 6-axis IMU gestures (template "motion").

Each group is one session: a person holding the device in one orientation
with their own tempo and size of movement. Accelerometer axes are specific
force (gravity included), gyroscope axes the body rate, in the device frame,
computed in m/s^2 and deg/s and written as int16 counts (``imu.scales``).
"""

import numpy as np

from midge_host.dataset import imu
from midge_host.errors import MidgeError
from midge_host.synth import signals

LABELS = ("idle", "lift", "wave", "circle")
AXES = ("ax", "ay", "az", "gx", "gy", "gz")
DEFAULT_COUNT = 100
CLIPS_PER_GROUP = 5
G = 9.81
DESCRIPTION = """
The device has a random orientation per session (uniform over rotations),
so gravity (9.81 m/s^2) falls on any axes. The device frame's specific force
is R(t)^T (a(t) + g) and the gyroscope reads the body angular rate.

| class | motion |
|---|---|
| idle | resting or held: 0.01-0.1 m/s^2 tremor (below 8 Hz), a steady tilt drift under 2 deg per window |
| lift | a minimum-jerk rise of 0.15-0.5 m over 0.5-1.2 s at a random time, tilting 5-30 deg |
| wave | side-to-side 0.03-0.1 m at 1.5-2.5 Hz with a 15-40 deg wrist roll |
| circle | a 0.08-0.2 m radius circle at 0.6-1.2 Hz in a random plane |

Tempo and size are +-15 % per session and vary +-8 % from clip to clip.
Sensor noise: accelerometer 0.03-0.08 m/s^2 and gyroscope 0.2-0.6 deg/s
(white), per-session biases up to 0.1 m/s^2 and 1 deg/s.
"""


def check(project):
    """The project's columns must be IMU axes this generator makes."""
    unknown = [c for c in project.input["columns"] if c not in AXES]
    if unknown:
        raise MidgeError(f"the synthetic IMU sets make columns {', '.join(AXES)}; "
                         f"{project.path} asks for {', '.join(unknown)}")


def counts(count):
    return {label: count or DEFAULT_COUNT for label in LABELS}


def jobs(project, label, n, seed):
    c = LABELS.index(label)
    return [(f"s{i // CLIPS_PER_GROUP:03d}", f"{label}-c{i % CLIPS_PER_GROUP}",
             (seed, c, i // CLIPS_PER_GROUP, i % CLIPS_PER_GROUP)) for i in range(n)]


def random_rotation(rng):
    """A rotation matrix uniform over SO(3) (from a random unit quaternion)."""
    q = rng.standard_normal(4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def _roll(theta):
    """Rotations about the body x axis by each angle in ``theta``: (n, 3, 3)."""
    c, s = np.cos(theta), np.sin(theta)
    out = np.zeros((len(theta), 3, 3))
    out[:, 0, 0] = 1
    out[:, 1, 1], out[:, 1, 2], out[:, 2, 1], out[:, 2, 2] = c, -s, s, c
    return out


def _gesture(label, t, rng, scale):
    """World acceleration (n, 3) in m/s^2 and roll angle (n,) in rad with its rate."""
    n = len(t)
    acc = np.zeros((n, 3))
    theta = np.zeros(n)
    rate_theta = np.zeros(n)
    if label == "idle":
        fs = 1 / (t[1] - t[0])
        acc += rng.uniform(0.01, 0.1) * np.stack([signals.smooth_walk(n, rng, fs, 8) for _ in range(3)], 1)
        drift = np.radians(rng.uniform(-2, 2)) / t[-1]
        theta = drift * t
        rate_theta = np.full(n, drift)
    elif label == "lift":
        duration = rng.uniform(0.5, 1.2) * scale[0]
        start = rng.uniform(0, max(0.01, t[-1] - duration))
        tau = np.clip((t - start) / duration, 0, 1)
        inside = (t >= start) & (t <= start + duration)
        height = rng.uniform(0.15, 0.5) * scale[1]
        acc[:, 2] = np.where(inside, height * (60 * tau - 180 * tau ** 2 + 120 * tau ** 3) / duration ** 2, 0)
        tilt = np.radians(rng.uniform(5, 30))
        theta = tilt * (10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5)
        rate_theta = np.where(inside, tilt * (30 * tau ** 2 - 60 * tau ** 3 + 30 * tau ** 4) / duration, 0)
    elif label == "wave":
        w = 2 * np.pi * rng.uniform(1.5, 2.5) * scale[0]
        amp = rng.uniform(0.03, 0.1) * scale[1]
        phase = rng.uniform(0, 2 * np.pi)
        acc[:, 0] = -amp * w * w * np.sin(w * t + phase)
        roll = np.radians(rng.uniform(15, 40))
        lag = rng.uniform(-0.5, 0.5)
        theta = roll * np.sin(w * t + phase + lag)
        rate_theta = roll * w * np.cos(w * t + phase + lag)
    else:  # circle in a random plane
        w = 2 * np.pi * rng.uniform(0.6, 1.2) * scale[0]
        radius = rng.uniform(0.08, 0.2) * scale[1]
        phase = rng.uniform(0, 2 * np.pi)
        plane = random_rotation(rng)[:, :2]
        circle = -radius * w * w * np.stack([np.cos(w * t + phase), np.sin(w * t + phase)], 1)
        acc = circle @ plane.T
        theta = np.radians(rng.uniform(2, 10)) * np.sin(w * t + phase)
        rate_theta = np.gradient(theta, t)
    return acc, theta, rate_theta


def render(project, job):
    seed, c, group, clip = job
    rate, n = project.sample_rate, project.window_samples
    session = np.random.default_rng([seed, c, group])
    r0 = random_rotation(session)
    bias = np.concatenate([session.uniform(-0.1, 0.1, 3), session.uniform(-1, 1, 3)])
    tempo, size = session.uniform(0.85, 1.15, 2)
    rng = np.random.default_rng([seed, c, group, clip])
    t = np.arange(n) / rate
    scale = (tempo * rng.uniform(0.92, 1.08), size * rng.uniform(0.92, 1.08))
    acc, theta, rate_theta = _gesture(LABELS[c], t, rng, scale)
    rotation = r0[None] @ _roll(theta)  # device -> world, per sample
    force = acc + np.array([0.0, 0.0, G])
    accel = np.einsum("nji,nj->ni", rotation, force)
    gyro = np.zeros((n, 3))
    gyro[:, 0] = np.degrees(rate_theta)
    values = np.concatenate([accel, gyro], axis=1) + bias
    values[:, :3] += rng.uniform(0.03, 0.08) * rng.standard_normal((n, 3))
    values[:, 3:] += rng.uniform(0.2, 0.6) * rng.standard_normal((n, 3))
    picks = [AXES.index(col) for col in project.input["columns"]]
    trace = imu.Trace(rate, tuple(project.input["columns"]), values[:, picks])
    return imu.encode(trace, imu.scales(project.input))[0].encode()
