"""The midge.toml schema: every fixed key, its type, its check and its meaning.

Contract:

- ``fields(sensor, task) -> dict[dotted key, Field]``: the fixed keys a project
  with that sensor and task has (``input.columns`` only for IMU projects,
  ``normal_label`` only for anomaly projects, ...).
- ``Field.check(value, key)`` returns the value (ints accepted where numbers
  are) or raises ``Invalid(key, problem)``.
- ``FREE_TABLES``: tables whose keys are not fixed here (``features`` is
  checked by the feature extractor, ``model.params`` by the model zoo); their
  values must be TOML scalars or lists of scalars.

The schema is also the documentation: ``Field.doc`` becomes the comment above
each key in a written midge.toml, and docs/projects.md lists the same keys.
"""

import difflib
import re
from dataclasses import dataclass

from midge_host.train.zoo import DEFAULTS as ZOO_DEFAULTS

TASKS = ("classification", "anomaly", "detection")
SENSORS = ("microphone", "imu", "camera")
TEMPLATE_NAMES = ("mosquito", "rainfall", "kws", "motion", "anomaly", "person", "objects")
MODEL_ZOO = tuple(ZOO_DEFAULTS)  # the architectures of midge_host.train.zoo
FREE_TABLES = ("features", "model.params")
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
COLUMN_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class Invalid(Exception):
    """A schema violation at ``key`` (a dotted key path)."""

    def __init__(self, key, problem):
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Field:
    """One fixed key: ``kind`` is int, number, str or list (of str); ``doc`` its meaning."""

    kind: str
    doc: str
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_max: bool = False
    empty_ok: bool = False

    def check(self, value, key):
        """The checked value, or Invalid naming ``key``."""
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise Invalid(key, f"must be an integer, got {value!r}")
        elif self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise Invalid(key, f"must be a number, got {value!r}")
        elif self.kind == "str":
            if not isinstance(value, str) or not value.strip():
                raise Invalid(key, f"must be a non-empty string, got {value!r}")
            if self.choices and value not in self.choices:
                close = difflib.get_close_matches(value, self.choices, n=1)
                tip = f" (did you mean {close[0]!r}?)" if close else ""
                raise Invalid(key, f"must be one of {', '.join(self.choices)}; got {value!r}{tip}")
        elif self.kind == "list":
            if not isinstance(value, list) or not (value or self.empty_ok):
                raise Invalid(key, f"must be a {'' if self.empty_ok else 'non-empty '}list of strings, got {value!r}")
            for item in value:
                if not isinstance(item, str):
                    raise Invalid(key, f"must be a list of strings; {item!r} is not a string")
                if self.choices and item not in self.choices:
                    raise Invalid(key, f"items must be among {', '.join(self.choices)}; got {item!r}")
            if len(set(value)) != len(value):
                dupes = sorted({v for v in value if value.count(v) > 1})
                raise Invalid(key, f"has duplicates: {', '.join(dupes)}")
        if self.minimum is not None and value < self.minimum:
            raise Invalid(key, f"must be >= {self.minimum}, got {value}")
        if self.maximum is not None:
            if self.exclusive_max and value >= self.maximum:
                raise Invalid(key, f"must be < {self.maximum}, got {value}")
            if not self.exclusive_max and value > self.maximum:
                raise Invalid(key, f"must be <= {self.maximum}, got {value}")
        return value


def _ms(doc):
    return Field("number", doc, minimum=1e-3)


