"""The board side of midge's batch runs: MicroPython code, run by
``midge_host.unixport.run_batch`` under the unix port with the device package
on MICROPYPATH (never imported by CPython)::

    micropython batch_runner.py STAGE SPEC IN OUT COUNT

reads COUNT records from the file IN, appends one result per record to OUT
and prints the number of records done after each. Stages:

- ``features``: SPEC is a feature config (JSON file); a record is one window
  (``fx.window_samples`` int16, or bytes for an image), the result the
  extractor's output (int8, or int32 little-endian).
- ``model``: SPEC is a .tflite; a record is the bytes of every input tensor in
  order, the result the bytes of every output tensor in order.
- ``pipeline``: SPEC is a JSON file ``{"meta": path, "model": path}``; a
  record is one raw window (``Pipeline.window_values`` values), the result the
  model input after features (before ``invoke``: the arena may reuse it)
  followed by the model output: ``midge.app_pipeline.Pipeline``, exactly as
  the board runs it.
"""

import json
import sys
from array import array


def _window_buffer(n, image):
    return bytearray(n) if image else array("h", bytearray(2 * n))


def _features(spec):
    from midge.features import build
    with open(spec) as f:
        fx = build(json.load(f))
    out = fx.new_output()
    window = _window_buffer(fx.window_samples, fx.config["kind"] == "image")

    def step(src, dst):
        src.readinto(window)
        fx.process(window, out)
        dst.write(out)
    return step


def _model(spec):
    import midge.nn
    m = midge.nn.load(spec)
    xs = [m.input(i) for i in range(m.input_count)]
    ys = [m.output(i) for i in range(m.output_count)]

    def step(src, dst):
        for x in xs:
            src.readinto(x)
        m.invoke()
        for y in ys:
            dst.write(y)
    return step


def _pipeline(spec):
    from midge import meta as _meta
    from midge.app_pipeline import Pipeline
    with open(spec) as f:
        paths = json.load(f)
    meta = _meta.read(paths["meta"])
    p = Pipeline(meta, paths["model"])
    window = _window_buffer(p.window_values, meta["sensor"] == "camera")

    def step(src, dst):
        src.readinto(window)
        p.features(window)
        dst.write(p.input)
        dst.write(p.invoke())
    return step


def main(stage, spec, source, target, count):
    step = {"features": _features, "model": _model, "pipeline": _pipeline}[stage](spec)
    with open(source, "rb") as src, open(target, "wb") as dst:
        for n in range(count):
            step(src, dst)
            print(n + 1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
