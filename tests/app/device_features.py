"""Device-side features for test fixtures: ``device_features.py META RAW OUT``.

RAW holds int16 windows back to back (meta's window_samples * channels each);
OUT receives each window's int8 model input as midge.app_pipeline computes it
(features straight into an int8 buffer of the model-input size).
"""

import json
import sys
from array import array

from midge import features


def main(argv):
    with open(argv[1]) as f:
        meta = json.load(f)
    fx = features.build(meta["features"])
    n = meta["window_samples"] * meta["channels"]
    out = fx.new_output()
    with open(argv[2], "rb") as src, open(argv[3], "wb") as dst:
        while True:
            data = src.read(2 * n)
            if not data:
                break
            fx.process(memoryview(array("h", data)), out)
            dst.write(bytes(bytearray(v & 0xFF for v in out)))


main(sys.argv)
