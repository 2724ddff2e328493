"""An anomaly decision on one score (``midge.decide``'s rule for anomaly models).

``Threshold`` turns on after ``count`` consecutive values above ``threshold``
and off after ``count`` consecutive values below ``threshold - hysteresis``;
``update`` returns True on turning on and allocates nothing.
"""


class Threshold:
    """On/off decision on a score with hysteresis and a consecutive-count debounce."""

    def __init__(self, threshold, hysteresis=0, count=1):
        if count < 1:
            raise ValueError("count must be >= 1, got %r" % (count,))
        self.threshold = threshold
        self.hysteresis = hysteresis
        self.count = count
        self.active = False
        self._run = 0

    def update(self, value):
        """Feed one score; True exactly when the state turns on."""
        if self.active:
            leaving = value < self.threshold - self.hysteresis
        else:
            leaving = value > self.threshold
        self._run = self._run + 1 if leaving else 0
        if self._run < self.count:
            return False
        self._run = 0
        self.active = not self.active
        return self.active