TOP = {
    "name": Field("str", "project name (used in reports and model file names)"),
    "template": Field("str", "the template this project was made from (`midge data synth` uses it)",
                      choices=TEMPLATE_NAMES),
    "task": Field("str", "classification: one label per window; anomaly: train on normal data, "
                         "flag what does not fit; detection: objects in an image (camera), "
                         "each a class and a position", choices=TASKS),
    "sensor": Field("str", "where the data comes from", choices=SENSORS),
    "board": Field("str", "target board: a profile name from `midge boards`"),
    "labels": Field("list", "classes, in model output order; one folder data/<label>/ each"),
}
CLASSIFICATION = {
    "quiet_labels": Field("list", "labels the board never reports as a detection (background, "
                                  "silence, idle); may be empty", empty_ok=True),
}
ANOMALY = {
    "normal_label": Field("str", "the label of normal data: the only class the model trains on; "
                                 "every other label is a fault, used for testing only"),
}
DETECTION = {
    "detection.threshold": Field("number", "probability a cell's class needs for the cell to hold an "
                                           "object (labels[0] is the background)", minimum=0.01,
                                 maximum=0.99),
    "detection.max_objects": Field("int", "most objects reported per image on the board", minimum=1,
                                   maximum=255),
}
AUDIO_INPUT = {
    "input.sample_rate": Field("int", "samples per second (Hz) of recordings and of the board's "
                                      "microphone", minimum=1000, maximum=96000),
    "input.window_ms": _ms("length of one model input window (ms)"),
    "input.stride_ms": _ms("time between window starts when cutting long recordings and on the "
                           "board (ms)"),
}
IMU_INPUT = {
    "input.sample_rate": Field("number", "IMU samples per second (Hz)", minimum=1, maximum=10000),
    "input.window_ms": _ms("length of one model input window (ms)"),
    "input.stride_ms": _ms("time between window starts when cutting long recordings and on the "
                           "board (ms)"),
    "input.columns": Field("list", "the IMU axes used, in order (CSV columns after timestamp_ms, "
                                   "int16 counts): ax, ay, az accelerometer, gx, gy, gz gyroscope"),
    "input.accel_full_scale_g": Field("number", "accelerometer range (+-g) that maps to int16 "
                                                "full scale on the board", minimum=1e-3),
    "input.gyro_full_scale_dps": Field("number", "gyroscope range (+-deg/s) that maps to int16 "
                                                 "full scale on the board", minimum=1e-3),
}
CAMERA_INPUT = {
    "input.width": Field("int", "image width in pixels (grayscale)", minimum=8, maximum=640),
    "input.height": Field("int", "image height in pixels (grayscale)", minimum=8, maximum=480),
}
FEATURES = {
    "features.kind": Field("str", "feature extractor (docs/features.md); its parameters follow"),
}
MODEL = {
    "model.name": Field("str", "architecture from the model zoo", choices=MODEL_ZOO),
}
TRAINING = {
    "training.epochs": Field("int", "most passes over the training data", minimum=1),
    "training.batch_size": Field("int", "windows per gradient step", minimum=1),
    "training.learning_rate": Field("number", "Adam learning rate", minimum=1e-9, maximum=1),
    "training.patience": Field("int", "stop after this many epochs without validation "
                                      "improvement (0: never stop early)", minimum=0),
    "training.seed": Field("int", "random seed for the split, shuffling and weights", minimum=0),
    "training.validation_fraction": Field("number", "share of recordings (groups) for validation",
                                          minimum=0, maximum=1, exclusive_max=True),
    "training.test_fraction": Field("number", "share of recordings (groups) held out for the "
                                              "final test", minimum=0, maximum=1,
                                    exclusive_max=True),
}
AUGMENTS = ("flip", "shift")
CAMERA_TRAINING = {
    "training.augment": Field("list", "random changes to training images each epoch: flip (mirror left "
                                      "to right), shift (move up to 10 % of the size each way); "
                                      "[] for none", choices=AUGMENTS, empty_ok=True),
}
INPUTS = {"microphone": AUDIO_INPUT, "imu": IMU_INPUT, "camera": CAMERA_INPUT}
TABLE_DOCS = {
    "input": "what one model input is",
    "features": "feature extraction, computed bit-exactly on host and board",
    "model": "the model",
    "model.params": "architecture parameters",
    "training": "training settings",
    "detection": "objects from the model's per-cell classes (task detection)",
}


def fields(sensor, task):
    """The fixed keys of a project with this sensor and task, in file order."""
    out = dict(TOP)
    if task == "anomaly":
        out.update(ANOMALY)
    elif task == "detection":
        out.update(DETECTION)
    else:
        out.update(CLASSIFICATION)
    out.update(INPUTS[sensor])
    out.update(FEATURES)
    out.update(MODEL)
    out.update(TRAINING)
    if sensor == "camera":
        out.update(CAMERA_TRAINING)
    return out


def is_free(key):
    """True if ``key`` lies in a table whose keys the schema does not fix."""
    return any(key.startswith(table + ".") for table in FREE_TABLES)


def check_free_value(value, key):
    """A free-table value: a TOML scalar or a list of scalars of one type."""
    scalar = (bool, int, float, str)
    if isinstance(value, scalar):
        return value
    if isinstance(value, list) and all(isinstance(v, scalar) for v in value):
        return value
    raise Invalid(key, f"must be a number, string, boolean or list of them, got {value!r}")
