"""Device-side runner: heap growth and time of ``process`` in the steady state.

``run(config_json, rounds)`` prints ``alloc <bytes> us <per window>`` after
``rounds`` windows of pseudo-random samples (after one warm-up window).
"""

import gc
import json
import time
from array import array

from midge.features import build


def run(config_json, rounds):
    fx = build(json.loads(config_json))
    out = fx.new_output()
    window = array("h", bytearray(2 * fx.window_samples))
    seed = 1
    for i in range(len(window)):
        seed = (seed * 75 + 74) % 65537  # stays a small int on 32-bit ports
        window[i] = seed - 32768
    fx.process(window, out)
    gc.collect()
    before = gc.mem_alloc()
    t0 = time.ticks_us()
    for _ in range(rounds):
        fx.process(window, out)
    us = time.ticks_diff(time.ticks_us(), t0) // rounds
    print("alloc", gc.mem_alloc() - before, "us", us)
