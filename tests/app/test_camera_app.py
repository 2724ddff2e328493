"""A camera model's app on the unix port (32-bit, as a board): an image recording
replayed as the camera, one frame per window, each frame cropped and resized as
a camera's, the model's outputs equal to TFLM's on the same pixels; stream time
in frames; nothing allocated per frame; verify checks the frames' pixels
through the device feature code."""

import json
from pathlib import Path

import numpy as np
import pytest

from midge.sensors.camera import GrayResize
from midge_host.tflm import run_tflm
from tests.app.project import camera_project

FPS = 2
RUN = """
import gc, json, sys
from array import array
sys.path.insert(0, '')
from midge import app_config
from midge.app import App
app = App(app_config.load('midge.json'))
app.sensor.start()
out = app.pipeline.output
n = len(out)
outputs = bytearray(64 * n)
times = array('i', range(64))
grown = before = k = j = 0  # globals made before measuring: a new one grows the module's dict
while app.step():  # recorded into buffers made above: the loop allocates nothing of its own
    for j in range(n):
        outputs[k * n + j] = out[j] & 0xFF
    times[k] = app.t_ms
    k += 1
    if k == 3:
        gc.collect()
        before = gc.mem_alloc()
grown = gc.mem_alloc() - before
print(json.dumps({"outputs": [[(outputs[i * n + j] ^ 0x80) - 0x80 for j in range(n)] for i in range(k)],
                  "times": list(times[:k]), "grown": grown, "windows": app.windows_done,
                  "dropped": app.dropped(), "streaming": app.streaming,
                  "engine": type(app.pipeline.interpreter).__name__}))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("camera")
    meta, frames_path, images = camera_project(folder, frames=9)
    conf = {"model": str(folder / "build/model.tflite"), "meta": str(folder / "build/meta.json"),
            "vectors": str(folder / "build/vectors.bin"),
            "sensor": {"source": "replay", "path": str(frames_path), "realtime": False, "fps": FPS},
            "status_interval_s": 100000, "responders": []}
    (folder / "midge.json").write_text(json.dumps(conf))
    return folder, images


FAKE_ML = Path(__file__).parent / "fakes"
ENGINES = {"ram": ("midge", "ram", []), "flash": ("midge", "flash", []),
           # OpenMV firmware's ml module (a fake computing with midge.nn): "auto" takes it where it imports
           "openmv-ml": ("auto", "ram", [FAKE_ML])}


@pytest.mark.parametrize("case", sorted(ENGINES))
def test_every_frame_is_a_window_with_tflm_s_output(run_mpy, project, case, tmp_path):
    folder, images = project
    engine, weights, path = ENGINES[case]
    conf = json.loads((folder / "midge.json").read_text())
    conf.update(weights=weights, engine=engine)
    (tmp_path / "midge.json").write_text(json.dumps(conf))
    out = run_mpy(code=RUN, heapsize="256K", cwd=tmp_path, timeout=300, extra_path=path).check()
    got = json.loads(out.strip().splitlines()[-1])
    assert got["windows"] == len(images) and got["dropped"] == 0 and not got["streaming"]
    assert got["times"] == [(k + 1) * 1000 // FPS for k in range(len(images))]
    assert got["engine"] == ("MLInterpreter" if path else "Interpreter")
    if not path:  # the firmware allocates its results on every prediction
        assert got["grown"] == 0, got["grown"]
    resize = GrayResize(10, 16)
    inputs = []
    for img in images:
        small = bytearray(160)
        resize.resize(img.tobytes(), 40, 64, small)
        inputs.append((np.frombuffer(bytes(small), np.uint8).astype(np.int16) - 128).astype(np.int8))
    (want,) = run_tflm(folder / "build/model.tflite", [np.stack(inputs).reshape(-1, 16, 10, 1)])
    assert np.array_equal(np.array(got["outputs"], np.int8), want.reshape(len(images), -1))


@pytest.mark.parametrize("firmware_ml", [False, True], ids=["midge", "openmv-ml"])
def test_verify_checks_the_frames_through_the_device_features(run_mpy, project, firmware_ml):
    folder, _ = project  # (with OpenMV's ml, "auto" verifies on the engine the app runs)
    code = ("import midge.verify, sys\nn = midge.verify.run('midge.json')\n"
            "print('ml calls', sys.modules['ml'].calls if 'ml' in sys.modules else 0)\nraise SystemExit(n)")
    out = run_mpy(code=code, heapsize="256K", cwd=folder, extra_path=[FAKE_ML] if firmware_ml else []).check()
    assert ("ml calls 4" if firmware_ml else "ml calls 0") in out
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert records[-1]["ev"] == "verify" and records[-1]["vectors"] == 4 and records[-1]["failed"] == 0
    assert all(r["input_ok"] and r["output_ok"] for r in records[:-1])


def test_a_camera_of_the_wrong_size_is_refused(project, tmp_path):
    from midge import pgm
    from midge.app_build import check_sensor, image_size, sensor
    folder, _ = project
    meta = json.loads((folder / "build/meta.json").read_text())
    assert image_size(meta) == (10, 16)
    path = tmp_path / "f.pgm"
    path.write_bytes(pgm.header(4, 4) + bytes(16))
    cam = sensor({"sensor": {"source": "replay", "path": str(path), "realtime": False, "loop": False}}, None, (12, 16))
    with pytest.raises(ValueError, match="the camera gives 12 x 16 frames; the model wants 10 x 16"):
        check_sensor(meta, cam)


def test_collect_streams_the_frames_and_a_lost_line_costs_only_its_image(run_mpy, project):
    # midge.stream.collect: the camera's frames at the model's size (10 x 16 here), seconds x fps
    # of them; every pixel crosses intact, and a corrupt or lost line drops only the image it is in
    from midge_host.deploy.collect import receive
    folder, images = project
    code = "import midge.stream\nmidge.stream.IMAGE_CHUNK = 64\nmidge.stream.collect('midge.json', 3)"
    lines = run_mpy(code=code, heapsize="256K", cwd=folder).check().splitlines()  # 3 lines per image
    cap = receive(lines)
    assert cap.image["width"] == 10 and cap.image["height"] == 16 and cap.image["chunk"] == 64 and cap.lost == 0
    resize = GrayResize(10, 16)
    want = []
    for img in images[:3 * FPS]:
        small = bytearray(160)
        resize.resize(img.tobytes(), 40, 64, small)
        want.append(np.frombuffer(bytes(small), np.uint8).reshape(16, 10))
    assert len(cap.images) == 3 * FPS and all(np.array_equal(a, b) for a, b in zip(cap.images, want))
    frames = [k for k, line in enumerate(lines) if line.startswith("=")]
    damaged = list(lines)
    damaged[frames[1]] = damaged[frames[1]][:-6] + ("A" if damaged[frames[1]][-6] != "A" else "B") + damaged[frames[1]][-5:]
    del damaged[frames[4]]
    cap = receive(damaged)
    assert cap.bad_crc == 1 and cap.missing == 2 and cap.images_lost == 2  # a corrupt line is a gap too
    assert [k for k in range(3 * FPS) if any(np.array_equal(want[k], got) for got in cap.images)] == [2, 3, 4, 5]


@pytest.mark.parametrize("dequantized", [True, False], ids=["floats", "raw-int8"])
def test_the_ml_engine_through_ulab_gives_midge_s_outputs(project, dequantized):
    # under CPython with numpy as ulab.numpy: the input goes to the firmware as an int8 ndarray
    # over the features' buffer, and its outputs (floats, or raw int8) come back on the int8 grid
    import types
    from array import array

    import midge.nn
    from midge.engine_ml import MLInterpreter
    folder, _ = project
    path = str(folder / "build/model.tflite")
    reference = midge.nn.load(path)

    class Model:
        def __init__(self, p):
            self.input_shape = [tuple(reference.input_shape(0))]
            self.output_shape = [tuple(reference.output_shape(0))]
            self.output_scale, self.output_zero_point = [[v] for v in reference.output_quant(0)]

        def predict(self, inputs):
            (x,) = inputs
            assert x.dtype == np.int8 and x.shape == self.input_shape[0]
            reference.input(0)[:] = memoryview(x.reshape(-1).tobytes()).cast("b")
            reference.invoke()
            q = np.frombuffer(bytes(reference.output(0)), np.int8).reshape(self.output_shape[0])
            s, z = self.output_scale[0], self.output_zero_point[0]
            return [((q.astype(np.float32) - z) * np.float32(s)) if dequantized else q.copy()]

    interp = MLInterpreter(path, types.SimpleNamespace(Model=Model), types.SimpleNamespace(numpy=np))
    rng = np.random.default_rng(2)
    for _ in range(5):
        x = rng.integers(-128, 128, len(interp.input(0))).astype(np.int8)
        interp.input(0)[:] = array("b", x.tolist())  # as the features write it
        interp.invoke()
        (want,) = run_tflm(folder / "build/model.tflite", [x.reshape((1,) + tuple(reference.input_shape(0))[1:])])
        assert list(interp.output(0)) == want.reshape(-1).tolist()
