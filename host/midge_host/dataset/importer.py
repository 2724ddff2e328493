"""`midge data import`: bring recordings into a project's ``data/<label>/``.

Contract: ``import_sources(project, sources, options, progress) -> Report``.

- Sources are files or folders. With ``options.label`` everything found goes
  to that label. Without it, a folder named like a label goes to that label,
  and a folder's sub-folders named like labels go to theirs; a single file
  goes to its parent folder's label. Folders are searched recursively.
- Audio projects read WAV (any PCM/float encoding, any rate, any channel
  count) and Edge Impulse JSON with an ``audio`` sensor; each conversion
  (mix-down, bit depth, resampling, clipping) is a warning in the report. IMU
  projects read CSV and EI JSON (``midge_host.dataset.imu``), resampled when
  the rate is off by more than 1 %, and store int16 counts: values in m/s^2
  and deg/s (``options.units`` "si", Edge Impulse's units) are scaled by the
  project's full-scale settings; "counts" keeps values that already are. Camera projects read images, converted to
  the project's grayscale size; each frame of an image recording (``midge.pgm``, as
  `midge collect` keeps them) becomes one image ``<stem>__w000`` ... A detection
  project imports folders of images with bounding boxes (``dataset.labelled``)
  unless ``options.label`` puts plain images in one folder.
- Audio and IMU recordings longer than one window are cut into windows
  ``<stem>__w000`` ... (``options.cut``: "auto" = the project's window and
  stride, "off", or "WINDOW_MS[:STRIDE_MS]"); the tail shorter than a window
  is dropped and counted.
- ``options.group`` (a regex searched in the source file name; its first
  group, else the whole match) prefixes output names as ``<group>__<stem>``,
  so `midge data split` keeps a speaker's or session's files together.
- Nothing is lost: sources are only read; every output is written atomically;
  an existing different file is never overwritten (the new name gets ``-2``,
  ``-3``...), and an output already there with the same bytes is reused, so a
  rerun after a kill between writing and indexing adds no duplicate.
  Temporaries an interrupted import left in the label folders are removed. Each imported source is appended to ``data/.imports.jsonl``
  (content SHA-256, label, outputs) after its outputs are written, so a
  re-run skips sources already imported (identical content, outputs
  present), also under another name.
- An unreadable source is a MidgeError (earlier sources stay imported), or a
  warning with ``options.skip_bad``.
- ``options.split`` ("train", "validation" or "test") records the side the
  outputs keep in every split (``dataset.split.pins``): a dataset's given
  train/test split survives `midge data split`.
"""

import difflib
import json
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from midge_host import recordings
from midge_host.dataset import images, imu, wav
from midge_host.files import is_hidden, sha256_file, write_atomic
from midge_host.dataset.resample import resample
from midge_host.errors import MidgeError

INDEX = ".imports.jsonl"
SOURCE_SUFFIXES = {
    "microphone": (".wav", ".json"),
    "imu": (".csv", ".json"),
    "camera": images.SOURCE_SUFFIXES,
}
OUT_SUFFIX = {"microphone": ".wav", "imu": ".csv", "camera": ".png"}
RATE_TOLERANCE = 0.01


@dataclass
class Options:
    label: str | None = None
    cut: str = "auto"
    group: str | None = None
    mapping: dict = field(default_factory=dict)
    skip_bad: bool = False
    units: str = "si"  # IMU sources: "si" (m/s^2, deg/s) or "counts" (int16 already)
    split: str | None = None  # keep the outputs on this side of every split (a dataset's own test set)
    boxes: str | None = None  # a detection project's label format (dataset.boxes.FORMATS); None: found


@dataclass
class Report:
    imported: int = 0  # sources imported in this run
    written: int = 0  # files written
    skipped: int = 0  # sources already imported
    cut: int = 0  # sources cut into windows
    dropped_samples: int = 0  # tails shorter than a window
    dropped_seconds: float = 0.0
    warnings: dict = field(default_factory=lambda: defaultdict(list))  # message -> [source paths]
    rates: set = field(default_factory=set)  # source sample rates (audio and IMU)

    def warn(self, message, path):
        self.warnings[message].append(Path(path))


def parse_cut(project, cut):
    """(window, stride) in samples for ``cut`` ("auto", "off" -> None, "W[:S]" in ms)."""
    if project.sensor == "camera":
        if cut != "auto":
            raise MidgeError("--cut applies to audio and IMU projects, not camera projects")
        return None
    if cut == "off":
        return None
    if cut == "auto":
        return project.window_samples, project.stride_samples
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?", cut)
    if not match:
        raise MidgeError(f"--cut {cut!r}: expected auto, off, or WINDOW_MS[:STRIDE_MS]",
                         hint="e.g. --cut 1000:500 cuts 1 s windows every 0.5 s")
    rate = project.sample_rate
    window_ms = float(match.group(1))
    stride_ms = float(match.group(2) or match.group(1))
    window, stride = round(window_ms * rate / 1000), round(stride_ms * rate / 1000)
    if window < 1 or stride < 1:
        raise MidgeError(f"--cut {cut!r}: windows and strides must be at least one sample at {rate:g} Hz")
    return window, stride


