"""Device-side runner used by the parity tests (CPython and the unix port).

    run_model.py MODEL INPUTS OUTPUTS [WEIGHTS CHUNK_BYTES]

Loads MODEL once. INPUTS holds records back to back, each record the bytes
of every model input in order; for each record the runner fills the inputs,
invokes, and appends the bytes of every output, in order, to OUTPUTS.
Tensor views hold signed bytes whatever the tensor type. It prints the
arena size and the heap bytes allocated by the last invoke (unix port).
WEIGHTS ("ram" or "flash") and CHUNK_BYTES go to ``midge.nn.load``.
"""

import gc
import sys

import midge.nn


def main(argv):
    if len(argv) > 4:
        m = midge.nn.load(argv[1], weights=argv[4], chunk_bytes=int(argv[5]))
    else:
        m = midge.nn.load(argv[1])
    xs = [m.input(i) for i in range(m.input_count)]
    ys = [m.output(i) for i in range(m.output_count)]
    size = 0
    for x in xs:
        size += len(x)
    grown = 0
    with open(argv[2], "rb") as src, open(argv[3], "wb") as dst:
        while True:
            record = src.read(size)
            if not record:
                break
            if len(record) != size:
                raise ValueError("short input record")
            k = 0
            for x in xs:
                for i in range(len(x)):
                    b = record[k]
                    x[i] = b - 256 if b > 127 else b
                    k += 1
            gc.collect()
            before = gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0
            m.invoke()
            grown = (gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0) - before
            for y in ys:
                dst.write(bytes(bytearray((v & 0xFF) for v in y)))
    print("arena", m.arena_size, "alloc", grown)


main(sys.argv)
