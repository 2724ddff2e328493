"""The app runtime under the unix port: no allocation per window, verify, stream framing."""

import json
import shutil

import pytest

from midge_host.deploy.collect import receive
from tests.app.project import fast_project

STEADY = """
import gc, sys
sys.path.insert(0, '')
from midge import app_config
from midge.app import App
app = App(app_config.load('midge.json'))
app.sensor.start()
for _ in range(40):
    app.step()
w0 = app.windows_done
grown = before = 0  # every global exists before the count: a new one can grow the module's dict
steps = range(800)  # within one pass of the WAV (a loop rewind allocates once)
gc.collect()
gc.disable()
before = gc.mem_alloc()
for _ in steps:
    app.step()
grown = gc.mem_alloc() - before
gc.enable()
print('windows', app.windows_done - w0, 'grown', grown, 'dropped', app.dropped(), 'gaps', app.gaps, 'det', app.detections)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fast")
    meta, wav = fast_project(folder, seconds=60)
    conf = {"model": str(folder / "build/model.tflite"), "meta": str(folder / "build/meta.json"),
            "vectors": str(folder / "build/vectors.bin"),
            "sensor": {"source": "replay", "path": str(wav), "realtime": False, "loop": True},
            "status_interval_s": 100000,  # status lines allocate (by design); keep them out of the count
            "responders": []}  # detections open the log file (allocates); the per-window path is measured
    (folder / "midge.json").write_text(json.dumps(conf))
    return folder


@pytest.mark.parametrize("viper", [True, False], ids=["viper", "plain"])
def test_steady_state_allocates_nothing_per_window(run_mpy, project, viper):
    # viper on the 32-bit port, as a board; the plain paths allocate heap ints there (their
    # sums outgrow 31-bit small ints), so their claim is checked on the 64-bit port
    out = run_mpy(code=STEADY, viper=viper, heapsize="512K", cwd=project, timeout=300,
                  bits=32 if viper else 64).check()
    words = out.split()
    windows, grown = int(words[1]), int(words[3])
    assert windows >= 350, out
    assert grown == 0, out
    assert words[5] == "0" and words[7] == "0" and int(words[9]) > 0, out


def test_verify_passes_and_reports_latency(run_mpy, project):
    out = run_mpy(code="import midge.verify\nraise SystemExit(midge.verify.run('midge.json'))",
                  heapsize="512K", cwd=project).check()
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    summary = records[-1]
    assert summary["ev"] == "verify" and summary["vectors"] == 4 and summary["failed"] == 0
    assert all(r["input_ok"] and r["output_ok"] and r["invoke_us"] > 0 for r in records[:-1])


def test_verify_reports_a_corrupt_vector(run_mpy, project, tmp_path):
    data = bytearray((project / "build/vectors.bin").read_bytes())
    data[-1] ^= 0x01  # last expected output of the last vector
    bad = tmp_path / "vectors.bin"
    bad.write_bytes(data)
    conf = json.loads((project / "midge.json").read_text())
    conf["vectors"] = str(bad)
    (tmp_path / "midge.json").write_text(json.dumps(conf))
    out = run_mpy(code="import midge.verify\nprint('failed', midge.verify.run('midge.json'))",
                  heapsize="512K", cwd=tmp_path).check()
    assert "failed 1" in out and '"output_at":3' in out


def test_stream_frames_round_trip_and_losses_are_counted(run_mpy, project):
    code = ("from midge.sensors.replay import WavReplay\nimport midge.stream\n"
            f"midge.stream.send(WavReplay({str(project / 'fast.wav')!r}, realtime=False), 2)")
    lines = run_mpy(code=code, heapsize="512K").check().splitlines()
    cap = receive(lines)
    assert cap.frames_received == 16000 and cap.lost == 0 and cap.sample_rate == 8000
    frames = [k for k, line in enumerate(lines) if line.startswith("=")]
    damaged = list(lines)
    damaged[frames[3]] = damaged[frames[3]][:-6] + ("A" if damaged[frames[3]][-6] != "A" else "B") + damaged[frames[3]][-5:]
    del damaged[frames[-1]]  # a frame lost at the very end shows only in the board's count
    del damaged[frames[7]]
    cap = receive(damaged)
    assert cap.bad_crc == 1 and cap.missing == 2


SAME_BOTH_WAYS = """
import json
from midge import app_config
from midge.app import App
meta = json.load(open(json.load(open('midge.json'))['meta']))
meta['stride_samples'] = 1024  # 8 MFE strides: rows can be streamed
with open('meta_streams.json', 'w') as f:
    json.dump(meta, f)
out = []
for clips in (False, True):
    conf = json.load(open('midge.json'))
    conf['meta'] = 'meta_streams.json'
    conf['sensor']['loop'] = False
    conf['responders'] = [{'kind': 'clip', 'dir': '.', 'max_clips': 0}] if clips else []
    app = App(app_config.check(conf))
    app.sensor.start()
    dets = []
    while app.step():
        if app.detections > len(dets):
            dets.append((app.t_ms, app.decide.label, app.decide.score))
    out.append((app.streaming, app.windows_done, dets))
print(json.dumps(out))
"""


@pytest.mark.parametrize("viper", [True, False], ids=["viper", "plain"])
def test_features_streamed_frame_by_frame_decide_as_windows_do(run_mpy, project, viper, tmp_path):
    # the app streams the MFE rows (midge.framestream); a clip responder needs the samples,
    # so the same app then cuts windows (midge.window): the same windows, the same detections
    folder = tmp_path / "app"
    shutil.copytree(project, folder)
    (streamed, windowed) = json.loads(run_mpy(code=SAME_BOTH_WAYS, viper=viper, heapsize="512K",
                                              cwd=folder, timeout=300).check().splitlines()[-1])
    assert streamed[0] is True and windowed[0] is False
    assert streamed[1] == windowed[1] > 100 and streamed[2] == windowed[2] and len(streamed[2]) > 3
