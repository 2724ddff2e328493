"""midge.nn within small boards' heaps, on the 32-bit port with ``-X heapsize``.

- micro_speech loads and runs in a Raspberry Pi Pico's (and Pico W's) MicroPython heap,
  from the device sources, viper on and off, bit-exact with TFLM.
- person_detect (a 300 KB model, read into RAM) loads and runs in PERSON_DETECT_HEAP,
  as deployed (.mpy modules), viper on and off, bit-exact with TFLM.
- With viper, an invoke allocates nothing. The plain kernels do allocate on a 32-bit
  board: their products outgrow MicroPython's 31-bit small ints into heap ints.
- A model in a mounted ROMFS image (vfs.VfsRom) loads without a copy: the heap grows by
  the model's size less than when the same file is read from the posix filesystem.
- A heap too small for the model fails with a MemoryError that names what it needs.

The models are TFLM's, or without ../shared the generated ones of the same ops and tensor
shapes (the ``micro_speech_model`` and ``person_detect_model`` fixtures); both plan the
same arenas.
"""

import json
import re

import numpy as np
import pytest

from midge_host.crosscompile import cross_compile, device_sources
from midge_host.paths import boards_dir, device_dir
from nn_support import _output_specs, _records, _split, run_tflm

PERSON_DETECT_HEAP = "720K"
"""Measured minimum on the 32-bit port with x86 .mpy modules: about 676K with viper,
589K without (the model is 294 KiB of it; viper's packed per-channel arrays cost the
difference); 720K leaves room for heap-layout differences. An OpenMV H7 Plus gives
MicroPython 4.2 MiB (the emulated-board test in tests/e2e runs it with that profile)."""


def _heap_bytes(board):
    return json.loads((boards_dir() / f"{board}.json").read_text())["heap_bytes"]


@pytest.fixture(scope="module")
def mpy_dir(tmp_path_factory):
    """The device package compiled to x86 .mpy files, as a deploy writes them for the 32-bit port."""
    out = tmp_path_factory.mktemp("mpy")
    for src in device_sources(device_dir(), "x86"):
        target = out / src.relative_to(device_dir()).with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        result = cross_compile(src, "x86", target)
        assert result.ok, result.message
    return out


RUNNER = """
import gc, sys, midge.nn
m = midge.nn.load(sys.argv[1])
x, y = m.input(0), m.output(0)
grown = 0
with open(sys.argv[2], "rb") as src, open(sys.argv[3], "wb") as dst:
    while src.readinto(x) == len(x):
        gc.collect()
        before = gc.mem_alloc()
        m.invoke()
        grown = gc.mem_alloc() - before
        dst.write(y)
print("alloc", grown)
"""
"""Runs records through a one-input, one-output model without allocating per record."""


def _run_in_heap(run_mpy, model, inputs, tmp_path, heapsize, viper, extra_path=()):
    """Outputs of RUNNER under ``heapsize``, checked against TFLM."""
    src, dst = tmp_path / "in.bin", tmp_path / "out.bin"
    records = _records(model, inputs)
    src.write_bytes(b"".join(records))
    result = run_mpy(code=RUNNER, args=[str(model), str(src), str(dst)], viper=viper,
                     heapsize=heapsize, extra_path=extra_path, timeout=600)
    report = result.check()
    got = _split(dst.read_bytes(), _output_specs(model), len(records))
    want = run_tflm(model, inputs)
    for g, w in zip(got, want):
        assert g.tobytes() == w.tobytes(), f"{model.name} in {heapsize}: midge {g.ravel()[:8]} tflm {w.ravel()[:8]}"
    return report


@pytest.mark.parametrize("viper", [True, False], ids=["viper", "plain"])
@pytest.mark.parametrize("board", ["pico", "pico_w"])
def test_micro_speech_in_a_pico_heap(run_mpy, micro_speech_model, tmp_path, board, viper):
    records = np.random.default_rng(11).integers(-128, 128, size=(4, 1, 1960), dtype=np.int8)
    report = _run_in_heap(run_mpy, micro_speech_model, [records], tmp_path,
                          str(_heap_bytes(board)), viper)
    assert "alloc 0" in report or not viper