def _check_label(project, label):
    if label not in project.labels:
        close = difflib.get_close_matches(label, project.labels, n=1)
        raise MidgeError(f"label {label!r} is not one of the project's labels ({', '.join(project.labels)})",
                         hint=f"did you mean {close[0]!r}?" if close
                         else f"add it to labels in {project.path}, or pass --label")
    return label


def _files(folder, suffixes, report):
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(root) / name
            if is_hidden(path):
                continue
            if path.suffix.lower() in suffixes:
                found.append(path)
            else:
                report.warn("ignored files of other types", path)
    return found


def plan(project, sources, label, report):
    """[(source file, label)] for ``sources`` (see module docs)."""
    suffixes = SOURCE_SUFFIXES[project.sensor]
    if label is not None:
        _check_label(project, label)
    jobs = []
    for source in map(Path, sources):
        if not source.exists():
            raise MidgeError(f"{source} does not exist")
        if source.is_file():
            if source.suffix.lower() not in suffixes:
                raise MidgeError(f"{source}: a {project.sensor} project imports "
                                 f"{', '.join(suffixes)} files")
            target = label or source.resolve().parent.name
            if label is None and target not in project.labels:
                raise MidgeError(f"{source}: cannot tell its label (its folder {target!r} is not a label)",
                                 hint="pass --label LABEL")
            jobs.append((source, target))
        elif label is not None or source.resolve().name in project.labels:
            target = label or source.resolve().name
            jobs += [(path, target) for path in _files(source, suffixes, report)]
        else:
            subfolders = [d for d in sorted(source.iterdir()) if d.is_dir() and not is_hidden(d)]
            for folder in subfolders:
                if folder.name in project.labels:
                    jobs += [(path, folder.name) for path in _files(folder, suffixes, report)]
                else:
                    report.warn("skipped folders not named like a label (use --label)", folder)
            if not any(d.name in project.labels for d in subfolders):
                raise MidgeError(f"{source}: neither it nor any sub-folder is named like a label "
                                 f"({', '.join(project.labels)})",
                                 hint="pass --label LABEL to import it all under one label")
    if not jobs:
        raise MidgeError(f"no {', '.join(suffixes)} files found in {', '.join(map(str, sources))}")
    return jobs


def _read_index(data_dir):
    index = {}
    path = data_dir / INDEX
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                index[record["sha256"]] = record
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line torn by a crash: its source is simply imported again
    return index


