"""Device-side runner: features of several windows in one process.

``run(config_path, samples_path, features_path, count)``: builds the extractor
from the JSON config, reads ``count`` windows of int16 LE samples back to back
and writes each window's output (int8, or int32 LE for motion int32).
"""

import json
from array import array

from midge.features import build


def run(config_path, samples_path, features_path, count):
    with open(config_path) as f:
        fx = build(json.load(f))
    out = fx.new_output()
    window = array("h", bytearray(2 * fx.window_samples))
    with open(samples_path, "rb") as src, open(features_path, "wb") as dst:
        for _ in range(count):
            src.readinto(window)
            fx.process(window, out)
            dst.write(out)
