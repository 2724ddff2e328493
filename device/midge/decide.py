"""The app's one decision interface: a model result per window in, a
decision out, with the label semantics of ``midge.labels`` applied here and
nowhere else.

    d = Decider(meta)                 # meta: a checked midge.meta dict
    for k in range(d.update(value, t_ms)):   # value: int8 scores, or the anomaly score
        d.item(k)                     # (a detection model: its k-th object)
        report(d.index, d.label, d.score, d.x, d.y)
    d.index, d.label, d.score         # the current decision, reported or quiet

``update`` returns how many new reported detections the window made: 0 or
1, or for a detection model the objects found; ``item(k)`` makes the k-th
the current decision (``x``, ``y``: its centroid in input pixels; -1 for
the other tasks).

- Classification: ``midge.recognize.RecognizeCommands`` with
  ``smoothing(meta)`` (meta's settings over SMOOTHING; ``detection_threshold``
  in int8 score units, so +128 for the recognizer's 0..255 averages). ``update`` is True
  for a new command whose label is reported (not in ``quiet_labels``); a
  quiet label still becomes the previous command, so it ends the suppression
  of the label before it. ``score`` is the averaged score, 0..255.
- Anomaly: ``midge.threshold.Threshold`` on the ``mse_int`` score with
  meta's ``anomaly`` threshold, hysteresis and count. The decisions are
  ``midge.labels.ANOMALY_LABELS``: "anomaly" (index 1) while the threshold is
  on, else "normal"; ``update`` is True when it turns on; ``score`` is the
  last score.

- Detection: ``midge.detect.Detector`` (meta's ``detection``) decodes the
  heatmap; every object of every frame is reported (the board counts what
  it sees now), ``score`` its peak cell probability, 0..255. Label 0, the
  background, is never an object.

``labels`` holds the decision names (``midge.labels.decision_labels``);
``reported`` the flags. ``update`` allocates nothing.
"""

from midge import labels as _labels

SMOOTHING = {"average_window_ms": 1000, "detection_threshold": 26, "suppression_ms": 1500,
             "minimum_count": 1}
"""Recognizer defaults: average over 1 s, detect above probability 0.6 (int8
score 26 on the softmax grid of scale 1/256, zero point -128), 1.5 s before
the same label counts again, at least one result per averaging window."""


def smoothing(meta):
    """The recognizer settings of ``meta``: its ``smoothing`` over SMOOTHING."""
    out = dict(SMOOTHING)
    out.update(meta.get("smoothing", {}))
    return out


class Decider:
    def __init__(self, meta):
        self.labels = _labels.decision_labels(meta)
        self.reported = _labels.reported(meta)
        self.anomaly = meta["task"] == "anomaly"
        self.detector = None
        self.x = self.y = -1
        if meta["task"] == "detection":
            from midge.detect import Detector
            self.detector = Detector.from_meta(meta)
        elif self.anomaly:
            from midge.threshold import Threshold
            a = meta["anomaly"]
            self._rule = Threshold(a["threshold"], a.get("hysteresis", 0), a.get("count", 1))
        else:
            from midge.recognize import RecognizeCommands
            sm = smoothing(meta)
            self._rule = RecognizeCommands(self.labels, sm["average_window_ms"], sm["detection_threshold"] + 128,
                                           sm["suppression_ms"], sm["minimum_count"])
        self.index = 0
        self.label = self.labels[0]
        self.score = 0

    def update(self, value, t_ms):
        """Decide on one window's result at stream time ``t_ms``; the count of new reported detections."""
        d = self.detector
        if d is not None:
            n = d.decode(value)
            if n:
                self.item(0)
            else:
                self.index = self.score = 0
                self.x = self.y = -1
                self.label = self.labels[0]
            return n
        rule = self._rule
        if self.anomaly:
            new = rule.update(value)
            self.index = 1 if rule.active else 0
            self.score = value
        else:
            new = rule.process(value, t_ms)
            self.index = rule.index
            self.score = rule.score
        self.label = self.labels[self.index]
        return 1 if new and self.reported[self.index] == 1 else 0

    def item(self, k):
        """Make the k-th detection of the last update the current decision."""
        d = self.detector
        if d is not None:
            self.index = d.label[k]
            self.score = d.score[k] + 128
            self.x = d.x[k]
            self.y = d.y[k]
            self.label = self.labels[self.index]
