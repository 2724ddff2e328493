"""Turn a stream of model outputs into decisions (the recognizer stage).

``RecognizeCommands`` follows TFLite-Micro micro_speech's RecognizeCommands:
int8 score vectors arrive with a timestamp (ms); scores from the last
``average_window_ms`` are averaged (each score + 128, so 0..255, integer
division; ``detection_threshold`` is on that scale); the top class is
reported, and it is a *new command* when its average exceeds
``detection_threshold`` and either differs from the previous command or
``suppression_ms`` have passed since it. Every label is treated alike: unlike
TFLM's micro_speech, label 0 is not assumed to be "silence" (which labels a
board keeps quiet is ``midge.labels``' business, applied by
``midge.decide``). With fewer than ``minimum_count`` results in the window
the previous command is reported with score 0 and no detection. Results must
come in increasing time order.

    rc = RecognizeCommands(("silence", "unknown", "yes", "no"))
    if rc.process(scores, time.ticks_ms()):     # scores: array('b') of 4
        print(rc.label, rc.score)

``process`` returns ``is_new_command``; ``label``, ``index``, ``score`` and
``time_ms`` hold the rest (no tuple per call: the history is a preallocated
ring of ``max_results`` entries, so nothing is allocated per call). Times are
``time.ticks_ms()`` values compared with ``ticks_diff``, so they may wrap.
"""

from array import array

from midge.sensors._clock import ticks_diff

_NEVER = None


class RecognizeCommands:
    def __init__(self, labels, average_window_ms=1000, detection_threshold=200,
                 suppression_ms=1500, minimum_count=3, max_results=50):
        if len(labels) < 1:
            raise ValueError("need at least one label")
        self.labels = labels
        self.average_window_ms = average_window_ms
        self.detection_threshold = detection_threshold
        self.suppression_ms = suppression_ms
        self.minimum_count = minimum_count
        n = len(labels)
        self._n = n
        self._max = max_results
        self._scores = bytearray(max_results * n)  # score + 128 per entry
        self._times = array("i", [0] * max_results)
        self._sums = array("i", [0] * n)
        self._head = 0
        self._count = 0
        self._prev_index = 0
        self._prev_time = _NEVER
        self.index = 0
        self.label = labels[0]
        self.score = 0
        self.time_ms = 0

    def process(self, scores, now_ms):
        """Add one int8 score vector taken at ``now_ms``; return True for a new command."""
        n = self._n
        if len(scores) != n:
            raise ValueError("got %d scores for %d labels" % (len(scores), n))
        cap = self._max
        if self._count and ticks_diff(now_ms, self._times[(self._head + self._count - 1) % cap]) < 0:
            raise ValueError("results must be fed in increasing time order")
        if self._count == cap:  # full: drop the oldest
            self._head = (self._head + 1) % cap
            self._count -= 1
        slot = (self._head + self._count) % cap
        base = slot * n
        for i in range(n):
            self._scores[base + i] = scores[i] + 128
        self._times[slot] = now_ms
        self._count += 1
        window = self.average_window_ms
        while self._count and ticks_diff(now_ms, self._times[self._head]) > window:
            self._head = (self._head + 1) % cap
            self._count -= 1
        self.time_ms = now_ms
        count = self._count
        if count < self.minimum_count:
            self.index = self._prev_index
            self.label = self.labels[self._prev_index]
            self.score = 0
            return False
        sums = self._sums
        for i in range(n):
            sums[i] = 0
        slot = self._head
        for _ in range(count):
            base = slot * n
            for i in range(n):
                sums[i] += self._scores[base + i]
            slot += 1
            if slot == cap:
                slot = 0
        top = 0
        best = -1
        for i in range(n):
            avg = sums[i] // count
            if avg > best:
                best = avg
                top = i
        since = None if self._prev_time is _NEVER else ticks_diff(now_ms, self._prev_time)
        new = best > self.detection_threshold and (
            top != self._prev_index or since is None or since > self.suppression_ms)
        if new:
            self._prev_index = top
            self._prev_time = now_ms
        self.index = top
        self.label = self.labels[top]
        self.score = best
        return new
