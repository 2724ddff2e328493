"""The smallest heap the deployed app runs in, found by bisection on a
32-bit MicroPython with the board's code.

``app_heap(build, board, clip=None, progress=None) -> dict``: lays out in a
temporary flash folder what `midge deploy` writes for ``board`` (the device
package as .mpy, the model files, ``clip`` as the replayed recording,
midge.json), then runs the app there under ``-X heapsize=N`` and bisects N
to 1 KiB. The interpreter (``measured_with(board)``): for a Cortex-M board
(mpy arch armv6m/armv7m/armv7em*), the ARM Thumb test bed under qemu-arm with
the .mpy compiled for the board's own arch, so viper code has the board's
size, and the board's asm_thumb kernels (``midge.fast.ASM``; the test bed is an
armv7em core, so an armv6m board's run sets MIDGE_ASM=armv6m); otherwise (and where the test bed was not built) the i386 port
with x86 code (the emulated board's: the sim runs it). Results:

- ``load_bytes``: the smallest heap in which the app builds (sensor, window
  ring, features, model): the peak it needs while loading;
- ``run_bytes``: the smallest heap in which it builds and runs the whole clip
  (every window through features, model, decisions and responders) to its end
  (a camera model: CAMERA_FRAMES frames of its clip, an image or image
  recording); None without a clip;
- ``windows``: the windows the clip gave;
- ``arch``, ``measured_with``: the .mpy arch and the interpreter, in words.

A board's heap fragments, so a larger heap does not always succeed where a
smaller one did, and where the app's blocks land shifts with anything
allocated before it (measured: the boundary moves by up to 4 KiB, 2-3 %, with
the length of a path). The result is the bisection's boundary, confirmed one
KiB and 5 % above it and with the heap's layout shifted by a few small
allocations ahead of the app (LAYOUT_SHIFTS), moved up until all of these run. What it does not count: the
sensor driver's buffers (machine.I2S's ring buffer sits on the heap on rp2),
and an ESP32's Xtensa code is measured as x86 code (within a few KiB: x86
viper code is ~1.5x the size of Thumb code; Xtensa's is between).
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

from midge_host.deploy.plan import compile_package, plan
from midge_host.errors import MidgeError
from midge_host.unixport import THUMB_ARCHS, micropython_executable, thumb_executable

LOW = 16 * 1024
HIGH = 16 * 1024 * 1024
STEP = 1024
RUN_SECONDS = 12  # past the app's first status line (every 10 s)
CAMERA_FRAMES = 3  # a camera model's frames in those seconds
OK_MARK = "midge-heap-ok"
LAYOUT_SHIFTS = (24, 72, 152)  # bytes allocated ahead of the app in the confirming runs

TRIAL = """
import sys, vfs, os
vfs.mount(vfs.VfsPosix(%(flash)r), '/')
os.chdir('/')
sys.path[:] = ['', '/lib']
_shift = bytearray(%(shift)d)
from midge import app_config
%(body)s
"""
LOAD_APP = """from midge.app import App
app = App(app_config.load('/midge.json'))
print(%(mark)r, 0)
"""
RUN_APP = """from midge.app import App
status = App(app_config.load('/midge.json')).run()
print(%(mark)r, status['windows'])
"""
IN_USE = """import gc, json, os
from midge.app import App
gc.collect()
base = gc.mem_alloc()
app = App(app_config.load('/midge.json'))
gc.collect()
total = gc.mem_alloc() - base
p = app.pipeline
parts = {'total': total, 'model_file': os.stat(app.conf['model'])[6], 'weights': app.conf['weights'],
         'model_held': p.interpreter.model_ram_bytes, 'arena': p.interpreter.arena_size,
         'window': (app.stream or app.windows).nbytes if (app.stream or app.windows) else len(app._buf),
         'streaming': app.streaming}
