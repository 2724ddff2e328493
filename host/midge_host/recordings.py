"""Recordings as a project holds them (``midge.recording``'s formats: 16-bit PCM
WAV, or CSV of int16 counts with a ``timestamp_ms`` column): the host's one
reader and writer for what `collect` and `import` write and `stats`, `train`,
`features` and `plot` read. Errors name the file and say what to fix.

- ``read(path) -> Recording``: ``rate`` (Hz: the WAV's, or from a CSV's
  timestamps, None without them), ``names`` (CSV channel names; ``["audio"]``
  per WAV channel), ``samples`` int16 (frames, channels). A WAV that is not
  16-bit PCM (float, 8/24/32-bit, compressed) is a MidgeError with a sox /
  `midge data import` hint; a CSV's problems name the line and column.
- ``read_input(path, rate, channels, min_frames)``: ``read``, then checks the
  rate (WAV), the channel count and that one window fits; returns the samples
  interleaved (frames * channels,).
- ``collect_inputs(paths)``: files named, folders expanded to .wav/.csv.
- ``encode_wav(samples, rate)`` / ``encode_csv(samples, rate, names)``: the
  file bytes / text of int16 ``samples`` (frames, channels) in the format.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from midge import recording
from midge_host.dataset import wav
from midge_host.errors import MidgeError

SUFFIXES = (".wav", ".csv")
IMPORT_HINT = "`midge data import` converts recordings to the project's format"


@dataclass
class Recording:
    rate: float | None
    names: list
    samples: np.ndarray  # (frames, channels) int16

    @property
    def seconds(self):
        return len(self.samples) / self.rate if self.rate else None


def collect_inputs(paths):
    """Files named in ``paths``, folders expanded to their .wav/.csv files (sorted)."""
    files = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
            if not found:
                raise MidgeError(f"{path}: no .wav or .csv files in this folder")
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise MidgeError(f"{path}: no such file or folder")
    return files


def _read_wav(path):
    try:
        info = wav.info(path)
    except MidgeError as err:
        raise MidgeError(err.message, hint="give a 16-bit PCM .wav, or a .csv of int16 samples") from None
    if info.encoding != "pcm" or info.bits != 16:
        what = "a float WAV" if info.encoding == "float" else f"{info.bits}-bit samples"
        raise MidgeError(f"{path}: {what}; midge reads 16-bit PCM",
                         hint=f"convert with `sox {path.name} -b 16 -e signed-integer out.wav`; " + IMPORT_HINT)
    with open(path, "rb") as f:
        f.seek(info.data_offset)
        data = f.read(info.frames * info.channels * 2)
    samples = np.frombuffer(data, dtype="<i2").astype(np.int16).reshape(-1, info.channels)
    return Recording(info.rate, ["audio"] * info.channels, samples)


def _read_csv(path):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MidgeError(f"{path}: not a text CSV file") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise MidgeError(f"{path}: empty CSV (expected a header row, then one row per sample)",
                         hint=f"the header is {recording.TIME_COLUMN},<channel>,...")
    try:
        has_time, names = recording.parse_csv_header(lines[0])
        rows = [recording.parse_csv_row(line, has_time, names, number)
                for number, line in enumerate(lines[1:], start=2) if line.strip()]
    except ValueError as err:
        hint = "give raw sensor counts (integers -32768..32767), not scaled units" \
            if "int16 count" in str(err) else \
            "drop or interpolate the missing samples" if "sample value" in str(err) else None
        raise MidgeError(f"{path}: {err}", hint=hint) from None
    if not rows:
        raise MidgeError(f"{path}: a header but no samples")
    samples = np.array([values for _, values in rows], dtype=np.int16).reshape(len(rows), len(names))
    return Recording(_csv_rate(path, [t for t, _ in rows]) if has_time else None, names, samples)


def _csv_rate(path, stamps):
    if len(stamps) < 2:
        return None
    steps = np.diff(np.asarray(stamps, dtype=np.float64))
    if np.any(steps <= 0):
        line = int(np.argmax(steps <= 0)) + 3
        raise MidgeError(f"{path}: line {line}: timestamps must increase",
                         hint=f"{recording.TIME_COLUMN} is the time of each sample in ms")
    return 1000.0 / float(np.median(steps))


def read(path):
    """The recording at ``path`` (see the module docstring)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".wav":
        return _read_wav(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise MidgeError(f"{path}: unsupported file type {suffix or '(none)'}",
                     hint="give .wav (16-bit PCM) or .csv (int16 counts) files")


def read_input(path, rate, channels, min_frames):
    """Interleaved int16 samples of a recording holding at least ``min_frames``
    frames of ``channels`` channels (a WAV at ``rate`` Hz)."""
    path = Path(path)
    rec = read(path)
    got = rec.samples.shape[1]
    if path.suffix.lower() == ".wav":
        if channels != 1:
            raise MidgeError(f"{path}: a WAV is one audio channel; this config reads {channels} axes",
                             hint="give motion data as CSV with one column per axis")
        if got != 1:
            raise MidgeError(f"{path}: {got} channels; midge reads mono",
                             hint=f"mix down with `sox {path.name} -c 1 out.wav`; " + IMPORT_HINT)
        if rec.rate != rate:
            raise MidgeError(f"{path}: sampled at {rec.rate} Hz, the feature config expects {rate} Hz",
                             hint=f"resample with `sox {path.name} -r {rate} out.wav`; " + IMPORT_HINT)
    elif got != channels:
        raise MidgeError(f"{path}: {got} data columns, the feature config reads {channels}",
                         hint="one column per axis (after the timestamp_ms column)")
    if len(rec.samples) < min_frames:
        raise MidgeError(f"{path}: {len(rec.samples) / rate:.3f} s long, shorter than one "
                         f"{min_frames / rate:.3f} s window ({len(rec.samples)} < {min_frames} samples)",
                         hint="record longer clips, or lower window_ms in the feature config")
    return rec.samples.reshape(-1)


def encode_wav(samples, rate):
    """WAV bytes of int16 ``samples`` ((frames,) or (frames, channels)) at ``rate`` Hz."""
    x = np.asarray(samples, dtype="<i2")
    channels = 1 if x.ndim == 1 else x.shape[1]
    data = x.tobytes()
    return bytes(recording.wav_header(int(rate), channels, len(data))) + data


def encode_csv(samples, rate, names):
    """CSV text of int16 ``samples`` (frames, len(names)) at ``rate`` Hz."""
    x = np.asarray(samples).reshape(-1, len(names))
    return recording.csv_header(names) + "".join(recording.csv_row(i, rate, row.tolist()) for i, row in enumerate(x))
