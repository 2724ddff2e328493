"""Read sensor recordings for feature extraction, with errors that say what to fix.

- WAV: 16-bit PCM mono at the expected sample rate; ``read_wav`` returns int16
  samples. Stereo, 8-bit, 24/32-bit or float WAVs, another rate, and files that
  are not WAVs are MidgeErrors naming the file, with a sox or `midge data import`
  hint.
- CSV: a header row, then one row per sample: an optional first column named
  timestamp_ms/timestamp/time_ms/time/t (dropped), then one column per channel of int16 counts
  (integers -32768..32767). ``read_csv`` returns (frames, channels) int16.
  Missing cells, NaN, non-numbers, fractions and out-of-range values are
  MidgeErrors naming the file, line and column.
- ``read_input(path, rate, channels, min_frames)`` picks the reader by suffix,
  checks the channel count and that the recording holds at least one window,
  and returns the samples interleaved (frames * channels,) int16.
- ``collect_inputs(paths)`` expands folders to their .wav/.csv files, sorted.
"""

import csv
import math
import wave
from pathlib import Path

import numpy as np

from midge_host.errors import MidgeError

SUFFIXES = (".wav", ".csv")
TIME_COLUMNS = ("timestamp_ms", "timestamp", "time_ms", "time", "t")
IMPORT_HINT = "`midge data import` converts recordings to 16-bit mono at the model's rate"


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


def read_wav(path, rate):
    """int16 samples of a 16-bit PCM mono WAV at ``rate`` Hz."""
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise MidgeError(f"{path}: not a WAV file (no RIFF/WAVE header)",
                         hint="give a 16-bit PCM mono .wav, or a .csv of int16 samples")
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, found_rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            data = w.readframes(w.getnframes())
    except wave.Error as err:
        text = str(err)
        if "unknown format: 3" in text:
            raise MidgeError(f"{path}: a float WAV; midge reads 16-bit PCM",
                             hint=f"convert with `sox {path.name} -b 16 -e signed-integer out.wav`; "
                                  + IMPORT_HINT) from None
        if "unknown format" in text:
            raise MidgeError(f"{path}: a compressed or extensible WAV ({text}); midge reads 16-bit PCM",
                             hint=f"convert with `sox {path.name} -b 16 -e signed-integer out.wav`") from None
        raise MidgeError(f"{path}: a damaged WAV file ({text})",
                         hint="re-export it as a 16-bit PCM mono .wav") from None
    except EOFError:
        raise MidgeError(f"{path}: a truncated WAV file", hint="re-export it as a 16-bit PCM mono .wav") from None
    if width != 2:
        raise MidgeError(f"{path}: {8 * width}-bit samples; midge reads 16-bit PCM",
                         hint=f"convert with `sox {path.name} -b 16 out.wav`; " + IMPORT_HINT)
    if channels != 1:
        raise MidgeError(f"{path}: {channels} channels; midge reads mono",
                         hint=f"mix down with `sox {path.name} -c 1 out.wav`; " + IMPORT_HINT)
    if found_rate != rate:
        raise MidgeError(f"{path}: sampled at {found_rate} Hz, the feature config expects {rate} Hz",
                         hint=f"resample with `sox {path.name} -r {rate} out.wav`; " + IMPORT_HINT)
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def _number(path, line, column, cell):
    try:
        value = float(cell)
    except ValueError:
        raise MidgeError(f"{path}: line {line}, column {column!r}: {cell!r} is not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise MidgeError(f"{path}: line {line}, column {column!r}: {cell.strip()} is not a sample value",
                         hint="drop or interpolate the missing samples before extracting features")
    if value != int(value) or not -32768 <= value <= 32767:
        raise MidgeError(f"{path}: line {line}, column {column!r}: {cell.strip()} is not an int16 count",
                         hint="give raw sensor counts (integers -32768..32767), not scaled units")
    return int(value)


def read_csv(path):
    """(frames, channels) int16 from a CSV with a header row (see the module)."""
    path = Path(path)
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise MidgeError(f"{path}: not a text CSV file") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise MidgeError(f"{path}: empty CSV (expected a header row, then one row per sample)")
    header = [cell.strip() for cell in rows[0]]
    skip = 1 if header[0].lower() in TIME_COLUMNS else 0
    names = header[skip:]
    if not names:
        raise MidgeError(f"{path}: no data columns after {header[0]!r}")
    values = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MidgeError(f"{path}: line {line} has {len(row)} columns, the header has {len(header)}",
                             hint="every row needs a value for every column: " + ", ".join(header))
        values.append([_number(path, line, names[i], row[skip + i]) for i in range(len(names))])
    if not values:
        raise MidgeError(f"{path}: a header but no samples")
    return np.array(values, dtype=np.int16)


def read_input(path, rate, channels, min_frames):
    """Interleaved int16 samples of a .wav or .csv recording holding at least
    ``min_frames`` frames of ``channels`` channels."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".wav":
        if channels != 1:
            raise MidgeError(f"{path}: a WAV is one audio channel; this config reads {channels} axes",
                             hint="give motion data as CSV with one column per axis")
        samples = read_wav(path, rate).reshape(-1, 1)
    elif suffix == ".csv":
        samples = read_csv(path)
        if samples.shape[1] != channels:
            raise MidgeError(f"{path}: {samples.shape[1]} data columns, the feature config reads {channels}",
                             hint="one column per axis (plus an optional timestamp column first)")
    else:
        raise MidgeError(f"{path}: unsupported file type {suffix or '(none)'}",
                         hint="give .wav (16-bit PCM mono) or .csv files")
    if len(samples) < min_frames:
        raise MidgeError(f"{path}: {len(samples) / rate:.3f} s long, shorter than one "
                         f"{min_frames / rate:.3f} s window ({len(samples)} < {min_frames} samples)",
                         hint="record longer clips, or lower window_ms in the feature config")
    return samples.reshape(-1)
