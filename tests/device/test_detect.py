"""midge.detect: FOMO heatmaps decoded into objects, the same on every runner
(CPython for host eval, the unix port 64/32-bit, the Thumb test bed), checked
against an independent reference (per-class connected components by breadth-first
search over a numpy grid), with nothing allocated per decode on the board."""

import json
from collections import deque

import numpy as np
import pytest

from midge.detect import Detector


def reference(scores, rows, cols, ch, cell, threshold):
    """[(label, x, y, score, cells)] in raster order of each object's first cell."""
    s = np.asarray(scores, np.int16).reshape(rows, cols, ch)
    cls = np.argmax(s, axis=2)  # first maximum: ties to the lower channel
    top = np.take_along_axis(s, cls[..., None], axis=2)[..., 0]
    obj = np.where((cls > 0) & (top >= threshold), cls, 0)
    seen = np.zeros((rows, cols), bool)
    found = []
    for r in range(rows):
        for c in range(cols):
            if obj[r, c] == 0 or seen[r, c]:
                continue
            k = obj[r, c]
            cells = []
            queue = deque([(r, c)])
            seen[r, c] = True
            while queue:
                y, x = queue.popleft()
                cells.append((y, x))
                for dy, dx in ((0, -1), (0, 1), (-1, 0), (1, 0)):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < rows and 0 <= xx < cols and not seen[yy, xx] and obj[yy, xx] == k:
                        seen[yy, xx] = True
                        queue.append((yy, xx))
            n = len(cells)
            cx = sum(x * cell + cell / 2 for _, x in cells) / n
            cy = sum(y * cell + cell / 2 for y, _ in cells) / n
            found.append((int(k), int(np.floor(cx)), int(np.floor(cy)),
                          int(max(s[y, x, k] for y, x in cells)), n))
    return found


def decoded(d, n):
    return [(d.label[i], d.x[i], d.y[i], d.score[i], d.cells[i]) for i in range(n)]


def heatmap(rows, cols, ch, blobs, background=100, low=-128):
    """int8 scores: background everywhere, class ``k`` at ``score`` on each blob's cells."""
    s = np.full((rows, cols, ch), low, np.int8)
    s[..., 0] = background
    for k, score, cells in blobs:
        for r, c in cells:
            s[r, c, 0] = low
            s[r, c, k] = score
    return s.ravel()


def test_objects_are_the_edge_connected_cells_of_a_class():
    blobs = [(1, 120, [(1, 1), (1, 2), (2, 1)]),      # one L-shaped object
             (1, 90, [(3, 3)]),                          # touches (2, 2)? no: diagonal to nothing of class 1
             (2, 110, [(2, 2)]),                         # class 2 beside the L: its own object
             (1, 70, [(5, 5), (6, 6)]),                  # diagonal neighbours: two objects
             (3, -100, [(8, 8)])]                        # below the threshold: no object
    s = heatmap(12, 12, 4, blobs)
    d = Detector(rows=12, cols=12, channels=4, cell=8, threshold=-51)
    n = d.decode(s)
    assert decoded(d, n) == [(1, 14, 14, 120, 3), (2, 20, 20, 110, 1), (1, 28, 28, 90, 1),
                             (1, 44, 44, 70, 1), (1, 52, 52, 70, 1)]
    assert decoded(d, n) == reference(s, 12, 12, 4, 8, -51) and d.dropped == 0


def test_ties_go_to_the_lower_channel_and_background_wins_ties():
    s = heatmap(2, 2, 3, [])
    s = s.reshape(2, 2, 3)
    s[0, 0] = (50, 50, 10)      # background ties class 1: no object
    s[0, 1] = (-128, 60, 60)    # classes 1 and 2 tie: class 1
    s[1, 1] = (-128, 10, 90)    # class 2
    d = Detector(rows=2, cols=2, channels=3, cell=4, threshold=0)
    n = d.decode(s.ravel())
    assert decoded(d, n) == [(1, 6, 2, 60, 1), (2, 6, 6, 90, 1)]


def test_more_objects_than_room_are_counted_as_dropped():
    s = heatmap(4, 4, 2, [(1, 100, [(r, c)]) for r in (0, 2) for c in (0, 2)])
    d = Detector(rows=4, cols=4, channels=2, cell=8, threshold=0, max_objects=3)
    assert d.decode(s) == 3 and d.dropped == 1
    assert decoded(d, 3) == reference(s, 4, 4, 2, 8, 0)[:3]


def test_bad_shapes_and_settings_are_named():
    with pytest.raises(ValueError, match="channels must be an int >= 2"):
        Detector(rows=12, cols=12, channels=1, cell=8, threshold=0)
    with pytest.raises(ValueError, match="threshold must be an int8 score"):
        Detector(rows=12, cols=12, channels=2, cell=8, threshold=200)
    d = Detector(rows=12, cols=12, channels=2, cell=8, threshold=0)
    with pytest.raises(ValueError, match="the heatmap holds 10 scores; 12 x 12 cells x 2 channels is 288"):
        d.decode(np.zeros(10, np.int8))


