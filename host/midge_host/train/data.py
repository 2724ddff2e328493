"""A project's split as model inputs: raw windows and their int8 features.

Contract:

- ``ensure_split(project, say) -> dict``: splits.json, written first with
  ``midge data split``'s rules when missing and extended with samples added
  since (``say`` tells the user so); a split that lists a file no longer
  there, a file twice or an unknown side is a MidgeError.
- ``load_side(project, split, side, config, progress=None) -> Side``: the
  files of one side with their label indices and features, shape (N,) +
  ``input_shape`` (int8: the extractor's output grid, which is the model's
  int8 input; int32 for motion "output": "int32" without an "int8_map").
- ``base_config(project)``: the complete feature config from midge.toml;
  ``int8_map(raw)`` / ``apply_int8_map(raw, spec)``: the map that turns int32
  motion features into int8 (``midge.features.Int8Map`` on the board).
  Features come from the host path of ``midge_host.features.extract`` (bit-exact
  with the board's ``midge.features.build``) and are cached in
  ``build/cache/`` per file content hash (SHA-256) and feature config.
- ``read_window(project, path) -> np.ndarray``: the first window of a sample
  (``midge_host.recordings``) as the board's window buffer holds it: int16
  samples, axes interleaved (audio, IMU), or the uint8 grayscale pixels
  (camera).
- ``input_shape(project)``: the feature shape of one window.

Sample problems are MidgeErrors naming the file: unreadable WAV or image, a
sample rate or image size other than the project's, a CSV without the
project's columns, a clip shorter than one window, an empty class.
"""

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from midge_host import __version__
from midge_host import recordings
from midge_host.dataset import images
from midge_host.files import sha256_file, write_atomic
from midge_host.dataset.layout import scan
from midge_host.dataset.split import make_split, read_split, write_split
from midge_host.errors import MidgeError
from midge_host.features import extract, extractor

REIMPORT = "bring recordings in with `midge data import`, which converts them to the project's format"


@dataclass
class Side:
    """One side of the split: ``files`` (Paths), ``y`` (label indices), ``x`` (int8 features)."""

    name: str
    files: list
    y: np.ndarray
    x: np.ndarray

    def __len__(self):
        return len(self.files)


def build_dir(project):
    """``DIR/build/`` (created)."""
    path = project.dir / "build"
    path.mkdir(exist_ok=True)
    return path


def ensure_split(project, say=print):
    """The project's splits.json as a dict (checked by ``split.read_split``):
    written first when missing, and extended when data/ holds samples it does
    not list (collected or imported since), placing them without moving the
    files already split (``make_split``'s ``keep``)."""
    if not project.splits_path.is_file():
        say(f"no {project.splits_path.name} yet: splitting the data by group "
            f"(as `midge data split {project.dir}` does)")
        write_split(project, make_split(project))
    doc = read_split(project)
    listed = {name: side for side, s in doc["sides"].items() for name in s["files"]}
    new = [s.path.relative_to(project.dir).as_posix() for s in scan(project).samples]
    new = [name for name in new if name not in listed]
    if new:
        say(f"{len(new)} sample(s) in data/ are not in {project.splits_path.name} yet (e.g. {new[0]}): "
            "adding them to the split, the files already split stay where they are")
        write_split(project, make_split(project, seed=doc.get("seed"), keep=listed))
        doc = read_split(project)
    return doc


def input_shape(project):
    """The feature shape of one window: (frames, features) or (height, width, 1)."""
    if project.sensor == "camera":
        return (project.input["height"], project.input["width"], 1)
    return tuple(extractor(base_config(project)).shape)


def base_config(project):
    """The project's complete feature config (``fx.config``), without an int8 map."""
    return extractor(project.feature_config()).config


def int8_map(raw):
    """The motion int8 map for int32 features ``raw`` (N, ...) of the training data:
    per feature, offset = round(mean) and divisor = max(1, ceil(4 * std / 128)), so
    +-4 standard deviations fill the int8 range (``midge.features.Int8Map``)."""
    flat = raw.reshape(len(raw), -1).astype(np.float64)
    offset = np.rint(flat.mean(axis=0)).astype(np.int64)
    divisor = np.maximum(1, np.ceil(4 * flat.std(axis=0) / 128)).astype(np.int64)
    return {"offset": offset.tolist(), "divisor": divisor.tolist()}


def apply_int8_map(raw, spec):
    """int8 ``clamp((v - offset) // divisor, -128, 127)`` per feature, as the board computes it."""
    flat = raw.reshape(len(raw), -1).astype(np.int64)
    q = np.floor_divide(flat - np.asarray(spec["offset"], np.int64), np.asarray(spec["divisor"], np.int64))
    return np.clip(q, -128, 127).astype(np.int8).reshape(raw.shape)


