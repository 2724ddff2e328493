"""midge.recognize against a Python model of TFLM micro_speech RecognizeCommands
(random score streams) with one deliberate difference: label 0 is a class like
any other, not "silence" (TFLM never suppresses its repeats); plus the anomaly
Threshold's hysteresis and debounce, and midge.decide's label semantics."""

import random

import pytest


class TflmRecognizer:
    """RecognizeCommands::ProcessLatestResults, transcribed (queue of 50), without
    TFLM's special case of a previous command at label 0."""

    def __init__(self, n, window=1000, threshold=200, suppression=1500, minimum=3):
        self.n, self.window, self.threshold, self.suppression, self.minimum = n, window, threshold, suppression, minimum
        self.q = []
        self.prev, self.prev_time = 0, None

    def process(self, scores, now):
        if len(self.q) == 50:
            self.q.pop(0)
        self.q.append((now, scores))
        while self.q and self.q[0][0] < now - self.window:
            self.q.pop(0)
        if len(self.q) < self.minimum:
            return self.prev, 0, False
        avg = [sum(s[i] + 128 for _, s in self.q) // len(self.q) for i in range(self.n)]
        top = max(range(self.n), key=lambda i: (avg[i], -i))
        since = None if self.prev_time is None else now - self.prev_time
        new = avg[top] > self.threshold and (top != self.prev or since is None or since > self.suppression)
        if new:
            self.prev, self.prev_time = top, now
        return top, avg[top], new


def stream(seed, n=400):
    rng = random.Random(seed)
    t, out, hot = 0, [], 0
    for _ in range(n):
        t += rng.choice((20, 20, 30, 100))
        if rng.random() < 0.05:
            hot = rng.randrange(4)
        scores = [rng.randint(-128, -60) for _ in range(4)]
        scores[hot] = rng.randint(60, 127)
        out.append((t, scores))
    return out


def test_matches_tflm_semantics(sensor_python):
    events = stream(1) + [(t + 100000, s) for t, s in stream(2)]
    ref = TflmRecognizer(4)
    expected = [ref.process(s, t) for t, s in events]
    code = f"""
from array import array
from midge.recognize import RecognizeCommands
rc = RecognizeCommands(("silence", "unknown", "yes", "no"))
buf = array('b', [0, 0, 0, 0])
for t, s in {events!r}:
    for i in range(4):
        buf[i] = s[i]
    new = rc.process(buf, t)
    print(rc.index, rc.score, int(new), rc.label)
"""
    lines = sensor_python(code).check().splitlines()
    labels = ("silence", "unknown", "yes", "no")
    assert lines == [f"{i} {s} {int(n)} {labels[i]}" for i, s, n in expected]
    assert sum(n for _, _, n in expected) > 5


def test_rejects_out_of_order_and_allocates_nothing(run_mpy):
    code = """
import gc
from array import array
from midge.recognize import RecognizeCommands
rc = RecognizeCommands(("a", "b"))
s = array('b', [100, -100])
def run(t0):
    gc.collect()
    before = gc.mem_alloc()
    t = t0
    while t < t0 + 3000:
        rc.process(s, t)
        t += 20
    return gc.mem_alloc() - before
run(0)
print(run(10000))
try:
    rc.process(s, 5)
except ValueError as e:
    print(e)
"""
    assert run_mpy(code=code).check().splitlines() == ["0", "results must be fed in increasing time order"]


def test_threshold_hysteresis_and_count(sensor_python):
    code = """
from midge.threshold import Threshold
th = Threshold(100, hysteresis=20, count=2)
out = []
for v in (101, 50, 101, 120, 90, 85, 79, 81, 79, 78, 150, 150):
    out.append((int(th.update(v)), int(th.active)))
print(out)
"""
    assert sensor_python(code).check().strip() == str(
        [(0, 0), (0, 0), (0, 0), (1, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 0), (0, 0), (1, 1)])


def _steady(label_index, seconds=3.0, hop_ms=100):
    scores = [-128] * 4
    scores[label_index] = 127
    return [(int(k * hop_ms), list(scores)) for k in range(1, int(seconds * 1000 / hop_ms) + 1)]


@pytest.mark.parametrize("label", [0, 1])
def test_every_label_is_suppressed_alike(sensor_python, label):
    """3 s of one class at a 1.5 s suppression: two detections, for label 0 as for label 1."""
    code = f"""
from array import array
from midge.recognize import RecognizeCommands
rc = RecognizeCommands(("a", "b", "c", "d"), 1000, 200, 1500, 1)
buf = array('b', [0, 0, 0, 0])
n = 0
for t, s in {_steady(label)!r}:
    for i in range(4):
        buf[i] = s[i]
    n += rc.process(buf, t)
print(n)
"""
    assert sensor_python(code).check().strip() == "2"


DECIDE = """
import json
from array import array
from midge.decide import Decider
meta = json.loads({meta!r})
d = Decider(meta)
buf = array('b', [0] * len(meta["labels"]))
out = []
for t, s in {events!r}:
    for i in range(len(s)):
        buf[i] = s[i]
    if d.update(buf, t):
        out.append((t, d.index, d.label))
print(out)
"""


def test_decider_reports_label_0_and_keeps_quiet_labels_quiet(sensor_python):
    import json
    meta = {"task": "classification", "labels": ["aedes", "noise", "culex", "other"], "quiet_labels": ["noise"],
            "smoothing": {"average_window_ms": 1000, "detection_threshold": 26, "suppression_ms": 1500,
                          "minimum_count": 1}}
    events = _steady(0, 2.0) + [(t + 2000, s) for t, s in _steady(1, 2.0)] + \
        [(t + 4000, s) for t, s in _steady(2, 1.0)]
    code = DECIDE.format(meta=json.dumps(meta), events=events)
    got = eval(sensor_python(code).check().strip())
    assert [(i, lb) for _, i, lb in got] == [(0, "aedes"), (0, "aedes"), (2, "culex")]
    assert got[1][0] - got[0][0] > 1500


def test_decider_anomaly_turns_on_once(sensor_python):
    code = """
from midge.decide import Decider
meta = {"task": "anomaly", "labels": ["ok", "fault"], "anomaly": {"threshold": 10, "score": "mse_int"}}
d = Decider(meta)
out = []
for t, v in enumerate((1, 2, 30, 40, 50, 3, 2, 60)):
    out.append((int(d.update(v, t * 100)), d.label))
print(out)
"""
    assert sensor_python(code).check().strip() == str(
        [(0, "normal"), (0, "normal"), (1, "anomaly"), (0, "anomaly"), (0, "anomaly"), (0, "normal"),
         (0, "normal"), (1, "anomaly")])
