"""Load and validate a project's midge.toml.

Contract:

- ``load_project(path) -> Project``: ``path`` is the project folder (or its
  midge.toml). A missing file, bad TOML, a missing, unknown or mistyped key, an
  unknown board or an invalid feature config raises ``MidgeError`` naming the
  file and the dotted key, e.g.
  ``proj/midge.toml: training.epochs: must be an integer, got '5'``.
- ``validate(data, source) -> Project``: the same checks on parsed data;
  ``source`` (a Path) is the file named in errors and the project folder is
  its parent.
- ``flatten(data)`` / ``unflatten(flat)``: nested tables <-> dotted keys.

A ``Project`` holds the validated settings (``project.training["epochs"]``)
plus derived values: ``feature_config()`` (the dict for
``midge.features.build``), ``window_samples``, ``stride_samples``,
``data_dir``, ``splits_path``.
"""

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from midge.features import build as build_features  # the board's own extractor
from midge_host.boards import load_board
from midge_host.errors import MidgeError
from midge_host.project import schema
from midge_host.project.schema import Invalid

FILE_NAME = "midge.toml"
TABLES = ("input", "features", "model", "model.params", "training", "detection")
# Feature kinds each sensor can use (midge.features.KINDS).
KINDS_BY_SENSOR = {
    "microphone": ("spectrogram", "mfe", "mfcc", "micro_speech"),
    "imu": ("motion",),
    "camera": ("image",),
}
DOCS_HINT = "midge.toml keys are described in docs/projects.md"


@dataclass(frozen=True)
class Project:
    """A validated project: ``dir`` (its folder) and the settings of its midge.toml."""

    dir: Path
    name: str
    template: str
    task: str
    sensor: str
    board: str
    labels: tuple
    normal_label: str | None
    quiet_labels: tuple
    input: dict
    features: dict
    model: dict
    training: dict
    detection: dict | None = None  # task detection: threshold, max_objects

    @property
    def path(self):
        """The project's midge.toml."""
        return self.dir / FILE_NAME

    @property
    def data_dir(self):
        """``data/``: one folder of samples per label."""
        return self.dir / "data"

    @property
    def splits_path(self):
        """``splits.json``, written by `midge data split`."""
        return self.dir / "splits.json"

    @property
    def sample_rate(self):
        """Samples per second (Hz) of audio or IMU data; None for cameras."""
        return self.input.get("sample_rate")

    @property
    def window_samples(self):
        """Samples (per channel) in one window; None for cameras."""
        return _samples(self.input, "window_ms") if self.sensor != "camera" else None

    @property
    def stride_samples(self):
        """Samples (per channel) between window starts; None for cameras."""
        return _samples(self.input, "stride_ms") if self.sensor != "camera" else None

    def feature_config(self):
        """The ``{"kind": ..., params}`` dict for ``midge.features.build``, with
        sample_rate and window_ms (motion's axes, an image's width and height)
        taken from ``[input]``."""
        config = dict(self.features)
        if self.sensor == "camera":
            config["width"] = self.input["width"]
            config["height"] = self.input["height"]
        else:
            config["sample_rate"] = self.input["sample_rate"]
            config["window_ms"] = self.input["window_ms"]
        if config["kind"] == "motion":
            config["axes"] = len(self.input["columns"])
        return config


def _samples(inputs, key):
    return round(inputs[key] * inputs["sample_rate"] / 1000)


def flatten(data, prefix=""):
    """Nested dicts -> {dotted key: value}; tables themselves are not keys."""
    flat = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def unflatten(flat):
    """{dotted key: value} -> nested dicts (the inverse of ``flatten``)."""
    data = {}
    for dotted, value in flat.items():
        *tables, key = dotted.split(".")
        node = data
        for table in tables:
            node = node.setdefault(table, {})
        node[key] = value
    return data


def load_project(path):
    """The validated project in folder ``path`` (or the midge.toml ``path``)."""
    path = Path(path)
    file = path if path.name == FILE_NAME and path.is_file() else path / FILE_NAME
    if not file.is_file():
        raise MidgeError(f"{path} is not a midge project: {file} does not exist",
                         hint="create one with `midge new DIR --template mosquito` "
                              "(templates: " + ", ".join(schema.TEMPLATE_NAMES) + ")")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise MidgeError(f"{file}: not valid TOML: {err}", hint=DOCS_HINT) from None
    return validate(data, file)


def validate(data, source):
    """Check parsed midge.toml ``data``; MidgeError names ``source`` and the key."""
    source = Path(source)
    try:
        return _validate(data, source)
    except Invalid as err:
        raise MidgeError(f"{source}: {err}", hint=DOCS_HINT) from None


