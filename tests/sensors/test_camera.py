"""Grayscale crop + area-average resize to a model's input, checked against a
numpy reference, through fakes of OpenMV's sensor/csi and the ESP32 camera API."""

import numpy as np
import pytest


def reference(w, h, dw, dh, signed=False):
    y, x = np.mgrid[0:h, 0:w]
    img = ((3 * x + 5 * y) & 0xFF).astype(np.int64)
    if w * dh > h * dw:
        cw, ch = h * dw // dh, h
    else:
        cw, ch = w, w * dh // dw
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    out = np.zeros((dh, dw), dtype=np.int64)
    for i in range(dh):
        a, b = i * ch // dh, (i + 1) * ch // dh
        b = max(b, a + 1)
        for j in range(dw):
            c, d = j * cw // dw, (j + 1) * cw // dw
            d = max(d, c + 1)
            block = img[y0 + a:y0 + b, x0 + c:x0 + d]
            out[i, j] = (block.sum() + block.size // 2) // block.size
    if signed:
        out ^= 0x80
    return out.astype(np.uint8).tobytes()


CASES = {
    "sensor": ("import sensor\nsensor.reset()\nsensor.set_pixformat(sensor.GRAYSCALE)\n"
               "sensor.set_framesize(sensor.QVGA)\nfrom midge.sensors.camera import OpenMVCamera\n"
               "cam = OpenMVCamera(sensor, 96, 96, signed={signed})\n", (320, 240)),
    "csi": ("import csi\nc = csi.CSI()\nc.reset()\nc.pixformat(csi.GRAYSCALE)\nc.framesize(csi.QQVGA)\n"
            "from midge.sensors.camera import OpenMVCamera\ncam = OpenMVCamera(c, 96, 96, signed={signed})\n",
            (160, 120)),
    "esp": ("from camera import Camera, PixelFormat, FrameSize\n"
            "c = Camera(pixel_format=PixelFormat.GRAYSCALE, frame_size=FrameSize.QVGA)\n"
            "from midge.sensors.camera import ESPCamera\ncam = ESPCamera(c, 96, 96, signed={signed})\n",
            (320, 240)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("signed", [False, True])
def test_resize_matches_reference(sensor_python, tmp_path, case, signed):
    setup, (w, h) = CASES[case]
    out = tmp_path / "px.bin"
    code = setup.format(signed=signed) + f"""
import gc
buf = bytearray(96 * 96)
n = cam.readinto(buf)
open({str(out)!r}, 'wb').write(buf)
print(n)
"""
    assert sensor_python(code).check().strip() == "9216"
    assert out.read_bytes() == reference(w, h, 96, 96, signed)


def test_upscale_and_odd_shapes(sensor_python, tmp_path):
    out = tmp_path / "px.bin"
    code = f"""
from midge.sensors.camera import GrayResize
import _image
src = _image.frame(50, 30)
r = GrayResize(64, 40)
buf = bytearray(64 * 40)
r.resize(src, 50, 30, buf)
open({str(out)!r}, 'wb').write(buf)
"""
    sensor_python(code).check()
    assert out.read_bytes() == reference(50, 30, 64, 40)


def test_color_frame_is_refused_with_the_fix(sensor_python):
    code = ("import sensor\nsensor.reset()\nfrom midge.sensors.camera import OpenMVCamera\n"
            "cam = OpenMVCamera(sensor)\ntry:\n    cam.readinto(bytearray(9216))\nexcept ValueError as e:\n    print(e)\n"
            "from camera import Camera, PixelFormat\nfrom midge.sensors.camera import ESPCamera\n"
            "try:\n    ESPCamera(Camera(pixel_format=PixelFormat.RGB565)).readinto(bytearray(9216))\n"
            "except ValueError as e:\n    print(e)\n")
    out = sensor_python(code).check()
    assert "sensor.set_pixformat(sensor.GRAYSCALE)" in out
    assert "pixel_format=PixelFormat.GRAYSCALE" in out


def test_resize_allocates_nothing_per_frame(run_mpy):
    from fake_runner import FAKES
    code = """
import gc
from midge.sensors.camera import GrayResize
import _image
src = _image.frame(320, 240)
r = GrayResize(96, 96)
buf = bytearray(96 * 96)
r.resize(src, 320, 240, buf)
before = 0  # bind the name first: a new global would grow the module dict inside the count
gc.collect()
before = gc.mem_alloc()
for _ in range(3):
    r.resize(src, 320, 240, buf)
print(gc.mem_alloc() - before)
"""
    assert run_mpy(code=code, extra_path=[FAKES]).check().strip() == "0"


GLUE = {
    "openmv": ("from midge.boards import openmv\ncam = openmv.camera({'framesize': 'QQVGA', 'fps': 4}, 96, 96)\n",
               (160, 120)),
    "xiao": ("from midge.boards import xiao_esp32s3_sense as xiao\n"
             "cam = xiao.camera(dict(%r, framesize='QVGA', fps=4), 96, 96)\n", (320, 240)),
}


@pytest.mark.parametrize("board", sorted(GLUE))
def test_board_glue_cameras_give_the_model_s_frames(sensor_python, tmp_path, board):
    """The glue's ``camera(params, width, height)``: grayscale frames of the model's size
    (OpenMV's csi; the XIAO's camera API with the profile's pins, as deploy writes them),
    with the app's sensor contract (start, stop, dropped)."""
    from midge_host.boards import load_board
    from midge_host.deploy import sensor_params
    from midge import app_config
    params = sensor_params(load_board("xiao_esp32s3_sense"), "camera")
    assert params["d0"] == 15 and params["pclk"] == 13
    app_config.check({"model": "/m", "meta": "/j", "board": "xiao_esp32s3_sense",
                      "sensor": dict(params, source="board", framesize="QVGA", fps=4)})
    setup, (w, h) = GLUE[board]
    out = tmp_path / "px.bin"
    code = (setup % params if board == "xiao" else setup) + f"""
buf = bytearray(96 * 96)
cam.start()  # the app's sensor contract
n = cam.readinto(buf)
cam.stop()
open({str(out)!r}, 'wb').write(buf)
print(n, cam.fps, cam.width, cam.height, cam.dropped)
"""
    assert sensor_python(code).check().split() == ["9216", "4", "96", "96", "0"]
    assert out.read_bytes() == reference(w, h, 96, 96)