def _append_index(data_dir, record):
    with open(data_dir / INDEX, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _stem(source, group):
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", source.stem).strip("._") or "sample"
    if group is None:
        return stem
    match = re.search(group, source.name)
    if not match:
        raise MidgeError(f"{source}: --group {group!r} does not match its name",
                         hint="the pattern is searched in the file name; its first (...) group is the group id")
    gid = match.group(1) if match.groups() else match.group(0)
    gid = re.sub(r"[^A-Za-z0-9._-]+", "_", gid).strip("._")
    return f"{gid}__{stem}"


def _free_names(folder, stem, payloads, windowed, suffix):
    """Output names for ``payloads`` (windows, or one file) where no other file stands: a
    name may be reused only by the very same bytes (a rerun after a kill between writing
    the outputs and indexing them)."""
    n = 1
    while True:
        base = stem if n == 1 else f"{stem}-{n}"
        names = [f"{base}__w{i:03d}{suffix}" for i in range(len(payloads))] if windowed else [f"{base}{suffix}"]
        if all(not (folder / name).exists() or (folder / name).read_bytes() == _bytes(payload)
               for name, payload in zip(names, payloads)):
            return names
        n += 1


def _bytes(payload):
    return payload.encode() if isinstance(payload, str) else payload


def _remove_unfinished(data_dir, labels, report):
    """Delete the temporaries (``.<name>.<random>.tmp``) an interrupted import left."""
    for label in labels:
        folder = data_dir / label
        if folder.is_dir():
            for path in folder.glob(".*.tmp"):
                path.unlink()
                report.warn("removed unfinished files of an interrupted import", path)


def _audio(project, path, report):
    """Mono float samples at the project rate."""
    if path.suffix.lower() == ".json":
        trace = imu.read(path, ["audio"])
        rate, x = trace.rate, trace.values / 32768.0
        report.warn("converted Edge Impulse JSON audio to WAV", path)
    else:
        meta, x = wav.read(path)
        rate = meta.rate
        if meta.bits != 16 or meta.encoding != "pcm":
            report.warn(f"converted {meta.bits}-bit {meta.encoding} to 16-bit PCM", path)
    report.rates.add(rate)
    if x.shape[1] > 1:
        report.warn(f"mixed {x.shape[1]} channels down to mono (average)", path)
        x = x.mean(axis=1, keepdims=True)
    if rate != project.sample_rate:
        report.warn(f"resampled {rate:g} Hz to {project.sample_rate} Hz", path)
        x = resample(x, rate, project.sample_rate)
    return x[:, 0]


def _trace(project, path, options, report):
    trace = imu.read(path, project.input["columns"], options.mapping)
    report.rates.add(round(trace.rate, 3))
    if trace.irregular:
        report.warn("timestamps are unevenly spaced; read as evenly spaced at the median step", path)
    want = project.sample_rate
    if abs(trace.rate - want) > RATE_TOLERANCE * want:
        report.warn(f"resampled {trace.rate:.4g} Hz to {want:g} Hz", path)
        trace = imu.Trace(want, trace.columns, resample(trace.values, trace.rate, want))
    else:
        trace.rate = want
    return trace


def _windows(length, cut, report):
    """Start indexes of the windows to cut, or None to keep the recording whole."""
    if cut is None or length <= cut[0]:
        return None
    window, stride = cut
    starts = list(range(0, length - window + 1, stride))
    report.cut += 1
    report.dropped_samples += length - (starts[-1] + window)
    return starts


def _short(project, length, path, report):
    if length < project.window_samples:
        report.warn(f"shorter than one window ({project.input['window_ms']:g} ms); kept as is", path)


def _outputs(project, path, options, cut, report):
    """(payloads, windowed): the files one source becomes, and whether they are windows."""
    if project.sensor == "camera":
        payloads = []
        for image in images.frames(path):  # an image recording (`midge collect`) holds several
            pixels, notes = images.normalise(image, project.input["width"], project.input["height"])
            for note in notes:
                report.warn(note, path)
            payloads.append(images.encode(pixels))
        return payloads, len(payloads) > 1
    if project.sensor == "microphone":
        samples, clipped = wav.to_int16(_audio(project, path, report))
        if clipped:
            report.warn("clipped samples beyond 16-bit full scale", path)
        _short(project, len(samples), path, report)
        starts = _windows(len(samples), cut, report)
        rate = project.sample_rate
        if starts is None:
            return [recordings.encode_wav(samples, rate)], False
        return [recordings.encode_wav(samples[s:s + cut[0]], rate) for s in starts], True
    trace = _trace(project, path, options, report)
    _short(project, len(trace.values), path, report)
    scale = imu.scales(project.input) if options.units == "si" else [1.0] * len(trace.columns)
    text, clipped = imu.encode(trace, scale)
    if clipped:
        report.warn("clipped values beyond the IMU's full scale (input.*_full_scale_*)", path)
    starts = _windows(len(trace.values), cut, report)
    if starts is None:
        return [text.encode()], False
    return [imu.encode(imu.Trace(trace.rate, trace.columns, trace.values[s:s + cut[0]]), scale)[0].encode()
            for s in starts], True


def import_sources(project, sources, options, progress=None):
    """Import ``sources`` into ``project`` (see module docs); ``progress(advance)`` per source.
    A detection project imports labelled images (``dataset.labelled``), or with
    ``options.label`` plain images into that folder, without boxes (background
    photos, `midge collect`)."""
    if project.task == "detection" and options.label is None:
        from midge_host.dataset.labelled import import_labelled
        return import_labelled(project, sources, options, progress)
    report = Report()
    cut = parse_cut(project, options.cut)
    if options.group is not None:
        try:
            re.compile(options.group)
        except re.error as err:
            raise MidgeError(f"--group {options.group!r} is not a regular expression: {err}") from None
    jobs = plan(project, sources, options.label, report)
    data_dir = project.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    index = _read_index(data_dir)
    _remove_unfinished(data_dir, project.labels, report)
    suffix = OUT_SUFFIX[project.sensor]
    rate = project.sample_rate or 1
    for path, label in jobs:
        digest = sha256_file(path)
        done = index.get(digest)
        if done and all((data_dir / out).is_file() for out in done["outputs"]):
            report.skipped += 1
            if done["label"] != label:
                report.warn("skipped: same content already imported under another label", path)
            if progress:
                progress(1)
            continue
        try:
            payloads = _outputs(project, path, options, cut, report)
        except MidgeError as err:
            if not options.skip_bad:
                raise MidgeError(err.message, hint=(err.hint + "; " if err.hint else "")
                                 + "--skip-bad skips unreadable files") from None
            report.warn(f"skipped unreadable files ({err.message.split(': ', 1)[-1]})", path)
            if progress:
                progress(1)
            continue
        folder = data_dir / label
        folder.mkdir(parents=True, exist_ok=True)
        payloads, windowed = payloads
        names = _free_names(folder, _stem(path, options.group), payloads, windowed, suffix)
        for name, payload in zip(names, payloads):
            write_atomic(folder / name, payload)
        record = {"sha256": digest, "source": str(path.resolve()), "label": label,
                  "outputs": [f"{label}/{name}" for name in names],
                  "imported": time.strftime("%Y-%m-%dT%H:%M:%S")}
        if options.split:
            record["split"] = options.split
        _append_index(data_dir, record)
        index[digest] = record
        report.imported += 1
        report.written += len(names)
        if progress:
            progress(1)
    report.dropped_seconds = report.dropped_samples / rate
    if len(report.rates) > 1 and project.sensor != "camera":
        rates = ", ".join(f"{r:g}" for r in sorted(report.rates))
        report.warn(f"sources had mixed sample rates ({rates} Hz); all are now "
                    f"{project.sample_rate:g} Hz", data_dir)
    return report
