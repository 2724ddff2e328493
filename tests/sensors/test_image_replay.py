"""Image recordings (midge.pgm) written on the host and replayed as a camera on
every runner: the frames come back byte for byte, in order, looping, with
nothing allocated per frame; other tools' PGM files read; bad files named."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from midge import pgm
from midge.sensors.image_replay import ImageReplay


def frames(count, width=12, height=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, height, width), dtype=np.uint8)


def recording(images):
    return b"".join(pgm.header(img.shape[1], img.shape[0]) + img.tobytes() for img in images)


def test_header_round_trip_and_other_tools_files(tmp_path):
    img = frames(1)[0]
    f = io.BytesIO(recording([img]))
    assert pgm.parse_header(f) == (12, 8) and f.read() == img.tobytes()
    Image.fromarray(img).save(tmp_path / "pil.pgm")  # PIL writes P5 with its own spacing
    with open(tmp_path / "pil.pgm", "rb") as f:
        assert pgm.parse_header(f) == (12, 8) and f.read() == img.tobytes()
    commented = io.BytesIO(b"P5 # made by hand\n12  8\n# max\n255\n" + img.tobytes())
    assert pgm.parse_header(commented) == (12, 8) and commented.read() == img.tobytes()
    assert pgm.parse_header(io.BytesIO(b"")) is None


@pytest.mark.parametrize("data, message", [
    (b"P2\n1 1\n255\n7", "not a binary PGM frame"),
    (b"P5\n4 4\n65535\n", "maxval must be 255"),
    (b"P5\n0 4\n255\n", "1..4096 pixels a side"),
    (b"P5\nfour 4\n255\n", "must be numbers"),
])
def test_bad_headers_say_what_is_wrong(data, message):
    with pytest.raises(ValueError, match=message):
        pgm.parse_header(io.BytesIO(data))


REPLAY = """
import gc, json
from midge.sensors.image_replay import ImageReplay
cam = ImageReplay(%r, fps=50, realtime=False, loop=True)
buf = bytearray(cam.width * cam.height)
seen = []
grown = n = before = 0
for i in range(7):
    gc.collect()
    before = gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0
    n = cam.readinto(buf)
    if i:
        grown = max(grown, (gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0) - before)
    seen.append(sum(buf[k] * (k + 1) for k in range(n)) %% 1000003)
print(json.dumps([cam.width, cam.height, seen, cam.done, grown]))
"""


def test_frames_replay_in_order_and_loop_on_every_runner(device_python, tmp_path):
    images = frames(3)
    path = tmp_path / "frames.pgm"
    path.write_bytes(recording(images))
    width, height, seen, done, grown = json.loads(device_python(code=REPLAY % str(path)).check())
    sums = [int(sum(int(v) * (k + 1) for k, v in enumerate(img.ravel())) % 1000003) for img in images]
    assert (width, height) == (12, 8) and not done
    assert seen == sums * 2 + sums[:1] and grown == 0


def test_the_end_of_a_recording_and_bad_frames(tmp_path):
    images = frames(2)
    path = tmp_path / "two.pgm"
    path.write_bytes(recording(images))
    cam = ImageReplay(str(path), realtime=False)
    buf = bytearray(96)
    assert cam.readinto(buf) == 96 and bytes(buf) == images[0].tobytes()
    assert cam.readinto(buf) == 96 and cam.readinto(buf) == 0 and cam.done
    path.write_bytes(recording([images[0], frames(1, 10, 8)[0]]))
    cam = ImageReplay(str(path), realtime=False)
    cam.readinto(buf)
    with pytest.raises(ValueError, match="frame 1 of the image recording is not a 12 x 8 frame"):
        cam.readinto(buf)
    path.write_bytes(recording(images)[:-5])
    cam = ImageReplay(str(path), realtime=False)
    cam.readinto(buf)
    with pytest.raises(ValueError, match="frame 1 of the image recording is cut short"):
        cam.readinto(buf)
    with pytest.raises(ValueError, match="a frame is 12 x 8"):
        cam.readinto(bytearray(10))
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="holds no frame"):
        ImageReplay(str(path))


def test_frames_of_another_size_are_cropped_and_resized_like_a_camera_s(tmp_path):
    from midge.sensors.camera import GrayResize
    images = frames(2, 40, 30, seed=3)
    path = tmp_path / "big.pgm"
    path.write_bytes(recording(images))
    cam = ImageReplay(str(path), 16, 16, realtime=False)
    assert (cam.width, cam.height, cam.frame_width, cam.frame_height) == (16, 16, 40, 30)
    resize = GrayResize(16, 16)
    for img in images:
        got, want = bytearray(256), bytearray(256)
        assert cam.readinto(got) == 256
        resize.resize(img.tobytes(), 40, 30, want)
        assert got == want