RANDOM = """
import gc, json
from array import array
from midge.detect import Detector
cases = json.loads(open(%r).read())
out = []
grown = n = before = 0  # globals made before measuring: a new global grows the module's dict
for rows, cols, ch, cell, threshold, scores in cases:
    s = memoryview(array('b', scores))
    d = Detector(rows, cols, ch, cell, threshold, 64)
    d.decode(s)
    gc.collect()
    before = gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0
    n = d.decode(s)
    grown = max(grown, (gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0) - before)
    out.append([d.dropped, [[d.label[i], d.x[i], d.y[i], d.score[i], d.cells[i]] for i in range(n)]])
print(json.dumps(out))
print('alloc', grown)
"""


def test_random_heatmaps_decode_alike_everywhere(device_python, tmp_path):
    rng = np.random.default_rng(5)
    cases = []
    for rows, cols, ch, cell in ((12, 12, 4, 8), (6, 10, 2, 16), (12, 12, 11, 8), (1, 7, 3, 4)):
        for _ in range(4):
            s = rng.integers(-128, 128, rows * cols * ch).astype(np.int8)
            s.reshape(rows, cols, ch)[..., 0] -= 60  # more object cells
            cases.append([rows, cols, ch, cell, int(rng.integers(-80, 40)), s.tolist()])
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    lines = device_python(code=RANDOM % str(path)).check().strip().splitlines()
    got = json.loads(lines[0])
    for (rows, cols, ch, cell, threshold, s), (dropped, objects) in zip(cases, got):
        want = reference(s, rows, cols, ch, cell, threshold)
        assert [tuple(o) for o in objects] == want[:64] and dropped == max(0, len(want) - 64)
    assert sum(len(o) for _, o in got) > 40  # the cases do find objects
    assert any(dropped for dropped, _ in got)  # and some more than there is room for
    assert lines[1] == "alloc 0", lines[1]


def detection_meta(rows=4, cols=5, labels=("background", "nut", "bolt"), threshold=0, **extra):
    meta = {"format": 1, "name": "n", "task": "detection", "labels": list(labels), "sensor": "camera",
            "sample_rate": 0, "channels": 1, "window_samples": 0, "stride_samples": 0,
            "features": {"kind": "image", "width": 8 * cols, "height": 8 * rows},
            "input": {"shape": [1, 8 * rows, 8 * cols, 1], "scale": 1 / 128, "zero_point": 0},
            "output": {"shape": [1, rows, cols, len(labels)], "scale": 1 / 256, "zero_point": -128},
            "detection": {"rows": rows, "cols": cols, "cell": 8, "threshold": threshold, "max_objects": 8}}
    meta.update(extra)
    return meta


def test_the_decider_reports_every_object_of_a_frame_background_never():
    from midge import labels
    from midge.decide import Decider
    from midge.meta import check
    meta = check(detection_meta())
    assert list(labels.reported(meta)) == [0, 1, 1] and labels.reported_labels(meta) == ["nut", "bolt"]
    d = Decider(meta)
    s = heatmap(4, 5, 3, [(1, 90, [(0, 0), (0, 1)]), (2, 40, [(3, 4)])])
    assert d.update(memoryview(s.astype(np.int8)).cast("b"), 1000) == 2
    got = []
    for k in range(2):
        d.item(k)
        got.append((d.index, d.label, d.score, d.x, d.y))
    assert got == [(1, "nut", 90 + 128, 8, 4), (2, "bolt", 40 + 128, 36, 28)]
    assert d.update(memoryview(heatmap(4, 5, 3, []).astype(np.int8)).cast("b"), 2000) == 0
    assert (d.index, d.label, d.x) == (0, "background", -1)


@pytest.mark.parametrize("change, message", [
    ({"detection": None}, "detection is required"),
    ({"sensor": "microphone", "sample_rate": 8000, "window_samples": 8000, "stride_samples": 4000},
     "detection needs a camera model"),
    ({"output": {"shape": [1, 4, 5, 2], "scale": 1 / 256, "zero_point": -128}}, "do not fill the output's 40"),
    ({"quiet_labels": ["background"]}, "labels\\[0\\] is the background"),
])
def test_a_detection_meta_json_names_what_is_wrong(change, message):
    from midge.meta import check
    meta = detection_meta()
    meta.update(change)
    if meta["detection"] is None:
        del meta["detection"]
    with pytest.raises(ValueError, match=message):
        check(meta)
    assert Detector.from_meta(check(detection_meta())).threshold == 0


DECIDE = """
import gc, json
from array import array
from midge.decide import Decider
meta, scores = json.loads(open(%r).read())
d = Decider(meta)
s = memoryview(array('b', scores))
k = n = t = before = 0  # globals made before measuring: a new one grows the module's dict
for k in range(d.update(s, 1000)):
    d.item(k)
gc.collect()
before = gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0
for t in range(2000, 12000, 1000):
    for k in range(d.update(s, t)):
        d.item(k)
        n += d.x
print(json.dumps([(gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0) - before, n]))
"""


def test_deciding_on_a_frame_s_objects_allocates_nothing(device_python, tmp_path):
    s = heatmap(4, 5, 3, [(1, 90, [(0, 0), (0, 1)]), (2, 40, [(3, 4)])])
    path = tmp_path / "case.json"
    path.write_text(json.dumps([detection_meta(), s.astype(int).tolist()]))
    grown, xs = json.loads(device_python(code=DECIDE % str(path)).check().strip().splitlines()[-1])
    assert grown == 0 and xs == 10 * (8 + 36)