@pytest.mark.slow
@pytest.mark.parametrize("viper", [True, False], ids=["viper", "plain"])
def test_person_detect_in_the_target_heap(run_mpy, person_detect_model, person_detect_inputs, tmp_path, mpy_dir,
                                         viper):
    report = _run_in_heap(run_mpy, person_detect_model, [person_detect_inputs], tmp_path,
                          PERSON_DETECT_HEAP, viper, extra_path=[mpy_dir])
    assert "alloc 0" in report or not viper


ROMFS_SCRIPT = """
import gc, sys, vfs
import midge.nn, midge.nn.interpreter, midge.nn.ops
with open(sys.argv[1], "rb") as f:
    vfs.mount(vfs.VfsRom(f.read()), "/rom")

def load(path):
    gc.collect()
    before = gc.mem_alloc()
    m = midge.nn.load(path)
    gc.collect()
    grown = gc.mem_alloc() - before
    x = m.input(0)
    for i in range(len(x)):
        x[i] = (i * 37) % 256 - 128
    m.invoke()
    return grown, list(m.output(0))

load(sys.argv[2])  # imports the model's op modules (midge.nn.ops loads them on first use)
load("/rom/model.tflite")  # and whatever reading the ROMFS keeps the first time
rom = load("/rom/model.tflite")
posix = load(sys.argv[2])
print(rom[0], posix[0])
print(rom[1] == posix[1], rom[1])
"""


@pytest.mark.parametrize("viper", [True, False], ids=["viper", "plain"])
def test_a_model_in_romfs_loads_in_place(run_mpy, micro_speech_model, tmp_path, viper):
    from mpremote.romfs import make_romfs
    model = micro_speech_model
    (tmp_path / "rom").mkdir()
    (tmp_path / "rom" / "model.tflite").write_bytes(model.read_bytes())
    image = tmp_path / "rom.img"
    image.write_bytes(make_romfs(str(tmp_path / "rom"), mpy_cross=False))
    out = run_mpy(code=ROMFS_SCRIPT, args=[str(image), str(model)], viper=viper).check().split("\n")
    rom_grown, posix_grown = map(int, out[0].split())
    size = model.stat().st_size
    assert posix_grown - rom_grown >= size, out
    assert rom_grown < size, out
    same, outputs = out[1].split(" ", 1)
    assert same == "True", out
    x = np.array([(i * 37) % 256 - 128 for i in range(1960)], np.int8).reshape(1, 1, 1960)
    (want,) = run_tflm(model, [x])
    assert outputs == str(want.ravel().tolist()), (outputs, want)


@pytest.mark.parametrize("heapsize, needs", [
    ("300K", r"model file \S+ is {size} bytes and does not fit in RAM; \d+ bytes of heap free; "
             r"put it in ROMFS to run it in place"),
    ("330K", r"model file \S+ is {size} bytes, read into RAM; midge's interpreter does not fit beside it; "
             r"\d+ bytes of heap free; put the model in ROMFS to run it in place"),
    ("370K", r"the model \({size} bytes in RAM\) leaves no room to read its graph and plan its arena; "
             r"\d+ bytes of heap free; put the model in ROMFS to run it in place"),
    ("420K", r"model needs an arena of 55296 bytes; \d+ bytes of heap free"),
    ("540K", r"model needs an arena of 55296 bytes and (room for its \d+ tensors' descriptions|room for "
             r"midge's op modules|more memory for the tables of operator \d+ \(\w+\)); \d+ bytes of heap free"),
])
def test_too_small_a_heap_says_what_the_model_needs(run_mpy, person_detect_model, tmp_path, heapsize, needs):
    """{size}: the model file's size (TFLM's: 300568 bytes)."""
    code = "import sys, midge.nn\nmidge.nn.load(sys.argv[1])\nprint('loaded')"
    result = run_mpy(code=code, args=[str(person_detect_model)], heapsize=heapsize)
    assert result.returncode != 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert re.fullmatch("MemoryError: " + needs.replace("{size}", str(person_detect_model.stat().st_size)), last), last