def _validate(data, source):
    for key in ("sensor", "task"):
        if key not in data:
            raise Invalid(key, "missing key")
        schema.TOP[key].check(data[key], key)
    for table in TABLES:
        node = data
        for part in table.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            raise Invalid(table, f"must be a table ([{table}]), got {node!r}")
    known = schema.fields(data["sensor"], data["task"])
    flat = flatten(data)
    for key, value in flat.items():
        if key in known:
            known[key].check(value, key)
        elif schema.is_free(key):
            schema.check_free_value(value, key)
        else:
            close = difflib.get_close_matches(key, list(known), n=1)
            tip = f" (did you mean {close[0]!r}?)" if close else ""
            raise Invalid(key, f"unknown key{tip}")
    for key in known:
        if key not in flat:
            raise Invalid(key, "missing key")
    nested = unflatten(flat)
    project = Project(
        dir=source.parent, name=data["name"], template=data["template"], task=data["task"],
        sensor=data["sensor"], board=data["board"], labels=tuple(data["labels"]),
        normal_label=data.get("normal_label"), quiet_labels=tuple(data.get("quiet_labels", ())),
        input=nested["input"],
        features=nested["features"],
        model={"name": nested["model"]["name"], "params": nested["model"].get("params", {})},
        training=nested["training"], detection=nested.get("detection"))
    _check_labels(project)
    _check_input(project)
    _check_training(project)
    _check_board(project)
    _check_features(project)
    _check_model(project)
    return project


def _check_labels(p):
    for label in p.labels:
        if not schema.LABEL_RE.match(label):
            raise Invalid("labels", f"{label!r} is not a usable folder name "
                                    "(letters, digits, _ . -; starting with a letter or digit)")
    if p.task in ("classification", "detection") and len(p.labels) < 2:
        raise Invalid("labels", f"a {p.task} project needs at least 2 labels, got {list(p.labels)}")
    if p.task == "detection" and p.sensor != "camera":
        raise Invalid("task", f"detection finds objects in images: a camera project's task, not a {p.sensor}'s")
    for label in p.quiet_labels:
        if label not in p.labels:
            raise Invalid("quiet_labels", f"{label!r} is not one of labels {list(p.labels)}")
    if p.task == "anomaly" and p.normal_label not in p.labels:
        raise Invalid("normal_label", f"{p.normal_label!r} is not one of labels {list(p.labels)}")


def _whole_samples(p, key):
    exact = p.input[key] * p.input["sample_rate"] / 1000
    if abs(exact - round(exact)) > 1e-6 or round(exact) < 1:
        raise Invalid(f"input.{key}", f"{p.input[key]} ms is not a whole number of samples at "
                                      f"{p.input['sample_rate']} Hz ({exact:g})")


def _check_input(p):
    if p.sensor == "camera":
        return
    _whole_samples(p, "window_ms")
    _whole_samples(p, "stride_ms")
    if p.sensor == "imu":
        for column in p.input["columns"]:
            if not schema.COLUMN_RE.match(column) or column.lower().startswith("timestamp"):
                raise Invalid("input.columns", f"{column!r} is not a usable column name")


def _check_training(p):
    total = p.training["validation_fraction"] + p.training["test_fraction"]
    if total >= 1:
        raise Invalid("training", f"validation_fraction + test_fraction must be below 1, got {total:g}")


def _check_board(p):
    try:
        load_board(p.board)
    except MidgeError as err:
        raise Invalid("board", err.message + (f" ({err.hint})" if err.hint else "")) from None


def _check_features(p):
    kind = p.features["kind"]
    allowed = KINDS_BY_SENSOR[p.sensor]
    if kind not in allowed:
        raise Invalid("features.kind", f"a {p.sensor} project uses {' or '.join(allowed)}, got {kind!r}")
    derived = {"sample_rate": "input.sample_rate", "window_ms": "input.window_ms", "axes": "input.columns",
               "width": "input.width", "height": "input.height"}
    for key, source in derived.items():
        if key in p.features:
            raise Invalid(f"features.{key}", f"comes from {source}; remove it from [features]")
    try:
        build_features(p.feature_config())
    except ValueError as err:
        raise Invalid("features", str(err)) from None


def _check_model(p):
    from midge_host.train import zoo
    try:
        zoo.resolve(p.model["name"], p.model["params"])
        zoo.check_task(p.model["name"], p.task)
    except MidgeError as err:
        key, _, problem = err.message.partition(": ")
        raise Invalid(key if key.startswith("model") else "model.name",
                      (problem or err.message) + (f" ({err.hint})" if err.hint else "")) from None
