"""meta.json: everything a board needs besides the model (format 1). This
module owns its schema: `midge quantize` checks what it writes with ``check``,
`midge deploy` checks a build with it, and the board reads it with ``read``.

    meta = midge.meta.read("/model/meta.json")   # checked; ValueError names the key
    midge.meta.check(doc)                        # the same checks on a dict

Keys (docs/artifacts.md has the full table):

- required: ``format`` (1), ``name``, ``task`` (TASKS), ``labels`` (output
  order; unique non-empty strings), ``sensor`` (SENSORS), ``sample_rate``
  (Hz; 0 for cameras), ``channels`` (values per frame: 1 for microphones and
  cameras, the IMU axes), ``window_samples`` and ``stride_samples`` (frames
  per channel; 0 for cameras), ``features`` (the complete feature config for
  ``midge.features.build``), ``input`` and ``output`` (``shape``, ``scale``,
  ``zero_point`` of the int8 tensors);
- ``quiet_labels`` (classification): labels never reported as detections
  (``midge.labels`` owns what that means);
- ``smoothing`` (classification): recognizer settings, ``midge.decide.SMOOTHING``'s
  keys, in int8 score units;
- ``anomaly`` (anomaly, required): ``threshold`` (number), ``score``
  ("mse_int"), optional ``hysteresis`` (>= 0) and ``count`` (>= 1);
- ``detection`` (detection, required; a camera model whose output is a FOMO
  heatmap, ``labels[0]`` the background): ``rows``, ``cols``, ``cell``
  (input pixels per cell side), ``threshold`` (int8 score a cell's class
  needs) and ``max_objects``, as ``midge.detect.Detector`` takes them; rows x
  cols x labels must be the output's size;
- optional: ``board`` (the profile the project targets), ``synthetic``,
  ``vectors``, ``created``, ``midge_version``.

Any other key, a wrong type or value is a ValueError naming the key.
"""

import json

from midge.decide import SMOOTHING

FORMAT = 1
TASKS = ("classification", "anomaly", "detection")
SENSORS = ("microphone", "imu", "camera")
REQUIRED = ("format", "name", "task", "labels", "sensor", "sample_rate", "channels",
            "window_samples", "stride_samples", "features", "input", "output")
OPTIONAL = ("quiet_labels", "smoothing", "anomaly", "detection", "board", "synthetic", "vectors", "created",
            "midge_version")
ANOMALY_SCORES = ("mse_int",)


def _fail(where, key, problem):
    raise ValueError("%smeta.json: %s %s" % (where + ": " if where else "", key, problem))


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _int(meta, key, lo, where):
    v = meta[key]
    if not _is_int(v) or v < lo:
        _fail(where, key, "must be an integer >= %d, got %r" % (lo, v))


def _tensor(meta, key, where):
    t = meta[key]
    if not isinstance(t, dict):
        _fail(where, key, "must be an object with shape, scale and zero_point, got %r" % (t,))
    shape = t.get("shape")
    if not isinstance(shape, list) or not shape or not all(_is_int(d) and d >= 1 for d in shape):
        _fail(where, key + ".shape", "must be a list of positive integers, got %r" % (shape,))
    if not _is_number(t.get("scale")) or t["scale"] <= 0:
        _fail(where, key + ".scale", "must be a positive number, got %r" % (t.get("scale"),))
    if not _is_int(t.get("zero_point")) or not -128 <= t["zero_point"] <= 127:
        _fail(where, key + ".zero_point", "must be an integer in -128..127, got %r" % (t.get("zero_point"),))


def _labels(meta, where):
    labels = meta["labels"]
    if not isinstance(labels, list) or not labels:
        _fail(where, "labels", "must be a non-empty list of strings, got %r" % (labels,))
    for i, label in enumerate(labels):
        if not isinstance(label, str) or not label:
            _fail(where, "labels", "must hold non-empty strings; item %d is %r" % (i, label))
        if label in labels[:i]:
            _fail(where, "labels", "lists %r twice" % (label,))


def _smoothing(meta, where):
    sm = meta["smoothing"]
    if not isinstance(sm, dict):
        _fail(where, "smoothing", "must be an object, got %r" % (sm,))
    for key in sm:
        if key not in SMOOTHING:
            _fail(where, "smoothing." + key, "is not a smoothing setting (known: %s)" % ", ".join(SMOOTHING))
        v = sm[key]
        lo = 1 if key == "minimum_count" else (-128 if key == "detection_threshold" else 0)
        if not _is_int(v) or v < lo or (key == "detection_threshold" and v > 127):
            _fail(where, "smoothing." + key, "must be an integer >= %d%s, got %r"
                  % (lo, " and <= 127" if key == "detection_threshold" else "", v))


def _anomaly(meta, where):
    a = meta.get("anomaly")
    if not isinstance(a, dict):
        _fail(where, "anomaly", "must be an object with threshold and score for an anomaly model, got %r" % (a,))
    for key in a:
        if key not in ("threshold", "score", "hysteresis", "count"):
            _fail(where, "anomaly." + key, "is not an anomaly setting (known: threshold, score, hysteresis, count)")
    if not _is_number(a.get("threshold")):
        _fail(where, "anomaly.threshold", "must be a number, got %r" % (a.get("threshold"),))
    if a.get("score") not in ANOMALY_SCORES:
        _fail(where, "anomaly.score", "must be one of %s, got %r" % (", ".join(ANOMALY_SCORES), a.get("score")))
    if not _is_number(a.get("hysteresis", 0)) or a.get("hysteresis", 0) < 0:
        _fail(where, "anomaly.hysteresis", "must be a number >= 0, got %r" % (a.get("hysteresis"),))
    if not _is_int(a.get("count", 1)) or a.get("count", 1) < 1:
        _fail(where, "anomaly.count", "must be an integer >= 1, got %r" % (a.get("count"),))


