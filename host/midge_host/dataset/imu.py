"""IMU traces: read Edge-Impulse-style CSV and JSON, write the dataset's CSV.

Contract:

- ``read(path, columns, mapping=None) -> Trace``: a ``.csv`` with a header
  row holding a timestamp column in milliseconds (``timestamp``,
  ``timestamp_ms``, ``time_ms`` or ``time``) and one column per wanted axis,
  or an Edge Impulse data-acquisition ``.json`` (``payload.interval_ms``,
  ``payload.sensors[].name``, ``payload.values``). Each wanted column (e.g.
  ``ax``) is found by ``mapping`` (``{"ax": "accX"}``), else by name or a
  common alias (``accX``, ``acc_x``, ``accelX``...; case and punctuation
  ignored). The rate comes from the median timestamp step. A missing column,
  a non-number, or timestamps that do not increase are MidgeErrors naming the
  file (and row).
- ``scales(inputs) -> [counts per unit]``: the int16 scale of each of the
  project's ``input.columns``: accelerometer axes (a*) in m/s^2 with
  ``accel_full_scale_g`` * 9.80665 m/s^2 = 32768, gyroscope axes (g*) in
  deg/s with ``gyro_full_scale_dps`` = 32768, other columns 1 (already counts).
- ``encode(trace, scale) -> (str, clipped)``: the dataset CSV
  (``midge.recording``'s format) with each value as the int16 count
  round(value * scale), saturated (``clipped`` counts the saturated values).
  These are the numbers the board's IMU driver delivers, so features computed
  on them match.
"""

import csv
import io
import json
import re
from dataclasses import dataclass

import numpy as np

from midge_host import recordings
from midge_host.errors import MidgeError

STANDARD_GRAVITY = 9.80665
TIMESTAMPS = ("timestamp", "timestampms", "timems", "time")
ALIASES = {
    "ax": ("accx", "accelx", "accelerometerx", "accelerationx", "accxms2"),
    "ay": ("accy", "accely", "accelerometery", "accelerationy", "accyms2"),
    "az": ("accz", "accelz", "accelerometerz", "accelerationz", "acczms2"),
    "gx": ("gyrx", "gyrox", "gyroscopex", "gyrxdps"),
    "gy": ("gyry", "gyroy", "gyroscopey", "gyrydps"),
    "gz": ("gyrz", "gyroz", "gyroscopez", "gyrzdps"),
}
MAP_HINT = "map columns with --map AXIS=COLUMN (e.g. --map ax=accX), or set input.columns in midge.toml"


@dataclass
class Trace:
    rate: float
    columns: tuple
    values: np.ndarray  # (samples, columns) float64
    irregular: bool = False  # timestamp steps vary by more than 10 %

    @property
    def seconds(self):
        return len(self.values) / self.rate


def _norm(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _pick(path, names, columns, mapping):
    """Index in ``names`` of each wanted column; MidgeError listing the missing ones."""
    normal = [_norm(n) for n in names]
    found, missing = [], []
    for column in columns:
        wanted = (mapping[column],) if column in mapping else (column, *ALIASES.get(column, ()))
        hits = [i for i, n in enumerate(normal) if n in {_norm(w) for w in wanted}]
        if hits:
            found.append(hits[0])
        else:
            missing.append(column)
    if missing:
        raise MidgeError(f"{path}: no column for {', '.join(missing)} (its columns: {', '.join(names)})",
                         hint=MAP_HINT)
    return found


def _rate(path, stamps):
    steps = np.diff(stamps)
    if len(stamps) < 2:
        raise MidgeError(f"{path}: needs at least 2 samples to know its rate, has {len(stamps)}")
    if np.any(steps <= 0):
        row = int(np.argmax(steps <= 0)) + 2
        raise MidgeError(f"{path}: timestamps must increase; sample {row} does not",
                         hint="timestamps are in milliseconds, one row per sample")
    step = float(np.median(steps))
    return 1000.0 / step, bool(np.max(np.abs(steps - step)) > 0.1 * step)


def _read_csv(path, columns, mapping):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise MidgeError(f"{path}: cannot read as text: {err}") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise MidgeError(f"{path}: needs a header row and data rows",
                         hint="e.g. timestamp_ms," + ",".join(columns))
    names = [cell.strip() for cell in rows[0]]
    stamp = [i for i, n in enumerate(names) if _norm(n) in TIMESTAMPS]
    if not stamp:
        raise MidgeError(f"{path}: no timestamp column (timestamp or timestamp_ms, in ms); "
                         f"its columns: {', '.join(names)}", hint="the first column should be timestamp_ms")
    picks = _pick(path, names, columns, mapping)
    wanted = [stamp[0]] + picks
    data = np.empty((len(rows) - 1, len(wanted)))
    for r, row in enumerate(rows[1:]):
        if len(row) < len(names):
            raise MidgeError(f"{path}: row {r + 2} has {len(row)} values, the header has {len(names)}")
        for c, i in enumerate(wanted):
            try:
                data[r, c] = float(row[i])
            except ValueError:
                raise MidgeError(f"{path}: row {r + 2}, column {names[i]}: {row[i]!r} is not a number") from None
    rate, irregular = _rate(path, data[:, 0])
    return Trace(rate, tuple(columns), data[:, 1:], irregular)


def _read_json(path, columns, mapping):
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        payload = doc["payload"]
        interval = float(payload["interval_ms"])
        names = [s["name"] for s in payload["sensors"]]
        values = np.asarray(payload["values"], dtype=np.float64)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise MidgeError(f"{path}: not an Edge Impulse acquisition JSON ({type(err).__name__}: {err})",
                         hint="expected payload.interval_ms, payload.sensors and payload.values") from None
    if values.ndim == 1:
        values = values[:, None]
    if interval <= 0 or values.ndim != 2 or values.shape[1] != len(names):
        raise MidgeError(f"{path}: payload.values do not match payload.sensors ({len(names)} sensors)")
    picks = _pick(path, names, columns, mapping)
    return Trace(1000.0 / interval, tuple(columns), values[:, picks])


def read(path, columns, mapping=None):
    """The trace in ``path`` (CSV or EI JSON) with ``columns`` (see module docs)."""
    reader = _read_json if path.suffix.lower() == ".json" else _read_csv
    return reader(path, list(columns), dict(mapping or {}))


def scales(inputs):
    """Counts per physical unit for each of ``inputs["columns"]`` (see module docs)."""
    out = []
    for column in inputs["columns"]:
        if column.startswith("a"):
            out.append(32768 / (inputs["accel_full_scale_g"] * STANDARD_GRAVITY))
        elif column.startswith("g"):
            out.append(32768 / inputs["gyro_full_scale_dps"])
        else:
            out.append(1.0)
    return out


def encode(trace, scale):
    """(dataset CSV text of ``trace`` in int16 counts, number of saturated values)."""
    raw = np.rint(trace.values * np.asarray(scale, dtype=np.float64))
    clipped = int(np.count_nonzero((raw > 32767) | (raw < -32768)))
    counts = np.clip(raw, -32768, 32767).astype(np.int64)
    return recordings.encode_csv(counts, trace.rate, list(trace.columns)), clipped
