"""midge installed as a user installs it: the wheel built from this checkout, installed
with its dependencies (pinned by requirements.txt, from PyPI or pip's cache) into a fresh
virtual environment without TensorFlow, then used from a folder outside the checkout:
doctor -> boards -> new -> models -> sim -> deploy --model -> verify on the emulated
board of the model's own board profile (32-bit, as boards are) -> monitor, then a project
of the same template: data synth -> collect from that board -> data stats -> pull; and
`midge train` saying how to install the training extra."""

import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from midge_host.unixport import micropython_executable

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MODEL = "motion"  # small and quick to verify; its board is the Nano 33 BLE Sense (armv7emsp)


def run(cmd, cwd=None, env=None, timeout=600):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    code, log = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, REPO])
    assert code == 0, log
    (path,) = out.glob("midge-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """{"bin": the fresh environment's bin/, "env": a user's environment for it}."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    code, log = run([sys.executable, "-m", "venv", venv])
    assert code == 0, log
    pip = venv / "bin" / "pip"
    pins = venv.parent / "constraints.txt"  # requirements.txt's pins; pip takes no extras in constraints
    pins.write_text(re.sub(r"\[[^\]]*\]", "", (REPO / "requirements.txt").read_text()))
    code, log = run([pip, "install", "-q", "-c", pins, wheel], timeout=1200)
    if code and ("Could not find a version" in log or "connection" in log.lower()):
        pytest.skip(f"cannot install the wheel's dependencies from PyPI here:\n{log[-1500:]}")
    assert code == 0, log
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MIDGE_", "PYTHON", "VIRTUAL_ENV")) and k != "PATH"}
    env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"
    env["MIDGE_UNIX32"] = micropython_executable(32)  # the checkout's 32-bit build, as `make setup` made it
    env["XDG_CACHE_HOME"] = str(venv.parent / "cache")
    return {"bin": venv / "bin", "env": env}


def test_the_wheel_ships_midges_files(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("midge_host/_data/boards/pico.json", "midge_host/_data/device/midge/app.py",
                    "midge_host/_data/device/midge/nn/ops/_conv_viper.py", f"midge_host/_data/models/{MODEL}/model.tflite",
                    "midge_host/_data/unix32/build.py", "midge_host/templates/kws.toml", "midge/meta.py",
                    "midge_host/sim/board_repl.py", "midge_host/hub/static/app.js"):
        assert shipped in names, shipped
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_installed_midge_from_outside_the_checkout(installed, tmp_path):
    midge, env = installed["bin"] / "midge", installed["env"]
    work = tmp_path / "elsewhere"
    work.mkdir()

    def cli(*args, expect=0):
        code, out = run([midge, *args], cwd=work, env=env)
        assert code == expect, f"midge {' '.join(map(str, args))} -> {code}:\n{out}"
        return out

    code, out = run([installed["bin"] / "python", "-c", "import midge_host, midge; print(midge_host.__file__, midge.__file__)"],
                    cwd=work, env=env)
    assert code == 0 and str(REPO) not in out and str(installed["bin"].parent) in out, out
    doctor = cli("doctor")
    assert "tensorflow" in doctor and "pip install 'midge[train]'" in doctor
    assert "ready models" in doctor
    assert "pico_w" in cli("boards")
    cli("new", "kws_project", "--template", "kws")
    assert (work / "kws_project" / "midge.toml").is_file()
    listed = cli("models")
    for name in ("kws", "motion", "anomaly", "mosquito", "rainfall", "person", "objects"):
        assert name in listed
    untrained = cli("train", "kws_project", expect=1)
    assert "needs TensorFlow" in untrained and "midge[train]" in untrained

    port = work / "vb"
    sim = subprocess.Popen([midge, "sim", "--board", "nano33_ble_sense", "--port", port, "--dir", work / "flash"],
                           cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not port.exists():
            assert sim.poll() is None and time.monotonic() < deadline, sim.stdout.read() if sim.poll() else "no port"
            time.sleep(0.2)
        deployed = cli("deploy", "--model", MODEL, "--port", port, "--fast")
        assert "deployed for nano33_ble_sense" in deployed, deployed
        verified = cli("verify", "--port", port)
        done, total = map(int, re.search(r"(\d+)/(\d+) vectors bit-exact", verified).groups())
        assert done == total > 0, verified
        assert "the app ended" in cli("monitor", "--port", port, "--seconds", 60)

        cli("new", "gestures", "--template", MODEL)
        cli("data", "synth", "gestures", "--count", 4)
        cli("collect", "gestures", "--port", port, "--label", "idle", "--seconds", 2)
        assert "idle" in cli("data", "stats", "gestures")
        cli("pull", "gestures", "--port", port)
        assert (work / "gestures" / "pulled" / "detections.csv").read_text().count("\n") > 1
    finally:
        sim.terminate()
        sim.wait(timeout=30)