def read_window(project, path):
    """The first window of sample ``path`` (see the module docstring)."""
    path = Path(path)
    if project.sensor == "camera":
        img = images.read(path)
        want = (project.input["width"], project.input["height"])
        if img.size != want or img.mode != "L":
            raise MidgeError(f"{path}: is a {img.size[0]}x{img.size[1]} {img.mode} image; the project "
                             f"takes {want[0]}x{want[1]} grayscale (L)", hint=REIMPORT)
        return np.asarray(img, dtype=np.uint8)
    rec = recordings.read(path)
    samples = rec.samples
    if project.sensor == "imu":
        columns = list(project.input["columns"])
        missing = [c for c in columns if c not in rec.names]
        if missing:
            raise MidgeError(f"{path}: has no column {', '.join(missing)} (its columns: {', '.join(rec.names)}); "
                             f"the project reads {', '.join(columns)} (input.columns)", hint=REIMPORT)
        samples = samples[:, [rec.names.index(c) for c in columns]]
    elif samples.shape[1] != 1:
        raise MidgeError(f"{path}: has {samples.shape[1]} channels; the project records mono", hint=REIMPORT)
    if rec.rate is not None and abs(rec.rate - project.sample_rate) > 0.01 * project.sample_rate:
        raise MidgeError(f"{path}: is sampled at {rec.rate:g} Hz, the project at {project.sample_rate:g} Hz "
                         "(mixed sample rates)", hint=REIMPORT)
    return _first_window(project, path, np.ascontiguousarray(samples).reshape(-1), len(samples))


def _first_window(project, path, flat, frames):
    need = project.window_samples
    if frames < need:
        raise MidgeError(f"{path}: has {frames} samples, shorter than one window ({need})",
                         hint=f"record at least {project.input['window_ms']:g} ms per file, or lower "
                              "input.window_ms")
    return flat[:need * (flat.size // frames)]


def _cache_file(project, config):
    key = hashlib.sha256(json.dumps([config, __version__], sort_keys=True).encode()).hexdigest()[:16]
    cache = build_dir(project) / "cache"
    cache.mkdir(exist_ok=True)
    return cache / f"features-{config['kind']}-{key}.npz"


def features(project, paths, config, progress=None):
    """Features of each sample in ``paths`` for ``config``, (N,) + input_shape, through
    the cache: int8, or int32 for motion with "output": "int32" and no "int8_map"."""
    shape = input_shape(project)
    spec = config.get("int8_map")
    config = {k: v for k, v in config.items() if k != "int8_map"}
    file = _cache_file(project, config)
    cached = {}
    if file.is_file():
        with np.load(file) as saved:
            cached = dict(zip(saved["hashes"].tolist(), saved["features"]))
    hashes = [sha256_file(p) for p in paths]
    todo = [i for i, h in enumerate(hashes) if h not in cached]
    if todo:
        windows = [read_window(project, paths[i]) for i in todo]
        fresh = extract(config, windows)
        for i, f in zip(todo, fresh):
            cached[hashes[i]] = f
        keys = sorted(cached)
        buf = io.BytesIO()
        np.savez(buf, hashes=np.array(keys), features=np.stack([cached[k] for k in keys]))
        write_atomic(file, buf.getvalue())
    if progress:
        progress(len(paths))
    dtype = np.int32 if config.get("output") == "int32" else np.int8
    out = np.stack([cached[h] for h in hashes]).reshape((len(paths),) + shape).astype(dtype) \
        if paths else np.zeros((0,) + shape, dtype)
    return apply_int8_map(out, spec) if spec else out


def load_side(project, split, side, config, progress=None):
    """Side ``side`` of ``split`` (a splits.json dict) with labels and ``config``'s features."""
    if side not in split["sides"]:
        raise MidgeError(f"{project.splits_path} has no {side} side",
                         hint=f"set training.{side}_fraction above 0 and run `midge data split {project.dir}`")
    files = [project.dir / f for f in split["sides"][side]["files"]]
    labels = [Path(f).parent.name for f in split["sides"][side]["files"]]
    unknown = sorted(set(labels) - set(project.labels))
    if unknown:
        raise MidgeError(f"{project.splits_path}: label {unknown[0]!r} is not in midge.toml",
                         hint=f"run `midge data split {project.dir}` again")
    y = np.array([project.labels.index(lb) for lb in labels], dtype=np.int64)
    return Side(side, files, y, features(project, files, config, progress))


def check_classes(project, side, labels):
    """MidgeError when a class in ``labels`` has no samples on ``side``."""
    counts = np.bincount(side.y, minlength=len(project.labels))
    for label in labels:
        if counts[project.labels.index(label)] == 0:
            raise MidgeError(f"class {label!r} has no samples in the {side.name} split "
                             f"({project.data_dir / label})",
                             hint="add recordings with `midge data import` (or `midge data synth`), "
                                  f"then run `midge data split {project.dir}` again")
