"""Type-check the board-facing device code against MicroPython's port stubs with mypy.

Each port's stubs (PyPI ``micropython-rp2-stubs``, ``micropython-esp32-stubs``,
versions pinned in requirements.txt) ship top-level ``machine.pyi`` etc. that
overwrite each other in one site-packages, so each is installed once with
``pip install --target .cache/stubs/<port>-<version>`` and used on its own: its
``stdlib/`` as mypy's typeshed (MicroPython's builtins, with viper's
``ptr8/16/32``), the folder itself as MYPYPATH (``machine``, ``network``, ...).

Checked (errors reported): midge.app*, stream, verify, sensors, respond, and the
board glue of that port. Other modules are followed for their types but their
errors are not reported here (the DSP and interpreter suites own them).

Configuration, with reasons:
- ``check_untyped_defs``: midge's device code carries no annotations; without
  this mypy would skip every function body and check nothing.
- ``_*_viper`` modules are not followed (calls into them are unchecked): viper
  converts a bytearray/array argument to a ``ptr16`` parameter at call time,
  which the stubs cannot express (their ``ptr16`` wants an explicit ``ptr16(buf)``).
- boards/openmv.py is not checked: it runs on OpenMV firmware, whose ``audio``
  and ``sensor`` modules are in neither port's stubs.
- ``umqtt.*`` is a micropython-lib package installed with mip, not in the stubs;
  ``camera`` is the ESP32 camera API's module (a firmware of its own), not in them either.
- Errors inside the stub files themselves are not midge's (``ignore_errors``).
- Disabled error codes, all from the device style rather than API misuse:
  ``misc``/``no-redef`` (CPython stand-ins defined in ``except ImportError``),
  ``union-attr``/``index`` (optional parts set to None and guarded by flags
  mypy cannot follow), ``type-var``/``assignment`` (stream time kept in plain
  ints fed to ``ticks_add``), ``var-annotated``. Wrong keywords (``call-arg``),
  missing attributes and methods (``attr-defined``) and wrong argument types
  (``arg-type``) stay on: ``test_a_misused_hardware_api_fails`` proves it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEVICE = REPO / "device"
CACHE = REPO / ".cache"
GLUE = {"rp2": ["pico.py", "pico_w.py", "sim.py", "_net.py", "_lora_e5.py", "__init__.py"],
        "esp32": ["xiao_esp32s3_sense.py", "sim.py", "_net.py", "_lora_e5.py", "__init__.py"]}
# a board glue file of each port and how its microphone's I2S is built
MISTAKE_IN = {"rp2": "pico.py", "esp32": "xiao_esp32s3_sense.py"}

CONFIG = """[mypy]
check_untyped_defs = True
follow_imports = silent
no_site_packages = True
warn_unused_ignores = True
disable_error_code = misc, no-redef, union-attr, index, type-var, assignment, var-annotated
[mypy-{viper}]
follow_imports = skip
[mypy-umqtt.*,camera]
ignore_missing_imports = True
[mypy-machine,vfs,network,esp,esp32,rp2,rp2.*,_mpy_shed,_mpy_shed.*,mip,mip.*,requests,requests.*]
ignore_errors = True
[mypy-midge.sensors._clock]
# its CPython stand-ins use time.monotonic_ns, which MicroPython's time lacks
disable_error_code = attr-defined
"""


def _pin(package):
    text = (REPO / "requirements.txt").read_text()
    match = re.search(rf"^{re.escape(package)}==(\S+)$", text, re.M)
    assert match, f"requirements.txt has no pinned line for {package}"
    return match.group(1)


def stubs(port):
    """The folder holding ``port``'s stubs, installed there on first use."""
    packages = [f"micropython-{port}-stubs=={_pin(f'micropython-{port}-stubs')}",
                f"micropython-stdlib-stubs=={_pin('micropython-stdlib-stubs')}"]
    folder = CACHE / "stubs" / f"{port}-{packages[0].split('==')[1]}"
    if not (folder / "machine.pyi").is_file():
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                               str(tmp)] + packages, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.fail(f"could not install {packages} (PyPI needed once): {proc.stderr[-2000:]}")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    return folder


def checked_files(root, port):
    """The board-facing modules under ``root/midge`` checked for ``port``."""
    midge = root / "midge"
    files = sorted(midge.glob("app*.py")) + [midge / "stream.py", midge / "verify.py"]
    files += [midge / "boards" / name for name in GLUE[port]]
    for sub in ("sensors", "respond"):
        files += sorted(p for p in (midge / sub).glob("*.py") if not p.name.endswith("_viper.py"))
    return files


def mypy(root, port, tmp_path):
    """Run mypy over ``checked_files(root, port)`` with ``port``'s stubs; returns (rc, output)."""
    shed = stubs(port)
    viper = sorted(".".join(p.relative_to(root).with_suffix("").parts) for p in (root / "midge").rglob("_*_viper.py"))
    config = tmp_path / f"mypy-{port}.ini"
    config.write_text(CONFIG.format(viper=",".join(viper)))
    files = [str(p.relative_to(root)) for p in checked_files(root, port)]
    env = dict(os.environ, MYPYPATH=str(shed))
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(config), "--custom-typeshed-dir",
                           str(shed), "--cache-dir", str(CACHE / "mypy" / port)] + files,
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("port", ["rp2", "esp32"])
def test_board_facing_code_type_checks_against_the_port_stubs(port, tmp_path):
    rc, out = mypy(DEVICE, port, tmp_path)
    assert rc == 0 and "Success: no issues found" in out, out
    assert f"no issues found in {len(checked_files(DEVICE, port))} source files" in out, out


@pytest.mark.parametrize("port", ["rp2", "esp32"])
def test_a_misused_hardware_api_fails(port, tmp_path):
    root = tmp_path / "device"
    shutil.copytree(DEVICE / "midge", root / "midge", ignore=shutil.ignore_patterns("__pycache__"))
    glue = root / "midge" / "boards" / MISTAKE_IN[port]
    source = glue.read_text()
    assert source.count("mode=I2S.RX") == 1, f"{glue.name} no longer builds its I2S as this test expects"
    source = source.replace("mode=I2S.RX", "mode=I2S.RX, bitz=16")
    source = re.sub(r"^(\s*)(i2s = I2S\()", r"\1i2s_probe = I2S(0)\n\1i2s_probe.readinto_nonblocking(bytearray(4))\n\1\2",
                    source, count=1, flags=re.M)
    glue.write_text(source)
    rc, out = mypy(root, port, tmp_path)
    assert rc == 1, out
    assert 'Unexpected keyword argument "bitz"' in out, out
    assert '"I2S" has no attribute "readinto_nonblocking"' in out, out
