"""Instructions per multiply-accumulate of midge's interpreter, by the difference of two runs.

A run of ``INVOKE_SCRIPT`` (device code) loads a model, puts one record in its inputs and
invokes it N times; the same run with N = 0 spends the same on start-up, compiling midge and
loading the model, so the difference over N x the model's MACs is what invoking costs per
MAC. tools/bench_nn.py counts the runs' instructions with callgrind (x86 unix port),
midge_host.thumbcount with a qemu plugin (the ARM Thumb test bed).

- ``LOAD_SCRIPT``: device code defining ``loaded(path, record)``, the model at ``path`` with
  the bytes of the file ``record`` in its inputs, in order.
- ``INVOKE_SCRIPT``: LOAD_SCRIPT, then a collection (the invokes start from the same heap in
  both runs) and N invokes; arguments: model path, record path, N.
- ``record_file(model, folder)``: one random record for the model (seed 1), written to
  ``folder``; its path.
- ``macs(model)``: multiply-accumulates of one invoke (midge_host.modelinfo's count: CONV_2D,
  DEPTHWISE_CONV_2D and FULLY_CONNECTED, every filter tap).
- ``per_mac(count, macs, n)``: ``(count(n) - count(0)) / (n * macs)``, ``count(k)`` being the
  instructions of a run with k invokes.
"""

from pathlib import Path

import numpy as np

from midge_host import modelgen
from midge_host.modelinfo import describe
from midge_host.tflm import load_model

LOAD_SCRIPT = r"""
import gc, sys
import midge.nn

def loaded(path, record):
    m = midge.nn.load(path)
    data = open(record, "rb").read()
    k = 0
    for i in range(m.input_count):
        x = m.input(i)
        for j in range(len(x)):
            b = data[k]
            x[j] = b - 256 if b > 127 else b
            k += 1
    return m
"""

INVOKE_SCRIPT = LOAD_SCRIPT + r"""
def main(path, record, n):
    m = loaded(path, record)
    gc.collect()
    for _ in range(n):
        m.invoke()

main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
"""


def record_file(model, folder):
    """Path of one random record (bytes of every input, in order) for the model at ``model``,
    written to ``folder`` as ``<stem>.in``."""
    arrays = modelgen.random_inputs(load_model(model), 1, seed=1)
    path = Path(folder) / (Path(model).stem + ".in")
    path.write_bytes(b"".join(np.ascontiguousarray(a[0]).tobytes() for a in arrays))
    return path


def macs(model):
    """Multiply-accumulates of one invoke of the model at ``model`` (a path)."""
    return describe(model, tflm_arena=False)["macs"]


def per_mac(count, macs, n):
    """Instructions per MAC: ``count(n)`` minus ``count(0)`` over ``n`` x ``macs``."""
    return (count(n) - count(0)) / (n * macs)
