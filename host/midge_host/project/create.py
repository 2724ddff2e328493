"""Create a project folder from a template, with ``--set key=value`` overrides.

Contract:

- ``template_data(name) -> dict``: the template's settings (templates/<name>.toml);
  MidgeError for an unknown name, with a close match as the hint.
- ``apply_overrides(data, settings) -> dict``: a copy of ``data`` with each
  ``"dotted.key=value"`` applied. The value is parsed as the type the key has
  (int, number, str, bool, or a list: ``a,b,c`` or TOML ``["a", "b"]``); an
  unknown key or an unparsable value is a MidgeError with close matches.
  ``model.name`` is applied first and resets ``model.params`` to the new
  architecture's defaults; ``model.params.K`` may name any parameter of the
  architecture (the zoo's defaults).
- ``create_project(folder, template, settings=()) -> Project``: validate the
  result like ``load_project`` and write ``midge.toml``, ``README.md``,
  ``data/README.md`` and one empty ``data/<label>/`` per label. The folder
  must not exist or be empty; nothing is written when validation fails.
"""

import copy
import difflib
import re
import string
import tomllib
from pathlib import Path

from midge_host.files import write_atomic
from midge_host.errors import MidgeError
from midge_host.paths import PACKAGE_DIR
from midge_host.project import schema
from midge_host.project.load import FILE_NAME, flatten, load_project, unflatten, validate
from midge_host.project.tomlfile import dumps
from midge_host.train.zoo import DEFAULTS as ZOO_DEFAULTS

TEMPLATE_DIR = PACKAGE_DIR / "templates"
TEMPLATES = schema.TEMPLATE_NAMES
FORMATS = {
    "microphone": "`$suffix` files: 16-bit PCM, mono, $rate Hz (`input.sample_rate`). A clip is "
                  "one window ($window ms) or longer; `midge data import` cuts longer recordings "
                  "into windows every $stride ms.",
    "imu": "`.csv` files with the header `timestamp_ms,$columns`, one row per sample at $rate Hz, "
           "values as int16 counts (accelerometer: input.accel_full_scale_g = 32768; gyroscope: "
           "input.gyro_full_scale_dps = 32768; `midge data import` converts m/s^2 and deg/s). "
           "A file is one window ($window ms) or longer.",
    "camera": "`.png`, `.pgm` or `.bmp` images, $width x $height pixels, grayscale.",
}
SUFFIX = {"microphone": ".wav", "imu": ".csv", "camera": ".png"}


def _template_path(name):
    path = TEMPLATE_DIR / f"{name}.toml"
    if name not in TEMPLATES or not path.is_file():
        close = difflib.get_close_matches(name, TEMPLATES, n=1)
        raise MidgeError(f"unknown template {name!r}; templates: {', '.join(TEMPLATES)}",
                         hint=f"did you mean {close[0]!r}?" if close else None)
    return path


def template_data(name):
    """The settings of template ``name`` as nested dicts."""
    with open(_template_path(name), "rb") as f:
        return tomllib.load(f)


def template_summary(name):
    """The template's leading comment block as one paragraph."""
    lines = []
    for line in _template_path(name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").strip())
    return " ".join(lines)


def _kind_of(key, current, known):
    if key in known:
        return known[key].kind
    if isinstance(current, bool):
        return "bool"
    if isinstance(current, int):
        return "int"
    if isinstance(current, float):
        return "float"
    if isinstance(current, list):
        return "list"
    return "str"


def _convert(text, kind, key):
    """``text`` as a value of ``kind``; ValueError with a readable reason."""
    text = text.strip()
    if kind == "int":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(f"{key} must be an integer, got {text!r}")
        return int(text)
    if kind in ("number", "float"):
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{key} must be a number, got {text!r}") from None
        return int(text) if kind == "number" and re.fullmatch(r"[+-]?\d+", text) else value
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"{key} must be true or false, got {text!r}")
        return text.lower() == "true"
    return text


def _parse_list(text, template, key):
    if text.strip().startswith("["):
        try:
            return tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"{key}: {text!r} is not a TOML list ({err})") from None
    items = [item for item in (part.strip() for part in text.split(",")) if item]
    element = template[0] if template else ""
    kind = _kind_of("", element, {})
    return [_convert(item, kind, key) for item in items]


def _parsed(settings):
    out = []
    for setting in settings:
        key, sep, text = setting.partition("=")
        key = key.strip()
        if not sep or not key:
            raise MidgeError(f"--set {setting!r} is not key=value",
                             hint="e.g. --set training.epochs=5 --set board=pico")
        out.append((key, text))
    # the architecture first: its parameters replace the old one's, then model.params.* apply
    return sorted(out, key=lambda kv: kv[0] != "model.name")