def check(meta, where=""):
    """``meta`` if it is a valid format-1 meta.json dict, else ValueError naming
    the key (prefixed with ``where``, e.g. the file's path)."""
    if not isinstance(meta, dict):
        _fail(where, "document", "must be a JSON object")
    if meta.get("format") != FORMAT:
        _fail(where, "format", "is %r; this midge reads format %d (rebuild with `midge quantize`)"
              % (meta.get("format"), FORMAT))
    for key in REQUIRED:
        if key not in meta:
            _fail(where, key, "is missing (rebuild with `midge quantize`)")
    for key in meta:
        if key not in REQUIRED and key not in OPTIONAL:
            _fail(where, key, "is not a meta.json key (known: %s)" % ", ".join(REQUIRED + OPTIONAL))
    if not isinstance(meta["name"], str):
        _fail(where, "name", "must be a string, got %r" % (meta["name"],))
    task = meta["task"]
    if task not in TASKS:
        _fail(where, "task", "must be one of %s, got %r" % (", ".join(TASKS), task))
    _labels(meta, where)
    sensor = meta["sensor"]
    if sensor not in SENSORS:
        _fail(where, "sensor", "must be one of %s, got %r" % (", ".join(SENSORS), sensor))
    camera = sensor == "camera"
    rate = meta["sample_rate"]
    if not _is_number(rate) or rate < 0 or (rate == 0) != camera:
        _fail(where, "sample_rate", "must be %s, got %r" % ("0 for a camera" if camera else "a positive number of Hz",
                                                            rate))
    _int(meta, "channels", 1, where)
    for key in ("window_samples", "stride_samples"):
        _int(meta, key, 0 if camera else 1, where)
        if camera and meta[key]:
            _fail(where, key, "must be 0 for a camera, got %r" % (meta[key],))
    features = meta["features"]
    if not isinstance(features, dict) or not isinstance(features.get("kind"), str):
        _fail(where, "features", "must be a feature config object with a 'kind', got %r" % (features,))
    _tensor(meta, "input", where)
    _tensor(meta, "output", where)
    quiet = meta.get("quiet_labels", [])
    if not isinstance(quiet, list) or any(q not in meta["labels"] for q in quiet):
        _fail(where, "quiet_labels", "must list labels of the model (%s), got %r" % (", ".join(meta["labels"]), quiet))
    if task == "anomaly":
        if quiet:
            _fail(where, "quiet_labels", "applies to classification; an anomaly model reports anomalies only")
        _anomaly(meta, where)
    elif "anomaly" in meta:
        _fail(where, "anomaly", "is only for anomaly models (task is %r)" % (task,))
    if task == "detection":
        _detection(meta, where)
    elif "detection" in meta:
        _fail(where, "detection", "is only for detection models (task is %r)" % (task,))
    if "smoothing" in meta:
        _smoothing(meta, where)
    for key in ("board", "vectors", "created", "midge_version"):
        if key in meta and not isinstance(meta[key], str):
            _fail(where, key, "must be a string, got %r" % (meta[key],))
    if "synthetic" in meta and not isinstance(meta["synthetic"], bool):
        _fail(where, "synthetic", "must be true or false, got %r" % (meta["synthetic"],))
    return meta


def _detection(meta, where):
    d = meta.get("detection")
    if meta["sensor"] != "camera":
        _fail(where, "task", "detection needs a camera model, got sensor %r" % (meta["sensor"],))
    if not isinstance(d, dict):
        _fail(where, "detection", "is required for a detection model: {rows, cols, cell, threshold, max_objects}")
    for key, lo, hi in (("rows", 1, 4096), ("cols", 1, 4096), ("cell", 1, 4096), ("threshold", -128, 127),
                        ("max_objects", 1, 255)):
        v = d.get(key)
        if not _is_int(v) or not lo <= v <= hi:
            _fail(where, "detection." + key, "must be an integer in %d..%d, got %r" % (lo, hi, v))
    for key in d:
        if key not in ("rows", "cols", "cell", "threshold", "max_objects"):
            _fail(where, "detection." + key, "is not a detection key")
    size = 1
    for n in meta["output"]["shape"]:
        size *= n
    if d["rows"] * d["cols"] * len(meta["labels"]) != size:
        _fail(where, "detection", "%d x %d cells x %d labels do not fill the output's %d values"
              % (d["rows"], d["cols"], len(meta["labels"]), size))
    if meta.get("quiet_labels"):
        _fail(where, "quiet_labels", "applies to classification; a detection model's labels[0] is the background")


def read(path):
    """The checked meta.json at ``path``."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except OSError:
        raise ValueError("cannot open the model's meta.json at %s" % path)
    except ValueError as err:
        raise ValueError("%s: meta.json is not JSON (%s)" % (path, err))
    return check(doc, path)
