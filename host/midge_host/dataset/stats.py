"""`midge data stats`: what is in a project's data/, and what looks wrong.

Contract: ``compute(project, progress=None) -> Stats`` reads every sample's
header (WAV), rows (CSV, ``midge_host.recordings``) or size (image) and returns per-class counts,
groups and durations plus warnings:

- a class with no samples ("empty");
- classes whose file counts differ by more than ``IMBALANCE`` x (not for
  anomaly projects, whose fault classes are test-only);
- sample rates that differ between files or from ``input.sample_rate``;
- clips shorter than one window; files not in dataset format (not 16-bit
  mono WAV, a CSV without the project's columns or its timestamp_ms column,
  wrong image size); unreadable files;
- a class with fewer groups than the split needs;
- folders in data/ that are not labels, and files of other types;
- detection: boxes in data/boxes.json for images that are not there, images
  in a class folder without boxes (they train as background), a class no box
  has. ``Stats.objects`` counts the boxes per class ({} for other tasks).

An empty data/ (no samples at all) is a MidgeError. Stats never change files.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from midge import recording
from midge_host import recordings
from midge_host.dataset import images, wav
from midge_host.dataset.layout import scan
from midge_host.errors import MidgeError

IMBALANCE = 3.0


@dataclass
class ClassStats:
    label: str
    files: int = 0
    groups: int = 0
    seconds: float = 0.0
    shortest: float | None = None
    longest: float | None = None
    rates: Counter = field(default_factory=Counter)

    def add(self, seconds, rate):
        self.files += 1
        if seconds is not None:
            self.seconds += seconds
            self.shortest = seconds if self.shortest is None else min(self.shortest, seconds)
            self.longest = seconds if self.longest is None else max(self.longest, seconds)
        if rate is not None:
            self.rates[rate] += 1


@dataclass
class Stats:
    classes: list
    warnings: list
    objects: dict = field(default_factory=dict)

    @property
    def files(self):
        return sum(c.files for c in self.classes)


def _measure(project, sample, problems):
    """(seconds, rate) of one sample, noting format problems in ``problems``."""
    path = sample.path
    if project.sensor == "microphone":
        meta = wav.info(path)
        if meta.channels != 1 or meta.bits != 16 or meta.encoding != "pcm":
            problems["files not in dataset format (16-bit PCM mono WAV)"].append(path)
        return meta.seconds, meta.rate
    if project.sensor == "imu":
        rec = recordings.read(path)
        missing = [c for c in project.input["columns"] if c not in rec.names]
        if missing:
            problems[f"files without the columns {', '.join(project.input['columns'])} "
                     f"(missing {', '.join(missing)})"].append(path)
        if rec.rate is None:
            problems[f"files without a {recording.TIME_COLUMN} column (their rate is unknown)"].append(path)
            return None, None
        return rec.seconds, round(rec.rate, 3)
    width, height, mode = images.size(path)
    want = (project.input["width"], project.input["height"])
    if (width, height) != want or mode != "L":
        problems[f"images not {want[0]}x{want[1]} grayscale"].append(path)
    return None, None


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _examples(paths, project):
    shown = ", ".join(str(p.relative_to(project.dir)) if p.is_relative_to(project.dir) else str(p)
                      for p in paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def compute(project, progress=None):
    """Per-class statistics and warnings for ``project`` (see module docs)."""
    found = scan(project)
    if not found.samples:
        raise MidgeError(f"no samples in {project.data_dir}",
                         hint="add recordings with `midge data import` or a synthetic set with "
                              "`midge data synth`")
    problems = defaultdict(list)
    classes = []
    window = project.input.get("window_ms")
    for label, samples in found.by_label(project.labels).items():
        stats = ClassStats(label, groups=len({s.group for s in samples}))
        for sample in samples:
            try:
                seconds, rate = _measure(project, sample, problems)
            except MidgeError as err:
                problems[f"unreadable files ({err.message.split(': ', 1)[-1]})"].append(sample.path)
                continue
            finally:
                if progress:
                    progress(1)
            if window is not None and seconds is not None and seconds * 1000 < window - 1e-6:
                problems[f"clips shorter than one window ({window:g} ms)"].append(sample.path)
            stats.add(seconds, rate)
        classes.append(stats)
    warnings = _warnings(project, classes, found, problems)
    objects = {}
    if project.task == "detection":
        objects = _boxes(project, found, warnings)
    return Stats(classes, warnings, objects)


def _boxes(project, found, warnings):
    """Boxes per class of a detection project; their problems appended to ``warnings``."""
    from midge_host.dataset.boxes import STORE, load_store
    store = load_store(project.data_dir)
    present = {s.path.relative_to(project.data_dir).as_posix() for s in found.samples}
    objects = {label: 0 for label in project.labels[1:]}
    for rows in store.values():
        for b in rows:
            objects[b.label] = objects.get(b.label, 0) + 1
    gone = sorted(set(store) - present)
    if gone:
        warnings.append(f"{STORE} has boxes for {_plural(len(gone), 'image')} not in data/, e.g. {gone[0]}")
    bare = sorted(n for n in present if n.split("/")[0] != project.labels[0] and n not in store)
    if bare:
        warnings.append(f"images in class folders without boxes (they train as background): {len(bare)}, "
                        f"e.g. {bare[0]}: label them (docs/vision.md) or move them to {project.labels[0]}/")
    none = [label for label in project.labels[1:] if not objects.get(label)]
    if none:
        warnings.append(f"classes without a single box: {', '.join(none)}")
    return objects


def _warnings(project, classes, found, problems):
    out = []
    empty = [c.label for c in classes if c.files == 0]
    if empty:
        out.append(f"empty classes: {', '.join(empty)} (no samples in data/<label>/)")
    counted = [c for c in classes if c.files]
    if project.task == "classification" and len(counted) > 1:
        most = max(counted, key=lambda c: c.files)
        least = min(counted, key=lambda c: c.files)
        if most.files > IMBALANCE * least.files:
            out.append(f"classes are imbalanced: {most.label!r} has {most.files} files, "
                       f"{least.label!r} has {least.files} ({most.files / least.files:.1f}x); "
                       "collect more of the small classes or expect a biased model")
    rates = Counter()
    for c in classes:
        rates.update(c.rates)
    if len(rates) > 1:
        listed = ", ".join(f"{r:g} Hz ({_plural(n, 'file')})" for r, n in sorted(rates.items()))
        out.append(f"mixed sample rates: {listed}; re-import the odd ones with `midge data import`")
    elif rates and project.sample_rate is not None and abs(next(iter(rates)) - project.sample_rate) > \
            0.01 * project.sample_rate:
        out.append(f"files are at {next(iter(rates)):g} Hz but input.sample_rate is "
                   f"{project.sample_rate:g} Hz")
    for message, paths in problems.items():
        out.append(f"{message}: {_plural(len(paths), 'file')}, e.g. {_examples(paths, project)}")
    sides = 1 + (project.training["validation_fraction"] > 0) + (project.training["test_fraction"] > 0)
    few = [c.label for c in classes if 0 < c.groups < sides]
    if few and project.task == "classification":
        out.append(f"classes with fewer than {sides} groups (recordings) cannot be split: {', '.join(few)}")
    if found.unknown_folders:
        out.append(f"folders in data/ that are not labels (ignored): "
                   f"{', '.join(p.name for p in found.unknown_folders)}")
    if found.ignored:
        out.append(f"files of other types in label folders (ignored): {_plural(len(found.ignored), 'file')}, "
                   f"e.g. {_examples(found.ignored, project)}")
    return out
