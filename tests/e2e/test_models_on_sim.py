"""Reference models run on the emulated board within real boards' heaps.

The device package goes onto the 32-bit board's flash as x86 .mpy files (as a deploy
writes them), with the model and an input; real mpremote (SerialTransport)
runs the model there and the output must equal TFLM's:
- person_detect on an OpenMV Cam H7 Plus profile (TFLM's model scores person.bmp as a person);
- micro_speech on a Raspberry Pi Pico profile.
Without ../shared, the generated models of the same ops and shapes run instead.
"""

import shutil

import numpy as np
import pytest
from mpremote.transport_serial import SerialTransport

from midge_host.boards import load_board
from midge_host.crosscompile import cross_compile, device_sources
from midge_host.paths import device_dir
from midge_host.sim import SimBoard
from midge_host.sim.bridge import REPL_HEAP_BYTES
from tests.nn.nn_support import run_tflm

RUN_ON_BOARD = """
import gc, midge.nn
m = midge.nn.load('/model.tflite')
with open('/input.bin', 'rb') as f:
    f.readinto(m.input(0))
gc.collect()
before = gc.mem_alloc()
m.invoke()
grown = gc.mem_alloc() - before
gc.collect()
print(list(m.output(0)), grown, gc.mem_free() + gc.mem_alloc())
"""


def _flash_with(tmp_path, model, input_bytes):
    """A flash folder holding /lib/midge as .mpy, /model.tflite and /input.bin."""
    flash = tmp_path / "flash"
    for src in device_sources(device_dir(), "x86"):
        target = flash / "lib" / src.relative_to(device_dir()).with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        result = cross_compile(src, "x86", target)
        assert result.ok, result.message
    shutil.copy(model, flash / "model.tflite")
    (flash / "input.bin").write_bytes(input_bytes)
    return flash


def _run_on_sim(board, flash):
    with SimBoard(board=board, flash_dir=flash) as sim:
        transport = SerialTransport(str(sim.port), baudrate=115200)
        try:
            transport.enter_raw_repl()
            out, err = transport.exec_raw(RUN_ON_BOARD, timeout=120)
            assert not err, err.decode()
        finally:
            transport.close()
    *scores, grown, heap = out.decode().replace("[", " ").replace("]", " ").replace(",", " ").split()
    return [int(s) for s in scores], int(grown), int(heap)


def _board_heap(total, board):
    """The sim's GC heap is the board's plus what its own REPL keeps (user code finds the board's)."""
    want = load_board(board).heap_bytes
    return 0.9 * want <= total - REPL_HEAP_BYTES[32] <= want


@pytest.mark.slow
def test_person_detect_on_an_openmv_h7_plus_heap(person_detect_model, person_detect_inputs, tmp_path):
    image = person_detect_inputs[0]  # TFLM's: person.bmp
    (expected,) = run_tflm(person_detect_model, [image])
    scores, grown, heap = _run_on_sim("openmv_h7_plus", _flash_with(tmp_path, person_detect_model, image.tobytes()))
    assert scores == expected.reshape(-1).astype(int).tolist()
    if person_detect_model.name == "person_detect.tflite":
        assert scores[1] > scores[0]  # person
    assert grown == 0
    assert _board_heap(heap, "openmv_h7_plus")


def test_micro_speech_on_a_pico_heap(micro_speech_model, tmp_path):
    model = micro_speech_model
    features = np.random.default_rng(7).integers(-128, 128, (1, 1960), dtype=np.int8)
    (expected,) = run_tflm(model, [features])
    scores, grown, heap = _run_on_sim("pico", _flash_with(tmp_path, model, features.tobytes()))
    assert scores == expected.reshape(-1).astype(int).tolist()
    assert grown == 0
    assert _board_heap(heap, "pico")