parts['rest'] = total - parts['model_held'] - parts['arena'] - parts['window']
print(%(mark)r, 0)
print(json.dumps(parts))
"""
LOAD_PIPELINE = """from midge import meta
from midge.app_pipeline import Pipeline
p = Pipeline(meta.read('/model/meta.json'), '/model/model.tflite')
print(%(mark)r, 0)
"""


def measured_with(board):
    """(mpy arch, interpreter, in words) that ``board``'s heap is measured with; the
    interpreter is (its path, the MIDGE_ASM it runs with or None)."""
    if board.mpy_arch in THUMB_ARCHS:
        thumb = thumb_executable()
        if thumb:
            asm = "armv6m" if board.mpy_arch in ("armv6m", "armv7m") else None
            return board.mpy_arch, (thumb, asm), f"ARM Thumb MicroPython under qemu-arm, {board.mpy_arch} code"
    return "x86", (micropython_executable(32), None), "32-bit MicroPython (i386), x86 code"


def lay_out(build, board, clip, flash, arch):
    """Write the files deploy writes for ``board`` under ``flash``, the
    package compiled for ``arch`` (without a clip: the package and the model
    files only). A camera model's clip (images, or an image recording) is
    replayed as deploy replays it, CAMERA_FRAMES frames in RUN_SECONDS."""
    from midge_host.deploy import _replay_file, board_config
    from midge_host.deploy.target import SIM_GLUE
    conf = {}
    with tempfile.TemporaryDirectory(prefix="midge-clip-") as tmp:
        if clip is not None:
            clip = _replay_file(build, clip, Path(tmp))
            conf = board_config(build, board, SIM_GLUE, "/", clip, realtime=False)
            conf["sensor"].update(loop=True, seconds=RUN_SECONDS)
            if build.meta["sensor"] == "camera":
                conf["sensor"]["fps"] = CAMERA_FRAMES / RUN_SECONDS
        _write_plan(build, arch, conf, clip, flash)


def _write_plan(build, arch, conf, clip, flash):
    for item in plan(build, arch, "/", conf, clip):
        if clip is None and item.path in ("/midge.json", "/main.py"):
            continue
        path = Path(flash) / item.path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(item.data)


def trial(interpreter, flash, body, heap, shift=0):
    """(ok, windows, output tail) of one run of ``body`` by ``interpreter`` in a
    ``heap``-byte heap, with ``shift`` bytes allocated ahead of it."""
    code = TRIAL % {"flash": str(flash), "body": body % {"mark": OK_MARK}, "shift": shift}
    path, asm = interpreter
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MICROPY", "MIDGE_ASM"))}
    if asm:
        env["MIDGE_ASM"] = asm
    proc = subprocess.run([path, "-X", f"heapsize={heap}", "-c", code],
                          capture_output=True, text=True, timeout=600, env=env, cwd=flash)
    out = proc.stdout + proc.stderr
    for line in proc.stdout.splitlines():
        if line.startswith(OK_MARK) and proc.returncode == 0:
            return True, int(line.split()[1]), out
    return False, 0, out


def smallest_heap(interpreter, flash, body, progress=None):
    """(bytes, windows): the smallest heap, to STEP bytes, in which ``body`` runs."""
    high = 256 * 1024
    while True:
        ok, windows, out = trial(interpreter, flash, body, high)
        if ok:
            break
        if "MemoryError" not in out:
            raise MidgeError("the deployed app fails on the 32-bit port, whatever its heap:\n"
                             + out.strip()[-1500:])
        if high >= HIGH:
            raise MidgeError(f"the deployed app does not run even in {HIGH // 1024 // 1024} MiB of heap:\n"
                             + out.strip()[-600:])
        high *= 2
    low = LOW
    while high - low > STEP:
        mid = (low + high) // 2 // STEP * STEP
        passed, got, _ = trial(interpreter, flash, body, mid)
        if passed:
            high, windows = mid, got
        else:
            low = mid
        if progress:
            progress()
    while not _holds(interpreter, flash, body, high):
        high += STEP  # fragmentation: a larger heap or another layout failed; the boundary is above
    return high, windows


def _holds(interpreter, flash, body, heap):
    """True when ``body`` runs one STEP and 5 % above ``heap`` and at ``heap``
    with each of LAYOUT_SHIFTS."""
    return (trial(interpreter, flash, body, heap + STEP)[0] and trial(interpreter, flash, body, int(heap * 1.05))[0]
            and all(trial(interpreter, flash, body, heap, shift)[0] for shift in LAYOUT_SHIFTS))


def app_heap(build, board, clip=None, progress=None):
    """See the module docstring. ``board``: a board profile (midge_host.boards);
    ``clip``: a WAV or CSV recording at the model's rate, or None."""
    arch, interpreter, words = measured_with(board)
    found = {"arch": arch, "measured_with": words}
    with tempfile.TemporaryDirectory(prefix="midge-heap-") as flash:
        lay_out(build, board, clip, flash, arch)
        if clip is None:
            load, _ = smallest_heap(interpreter, flash, LOAD_PIPELINE, progress)
            return dict(found, load_bytes=load, run_bytes=None, windows=0)
        load, _ = smallest_heap(interpreter, flash, LOAD_APP, progress)
        run, windows = smallest_heap(interpreter, flash, RUN_APP, progress)
    return dict(found, load_bytes=load, run_bytes=max(run, load), windows=windows)


def in_use(build, board, clip):
    """What the built app holds, by part (see the module docstring)."""
    arch, interpreter, _ = measured_with(board)
    with tempfile.TemporaryDirectory(prefix="midge-heap-") as flash:
        lay_out(build, board, clip, flash, arch)
        ok, _, out = trial(interpreter, flash, IN_USE, HIGH)
    if not ok:
        raise MidgeError("the deployed app fails on the 32-bit port:\n" + out.strip()[-1500:])
    return json.loads(out.strip().splitlines()[-1])


def files_bytes(build, arch):
    """Bytes of the files a deploy writes for ``arch``: {"code", "model", "total"}."""
    code = sum(len(b) for b in compile_package(arch).values())
    model = sum(build.path(n).stat().st_size for n in ("model.tflite", "labels.txt", "meta.json", "vectors.bin"))
    return {"code": code, "model": model, "total": code + model}