def _new_model(flat, name):
    """``flat`` with model.name set to ``name`` and its params reset to that model's defaults."""
    if name not in ZOO_DEFAULTS:
        close = difflib.get_close_matches(name, list(ZOO_DEFAULTS), n=1)
        raise MidgeError(f"--set model.name: unknown architecture {name!r}; the zoo has {', '.join(ZOO_DEFAULTS)}",
                         hint=f"did you mean {close[0]!r}?" if close else None)
    flat = {k: v for k, v in flat.items() if not k.startswith("model.params.")}
    flat["model.name"] = name
    flat.update((f"model.params.{k}", copy.deepcopy(v)) for k, v in ZOO_DEFAULTS[name].items())
    return flat


def apply_overrides(data, settings):
    """``data`` with every ``key=value`` of ``settings`` applied (see module docs)."""
    flat = flatten(copy.deepcopy(data))
    known = schema.fields(data.get("sensor", "microphone"), data.get("task", "classification"))
    for key, text in _parsed(settings):
        if key == "model.name":
            if text.strip() != flat.get("model.name"):
                flat = _new_model(flat, text.strip())
            continue
        if key.startswith("model.params.") and key not in flat:
            param = key[len("model.params."):]
            defaults = ZOO_DEFAULTS.get(flat.get("model.name"), {})
            if param in defaults:
                flat[key] = copy.deepcopy(defaults[param])
        if key not in flat:
            close = difflib.get_close_matches(key, list(flat), n=3)
            raise MidgeError(f"--set {key}: unknown setting",
                             hint=f"did you mean {' or '.join(close)}?" if close
                             else "the settings are the keys of midge.toml (docs/projects.md)")
        kind = _kind_of(key, flat[key], known)
        try:
            if kind == "list":
                flat[key] = _parse_list(text, flat[key], key)
            else:
                flat[key] = _convert(text, kind, key)
        except ValueError as err:
            raise MidgeError(f"--set {err}", hint=f"it is currently {flat[key]!r}") from None
    return unflatten(flat)


def render(project, data):
    """midge.toml text for validated ``data`` of ``project``."""
    header = (f"midge project {project.name!r} (template {project.template}).\n"
              "Reference: docs/projects.md. Check it with any midge command, e.g. "
              "`midge data stats .`")
    docs = dict(schema.TABLE_DOCS)
    docs.update((key, field.doc) for key, field in schema.fields(project.sensor, project.task).items())
    return dumps(data, docs, header)


def _window(project):
    inputs = project.input
    if project.sensor == "camera":
        return f"one {inputs['width']} x {inputs['height']} grayscale image"
    text = (f"{inputs['window_ms']:g} ms every {inputs['stride_ms']:g} ms at {inputs['sample_rate']:g} Hz "
            f"({project.window_samples} samples)")
    return text + (f", columns {', '.join(inputs['columns'])}" if project.sensor == "imu" else "")


def _features(project):
    from midge_host.features import extractor
    fx = extractor(project.feature_config())
    shown = ", ".join(f"{k} {v}" for k, v in project.features.items() if k != "kind")
    return f"`{fx.config['kind']}`{' (' + shown + ')' if shown else ''}: {fx.frame_count} x {fx.feature_count} int8"


def _model(project):
    params = ", ".join(f"{k} {v}" for k, v in project.model["params"].items())
    return f"`{project.model['name']}`{' (' + params + ')' if params else ''}"


def _fill(text, project):
    inputs = project.input
    values = {
        "one_window": _window(project), "feature_pipeline": _features(project), "architecture": _model(project),
        "name": project.name, "template": project.template, "task": project.task,
        "sensor": project.sensor, "board": project.board,
        "labels": ", ".join(project.labels), "summary": template_summary(project.template),
        "suffix": SUFFIX[project.sensor], "rate": inputs.get("sample_rate"),
        "window": inputs.get("window_ms"), "stride": inputs.get("stride_ms"),
        "columns": ",".join(inputs.get("columns", ())), "width": inputs.get("width"),
        "height": inputs.get("height"),
    }
    values["format"] = string.Template(FORMATS[project.sensor]).substitute(values)
    return string.Template(text).substitute(values)


def create_project(folder, template, settings=()):
    """Write a new project in ``folder`` from ``template``; return it loaded."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise MidgeError(f"{folder} already exists and is not an empty folder",
                         hint="choose a new folder name; midge never overwrites a project")
    data = template_data(template)
    data["name"] = folder.resolve().name
    data = apply_overrides(data, settings)
    project = validate(data, folder / FILE_NAME)
    write_atomic(folder / FILE_NAME, render(project, data))
    write_atomic(folder / "README.md",
                 _fill((TEMPLATE_DIR / "project_README.md").read_text(encoding="utf-8"), project))
    write_atomic(project.data_dir / "README.md",
                 _fill((TEMPLATE_DIR / "data_README.md").read_text(encoding="utf-8"), project))
    for label in project.labels:
        (project.data_dir / label).mkdir(parents=True, exist_ok=True)
    return load_project(folder)
