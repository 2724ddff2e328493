"""deploy, verify, monitor, pull and collect against the emulated board (real mpremote
and adafruit-ampy transports), and a deploy interrupted by killing the board."""

import json
import os
import signal
import threading

import pytest

from midge_host.cli import main
from midge_host.deploy import deploy, verify
from midge_host.deploy.monitor import watch
from midge_host.sim import SimBoard
from tests.app.project import fast_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("proj")
    fast_project(folder, seconds=12)
    return folder


def test_deploy_monitor_verify_pull_collect(project, tmp_path, capsys):
    # The app runs three times here (deploy's verify, monitor, pull); on the 64-bit sim it
    # uses ~230 KB, so the sim gets a Pico 2's heap rather than the 256 KB default.
    with SimBoard(board="pico2", flash_dir=tmp_path / "flash") as sim:
        port = str(sim.port)
        assert main(["deploy", str(project), "--port", port, "--replay", str(project / "fast.wav"), "--fast"]) == 0
        out = capsys.readouterr()
        assert "4/4 vectors bit-exact" in out.err
        flash = tmp_path / "flash"
        assert (flash / "main.py").read_text() == 'import midge.app\nmidge.app.run("midge.json")\n'
        assert (flash / "lib/midge/app.mpy").is_file() and not list(flash.rglob("*.new"))
        manifest = json.loads((flash / ".midge-manifest.json").read_text())
        assert "/model/vectors.bin" in manifest["files"]

        summary = watch(port, seconds=20)
        assert summary.ended and summary.of("start") and summary.of("end")
        end = summary.of("end")[0]
        assert end["dropped"] == 0 and end["gaps"] == 0 and end["windows"] == (12 * 8000 - 2176) // 1088 + 1
        dets = summary.of("det")
        assert dets and all(d["label"] in ("buzz", "click", "hum") for d in dets)
        assert main(["monitor", "--port", port, "--seconds", "20"]) == 0
        assert "detections" in capsys.readouterr().out

        assert main(["pull", str(project), "--port", port]) == 0
        csv = (project / "pulled/detections.csv").read_text().splitlines()
        assert csv[0] == "t_s,label,score" and len(csv) - 1 == 2 * len(dets)  # two app runs appended
        assert main(["pull", str(project), "--port", port, "--transport", "ampy"]) == 0
        assert "1 already here" in capsys.readouterr().err

        assert main(["collect", str(project), "--port", port, "--label", "buzz", "--seconds", "2"]) == 0
        (wav,) = (project / "data/buzz").glob("*.wav")
        assert wav.stat().st_size == 44 + 2 * 16000

        assert main(["verify", "--port", port, "--transport", "ampy"]) == 0
        again = deploy(project, port, replay=project / "fast.wav", realtime=False)
        assert again["uploaded"] == 0 and again["skipped"] == again["files"]


def test_verify_fails_on_a_mismatch(project, tmp_path, capsys):
    with SimBoard(flash_dir=tmp_path / "flash") as sim:
        deploy(project, str(sim.port), replay=project / "fast.wav", realtime=False)
        vectors = tmp_path / "flash/model/vectors.bin"
        data = bytearray(vectors.read_bytes())
        data[-1] ^= 1
        vectors.write_bytes(data)
        assert main(["verify", "--port", str(sim.port)]) == 1
        assert "verify failed: 1 vector" in capsys.readouterr().out


def test_killed_mid_deploy_then_redeploy_leaves_a_working_board(project, tmp_path):
    flash = tmp_path / "flash"
    sim = SimBoard(flash_dir=flash).start()
    uploads = []

    def progress(event, item, done):
        if event == "upload":
            uploads.append(item.path)
            if len(set(uploads)) == 30:
                os.kill(sim.pid, signal.SIGKILL)  # the board dies mid-push

    failure = []

    def push():
        try:
            deploy(project, str(sim.port), replay=project / "fast.wav", realtime=False, progress=progress)
        except BaseException as err:  # noqa: BLE001 - the deploy must fail, how is the transport's business
            failure.append(err)

    thread = threading.Thread(target=push)
    thread.start()
    thread.join(120)
    sim.stop()
    assert failure, "the deploy should have failed when the board died"
    assert not (flash / ".midge-manifest.json").exists() and list(flash.rglob("*.new"))
    with SimBoard(flash_dir=flash, port=tmp_path / "port2") as again:
        counts = deploy(project, str(again.port), replay=project / "fast.wav", realtime=False)
        assert counts["resumed"] >= 25 and counts["uploaded"] < counts["files"] - 25
        result = verify(str(again.port))
        assert result["summary"]["failed"] == 0 and result["summary"]["vectors"] == 4
    assert not list(flash.rglob("*.new")) and (flash / ".midge-manifest.json").is_file()


def test_mip_package_json_lists_every_device_module():
    from midge_host.paths import REPO_ROOT, device_dir

    pkg = json.loads((REPO_ROOT / "package.json").read_text())
    listed = {target for target, _ in pkg["urls"]}
    modules = {p.relative_to(device_dir()).as_posix() for p in (device_dir() / "midge").rglob("*.py")}
    assert listed == modules, (f"package.json misses {sorted(modules - listed)}, lists stale "
                               f"{sorted(listed - modules)}: run `python tools/package_json.py`")
    for target, source in pkg["urls"]:
        assert source.startswith("github:") and source.endswith("/device/" + target)
        assert (device_dir() / target).is_file()
