"""Device-side runner: steady-state heap growth and time per frame of the
window -> micro_speech pipeline (MicroPython unix port; needs gc.mem_alloc).

``run(frames)`` feeds ``frames`` chunks of 320 pseudo-random samples through
Windows(480, 320) into MicroSpeechFrontend after a warm-up, then prints
``alloc <bytes> process_us <per frame> window_us <feed+take per frame>``.
"""

import gc
import time
from array import array

from midge.dsp.micro_speech import FRAME_SAMPLES, FRAME_STRIDE, MicroSpeechFrontend
from midge.window import Windows


def _fill(chunk, seed):
    # ZX81-style generator: products stay small ints on 32-bit ports too.
    for i in range(len(chunk)):
        seed = (seed * 75 + 74) % 65537
        chunk[i] = seed - 32768
    return seed


def run(frames):
    chunk = array("h", bytearray(2 * FRAME_STRIDE))
    windows = Windows(FRAME_SAMPLES, FRAME_STRIDE)
    frontend = MicroSpeechFrontend()
    seed = 1
    for _ in range(4):  # warm-up: first frames and any lazy allocations
        seed = _fill(chunk, seed)
        windows.feed(chunk)
        frame = windows.take()
        if frame is not None:
            frontend.process(frame)
    gc.collect()
    before = gc.mem_alloc()
    process_us = 0
    window_us = 0
    for _ in range(frames):
        seed = _fill(chunk, seed)
        t0 = time.ticks_us()
        windows.feed(chunk)
        frame = windows.take()
        t1 = time.ticks_us()
        frontend.process(frame)
        t2 = time.ticks_us()
        window_us += time.ticks_diff(t1, t0)
        process_us += time.ticks_diff(t2, t1)
    grown = gc.mem_alloc() - before
    print("alloc", grown, "process_us", process_us // frames, "window_us", window_us // frames)
