"""deploy, verify, monitor and pull against the emulated board (real mpremote and
adafruit-ampy transports), a deploy interrupted by killing the board, and deploy's
checks of the board it talks to, of midge.json and of the model, made before anything
is written. (collect: tests/e2e/test_loop.py and tests/host/test_collect_ei.py.)"""

import json
import os
import signal
import threading

import pytest

from midge_host.cli import main
from midge_host.deploy import deploy, verify
from midge_host.deploy.monitor import watch
from midge_host.errors import MidgeError
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
        # a Pico 2 has no PSRAM: the app reads each op's weights from the model file as it runs
        assert json.loads((flash / "midge.json").read_text())["weights"] == "flash"
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
        assert csv[0] == "t_s,label,score,boot,seq" and len(csv) - 1 == 2 * len(dets)  # two app runs appended
        numbered = [tuple(int(v) for v in line.split(",")[3:]) for line in csv[1:]]  # (boot, seq): two boots
        first = numbered[0][0]
        assert numbered == [(first + run, seq) for run in (0, 1) for seq in range(len(dets))], numbered
        assert main(["pull", str(project), "--port", port, "--transport", "ampy"]) == 0
        assert "1 already here" in capsys.readouterr().err

        assert main(["verify", "--port", port, "--transport", "ampy"]) == 0
        # what an interrupted deploy of another build leaves: .new files nothing renames
        (flash / "model/model.tflite.new").write_bytes(b"another model")
        (flash / "model/labels.txt.new").write_text("a\nb\n")
        (flash / "data/other.wav.new").write_bytes(b"RIFF")
        again = deploy(project, port, replay=project / "fast.wav", realtime=False)
        assert again["uploaded"] == 0 and again["skipped"] == again["files"]
        assert not list(flash.rglob("*.new")), "stale .new files stay on the flash"


def test_a_camera_model_replays_a_folder_of_images(tmp_path, capsys):
    """deploy --replay FOLDER for a camera model: the images become an image recording
    the emulated OpenMV Cam H7 Plus replays as its camera; verify checks the frames'
    pixels through the device features; the app gives one window per image."""
    import numpy as np
    from PIL import Image
    from tests.app.project import camera_project
    folder = tmp_path / "cam"
    camera_project(folder)
    shots = tmp_path / "shots"
    shots.mkdir()
    rng = np.random.default_rng(9)
    for k in range(5):
        Image.fromarray(rng.integers(0, 256, (48, 30, 3), dtype=np.uint8)).save(shots / f"shot{k}.png")
    with SimBoard(board="openmv_h7_plus", flash_dir=tmp_path / "flash") as sim:
        port = str(sim.port)
        assert main(["deploy", str(folder), "--port", port, "--board", "openmv_h7_plus", "--replay", str(shots),
                     "--fast"]) == 0
        assert "4/4 vectors bit-exact" in capsys.readouterr().err
        conf = json.loads((tmp_path / "flash/midge.json").read_text())
        assert conf["sensor"]["path"] == "/data/shots.pgm" and (tmp_path / "flash/data/shots.pgm").is_file()
        summary = watch(port, seconds=30)
        assert summary.ended and summary.of("end")[0]["windows"] == 5


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
        except BaseException as err:  # noqa: BLE001 - checked below
            failure.append(err)

    thread = threading.Thread(target=push)
    thread.start()
    thread.join(120)
    sim.stop()
    assert failure, "the deploy should have failed when the board died"
    err = failure[0]  # one clear error, not a chain of serial tracebacks from closing the dead port
    assert isinstance(err, MidgeError) and str(err).startswith("lost the board on"), repr(err)
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
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


def _flash_files(flash):
    return sorted(p.relative_to(flash).as_posix() for p in flash.rglob("*") if p.is_file())


def test_deploy_refuses_an_emulated_board_of_another_profile(project, tmp_path, capsys):
    meta_path = project / "build/meta.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps(dict(meta, board="nano33_ble_sense")))
    try:
        with SimBoard(board="pico2", flash_dir=tmp_path / "flash") as sim:
            code = main(["deploy", str(project), "--port", str(sim.port), "--replay", str(project / "fast.wav")])
            err = capsys.readouterr().err
            assert code == 1
            assert "emulates pico2, but the project targets nano33_ble_sense" in err
            assert "midge sim --board nano33_ble_sense" in err
            assert _flash_files(tmp_path / "flash") == []
            code = main(["deploy", str(project), "--port", str(sim.port), "--replay", str(project / "fast.wav"),
                         "--board", "pico2", "--no-verify"])
            assert code == 0, capsys.readouterr().err
    finally:
        meta_path.write_text(json.dumps(meta))


