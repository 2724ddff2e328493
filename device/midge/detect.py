"""Objects from a FOMO heatmap: the per-cell class scores of an object
detection model (int8, ``rows x cols x (1 + classes)``, channel 0 the
background) decoded into objects, in integers, with nothing allocated per call.

    d = Detector(rows=12, cols=12, channels=4, cell=8, threshold=-51, max_objects=16)
    d = Detector.from_meta(meta)  # a detection model's meta.json ("detection", midge.meta)
    n = d.decode(scores)          # scores: the model's int8 output (row-major, channels last)
    d.label[k], d.x[k], d.y[k], d.score[k], d.cells[k]    # for k < n, in raster order
    d.dropped                     # objects beyond max_objects in that call

Contract (host eval and the board run this same code):
- a cell's class is the argmax of its scores over all channels (ties to the
  lower channel); the cell holds an object of class c when c >= 1 and its
  score for c is at least ``threshold`` (int8; a softmax output quantized
  with scale 1/256 and zero point -128 gives p = (q + 128) / 256);
- object cells of one class that touch by an edge (4-connectivity) form one
  object; objects are listed in the raster order of their first cell;
- an object's ``x``, ``y`` are its centroid in input pixels, the mean of its
  cells' centres (cell ``(r, c)`` is centred at ``(c * cell + cell / 2,
  r * cell + cell / 2)``), floored; ``score`` is its highest cell score (int8);
  ``cells`` its size in cells.
"""

from midge.bits import zeros


class Detector:
    def __init__(self, rows, cols, channels, cell, threshold, max_objects=16):
        for name, v, lo in (("rows", rows, 1), ("cols", cols, 1), ("channels", channels, 2),
                            ("cell", cell, 1), ("max_objects", max_objects, 1)):
            if not isinstance(v, int) or v < lo:
                raise ValueError("%s must be an int >= %d, got %r" % (name, lo, v))
        if not isinstance(threshold, int) or not -128 <= threshold <= 127:
            raise ValueError("threshold must be an int8 score (-128..127), got %r" % (threshold,))
        if rows * cols > 32767:
            raise ValueError("a heatmap of %d x %d cells is larger than 32767" % (rows, cols))
        self.rows = rows
        self.cols = cols
        self.channels = channels
        self.cell = cell
        self.threshold = threshold
        self.max_objects = max_objects
        n = rows * cols
        self._class = zeros("b", n)  # per cell: its object class, 0 none, -1 already taken
        self._stack = zeros("h", n)
        self.label = zeros("b", max_objects)
        self.x = zeros("h", max_objects)
        self.y = zeros("h", max_objects)
        self.score = zeros("b", max_objects)
        self.cells = zeros("h", max_objects)
        self.count = 0
        self.dropped = 0

    @classmethod
    def from_meta(cls, meta):
        """The decoder of a detection model's checked meta.json."""
        d = meta["detection"]
        return cls(d["rows"], d["cols"], len(meta["labels"]), d["cell"], d["threshold"], d["max_objects"])

    def decode(self, scores):
        """Decode ``scores`` (int8, rows * cols * channels, signed items); returns the object count."""
        rows = self.rows
        cols = self.cols
        ch = self.channels
        n = rows * cols
        if len(scores) != n * ch:
            raise ValueError("the heatmap holds %d scores; %d x %d cells x %d channels is %d"
                             % (len(scores), rows, cols, ch, n * ch))
        klass = self._class
        threshold = self.threshold
        at = 0
        for i in range(n):
            best = 0
            top = scores[at]
            for c in range(1, ch):
                v = scores[at + c]
                if v > top:
                    top = v
                    best = c
            klass[i] = best if best and top >= threshold else 0
            at += ch
        stack = self._stack
        count = 0
        dropped = 0
        for i in range(n):
            c = klass[i]
            if c <= 0:
                continue
            klass[i] = -1
            stack[0] = i
            depth = 1
            size = 0
            sx = 0
            sy = 0
            peak = -128
            while depth:
                depth -= 1
                k = stack[depth]
                r = k // cols
                q = k - r * cols
                size += 1
                sx += q
                sy += r
                v = scores[k * ch + c]
                if v > peak:
                    peak = v
                if q > 0 and klass[k - 1] == c:
                    klass[k - 1] = -1
                    stack[depth] = k - 1
                    depth += 1
                if q < cols - 1 and klass[k + 1] == c:
                    klass[k + 1] = -1
                    stack[depth] = k + 1
                    depth += 1
                if r > 0 and klass[k - cols] == c:
                    klass[k - cols] = -1
                    stack[depth] = k - cols
                    depth += 1
                if r < rows - 1 and klass[k + cols] == c:
                    klass[k + cols] = -1
                    stack[depth] = k + cols
                    depth += 1
            if count == self.max_objects:
                dropped += 1
                continue
            cell = self.cell
            self.label[count] = c
            self.x[count] = (sx * 2 + size) * cell // (2 * size)
            self.y[count] = (sy * 2 + size) * cell // (2 * size)
            self.score[count] = peak
            self.cells[count] = size
            count += 1
        self.count = count
        self.dropped = dropped
        return count
