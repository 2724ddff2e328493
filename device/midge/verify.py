"""On-board parity check: ``import midge.verify; midge.verify.run("midge.json")``.

Reads the test vectors deployed with the model (``vectors.bin``, written by
`midge quantize`; the format is ``midge.vectors``') and runs each recorded
raw window through this board's feature code and engine
(``midge.app_pipeline.Pipeline``, the same object the app runs; frame by frame
through ``midge.framestream`` where the features allow it, as the app does, so
verify needs no more memory than the app), comparing the int8 model input and output bit for bit
with what the host computed. Prints one JSON line per vector::

    {"ev":"vector","i":0,"input_ok":true,"output_ok":true,"input_at":-1,
     "output_at":-1,"features_us":812,"invoke_us":2301}

(``*_at``: index of the first differing value, -1 when equal) and a summary
``{"ev":"verify","vectors":N,"failed":M,"features_us_max","invoke_us_max",
"heap_free","heap_used"}``; returns M.
"""

import gc
import json

from midge.bits import zeros
from midge.sensors._clock import ticks_diff, ticks_us

CHUNK = 512  # raw values read at a time where the features stream frame by frame


def _first_diff(got, want):
    for i in range(len(want)):
        if (got[i] & 0xFF) != want[i]:
            return i
    return -1


def _frame_stream(fx):
    """A FrameStream over ``fx`` (the app's path where the features allow it), or None."""
    if not getattr(fx, "streams", False):
        return None
    from midge.framestream import FrameStream, can_stream
    if not can_stream(fx, fx.stride_samples):
        return None
    return FrameStream(fx, fx.stride_samples, CHUNK)


def _stream_features(vec, stream, chunk, n_samples, model_input):
    """Feed one record's window through ``stream`` in CHUNK pieces; its rows
    land in ``model_input``; returns the microseconds spent on features."""
    stream.reset()
    spent = 0
    left = n_samples
    while left:
        n = CHUNK if left > CHUNK else left
        vec.read_samples(chunk, n)
        t0 = ticks_us()
        stream.feed(chunk, n)
        done = stream.take(model_input)
        spent += ticks_diff(ticks_us(), t0)
        left -= n
    if not done:
        raise ValueError("the frame stream gave no window for %d samples" % n_samples)
    return spent


def _emit(record):
    print(json.dumps(record, separators=(",", ":")))


def run(config="midge.json"):
    """Check every vector; print JSON lines; return the number of failed vectors."""
    from midge import app_config, meta as _meta
    from midge.app_pipeline import Pipeline, extractor
    from midge.vectors import Reader
    from midge.loading import forget, loading
    with loading():
        conf = app_config.load(config)
        if not conf["vectors"]:
            raise ValueError("midge.json names no 'vectors' file to verify against")
        meta = _meta.read(conf["meta"])
        # the model first, as the app loads it (its weights where the app keeps them)
        from midge.engine import load
        model = load(conf)
        load = None
        forget("midge.engine", "midge.nn")
        fx = extractor(meta)
        stream = _frame_stream(fx)
        raw = zeros("h", CHUNK if stream is not None else fx.window_samples)
        window = memoryview(raw)
        pipeline = Pipeline(meta, model, fx)
    failed = 0
    worst_f = worst_i = 0
    with open(conf["vectors"], "rb") as f:
        vec = Reader(f, conf["vectors"])
        count, n_samples, n_in, n_out = vec.count, vec.n_samples, vec.n_input, vec.n_output
        if n_samples != pipeline.window_values or n_in != len(pipeline.input) or n_out != len(pipeline.output):
            raise ValueError("vectors hold %d samples -> %d inputs -> %d outputs; the model on the "
                             "board takes %d -> %d -> %d (deploy the matching build)"
                             % (n_samples, n_in, n_out, pipeline.window_values,
                                len(pipeline.input), len(pipeline.output)))
        want_in = bytearray(n_in)
        want_out = bytearray(n_out)
        for i in range(count):
            if stream is None:
                vec.read_samples(raw)
                t0 = ticks_us()
                pipeline.features(window)
                f_us = ticks_diff(ticks_us(), t0)
            else:
                f_us = _stream_features(vec, stream, raw, n_samples, pipeline.input)
            vec.read_expected(want_in, want_out)
            at_in = _first_diff(pipeline.input, want_in)  # before invoke: the arena reuses it
            t2 = ticks_us()
            out = pipeline.invoke()
            t3 = ticks_us()
            at_out = _first_diff(out, want_out)
            ok = at_in < 0 and at_out < 0
            if not ok:
                failed += 1
            i_us = ticks_diff(t3, t2)
            worst_f = max(worst_f, f_us)
            worst_i = max(worst_i, i_us)
            _emit({"ev": "vector", "i": i, "input_ok": at_in < 0, "output_ok": at_out < 0,
                   "input_at": at_in, "output_at": at_out, "features_us": f_us, "invoke_us": i_us})
    gc.collect()
    _emit({"ev": "verify", "vectors": count, "failed": failed, "features_us_max": worst_f,
           "invoke_us_max": worst_i, "heap_free": gc.mem_free(), "heap_used": gc.mem_alloc()})
    return failed