@pytest.mark.parametrize("config, message", [
    ('{"responders": [{"kind": "serial", "predicitons": true}]}', "unknown key responders[0] (serial).predicitons"),
    ('{"watchdog_ms": -5}', "watchdog_ms must be a positive number"),
])
def test_deploy_checks_midge_json_before_writing_anything(project, tmp_path, capsys, config, message):
    with SimBoard(flash_dir=tmp_path / "flash") as sim:
        code = main(["deploy", str(project), "--port", str(sim.port), "--replay", str(project / "fast.wav"),
                     "--config", config])
        assert code == 1 and message in capsys.readouterr().err
        assert _flash_files(tmp_path / "flash") == []


def test_deploy_builds_the_pipeline_on_the_host_first(project, tmp_path, capsys):
    bad = tmp_path / "bad"
    (bad / "build").mkdir(parents=True)
    for name in ("model.tflite", "labels.txt", "vectors.bin"):
        (bad / "build" / name).write_bytes((project / "build" / name).read_bytes())
    meta = json.loads((project / "build/meta.json").read_text())
    (bad / "build/meta.json").write_text(json.dumps(dict(meta, window_samples=meta["window_samples"] // 2)))
    with SimBoard(flash_dir=tmp_path / "flash") as sim:
        code = main(["deploy", str(bad), "--port", str(sim.port), "--replay", str(project / "fast.wav")])
        err = capsys.readouterr().err
        assert code == 1 and "the app would fail on the board: meta.json windows are 1088 frames" in err
        assert _flash_files(tmp_path / "flash") == []


def test_choose_refuses_boards_that_cannot_run_the_build():
    from midge_host.deploy.target import BoardInfo, choose, loadable
    from midge_host.errors import MidgeError

    def board(platform, arch_id, version=(1, 29, 0), mpy_sub=3, impl="micropython"):
        return BoardInfo(impl, version, 6 | (mpy_sub << 8) | (arch_id << 10), platform, 100000, 1000, None)

    assert choose(board("rp2", 4), "pico", "P").arch == "armv6m"
    assert choose(board("rp2", 7), "pico", "P").arch == "armv6m"  # an RP2350 loads armv6m code
    with pytest.raises(MidgeError, match="cannot load native code for armv7emsp"):
        choose(board("rp2", 4), "pico2", "P")
    with pytest.raises(MidgeError, match="not a xiao_esp32s3_sense"):
        choose(board("rp2", 4), "xiao_esp32s3_sense", "P")
    with pytest.raises(MidgeError, match=r"loads .mpy 6.2"):
        choose(board("esp32", 10, (1, 22, 2), 2), "xiao_esp32s3_sense", "P")
    with pytest.raises(MidgeError, match="runs circuitpython"):
        choose(board("RP2040", 4, impl="circuitpython"), "pico", "P")
    with pytest.raises(MidgeError, match="which board is on P"):
        choose(board("rp2", 4), None, "P")
    assert loadable("armv6m", "armv7emdp") and not loadable("armv7emsp", "armv6m")
    assert not loadable("xtensa", "xtensawin") and loadable("x64", "x64")


def test_monitor_attach_shows_control_bytes_escaped(tmp_path, capsys):
    """A board spewing garbage (ESC sequences, NUL) cannot drive the user's terminal."""
    import serial

    with SimBoard(flash_dir=tmp_path / "flash") as sim:
        (sim.flash_dir / "main.py").write_text(
            "import time\nfor i in range(60):\n    print('\\x1b[2J\\x1b[31mjunk\\x00\\x07', i)\n"
            "    time.sleep_ms(50)\n")
        with serial.Serial(str(sim.port), 115200, timeout=1) as link:
            link.write(b"\x04")  # soft reset at the friendly REPL: main.py runs
        assert main(["monitor", "--port", str(sim.port), "--attach", "--seconds", "2"]) == 0
    out = capsys.readouterr().out
    assert "\\x1b[2J\\x1b[31mjunk\\x00\\x07" in out
    assert "\x1b[2J" not in out and "\x00" not in out and "\x07" not in out


def test_a_busy_port_says_another_program_has_it(tmp_path, capsys):
    import serial

    with SimBoard(flash_dir=tmp_path / "flash") as sim:
        with serial.Serial(str(sim.port), 115200, exclusive=True):  # e.g. a serial monitor left open
            for transport in ("mpremote", "ampy"):
                assert main(["verify", "--port", str(sim.port), "--transport", transport]) == 1
                err = capsys.readouterr().err
                assert "another program has it open" in err and "check the cable" not in err, err
    assert main(["verify", "--port", str(tmp_path / "nothing")]) == 1
    assert "no such port" in capsys.readouterr().err
