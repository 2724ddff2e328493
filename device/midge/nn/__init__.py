"""midge.nn: an int8 TFLite interpreter in pure MicroPython, bit-exact with TFLite-Micro.

    m = midge.nn.load("model.tflite")   # or bytes / bytearray / memoryview / array('b');
                                        # weights="flash": constants read from the file per op
    x = m.input(0)                      # memoryview of signed int8 items
    x[0] = -12
    m.invoke()
    y = m.output(0)                     # memoryview of signed int8 items
    m.input_shape(0), m.output_quant(0), m.arena_size, m.ops
    m.model_ram_bytes                   # the model's bytes held in RAM (the file, or the weights scratch)
    m.predict([0.5, ...])               # floats in, dequantized floats out

Corrupt or unsupported models raise ``ModelError`` (a ValueError); too little
memory raises a MemoryError naming what the model needs.
"""

from midge.nn.model import ModelError, heap_note, read_file


def load(source, max_arena=1 << 26, weights="ram", chunk_bytes=4096):
    """Load a model from a path or a bytes-like object; returns an
    ``midge.nn.interpreter.Interpreter``. A file is read (or mapped, on ROMFS)
    before the interpreter's modules are imported, so its buffer is allocated
    in an unfragmented heap. ``weights="flash"`` (a path): the model's
    constants are read from the file op by op at each invoke, at most
    ``chunk_bytes`` (or the largest non-FC op's) at a time, and the file's
    buffer goes after loading (see ``Interpreter``)."""
    path = source if isinstance(source, str) else None
    if path is not None:
        source = read_file(path)
    try:
        from midge.nn.interpreter import Interpreter
        from midge.nn.loader import load_into  # noqa: F401 (imported here for this message; Interpreter unloads it)
    except MemoryError:
        what = "model file %s is %d bytes, read into RAM" % (path, len(source)) if path else "the model is in RAM"
        raise MemoryError("%s; midge's interpreter does not fit beside it%s; put the model in ROMFS to run "
                          "it in place" % (what, heap_note()))
    return Interpreter(source, max_arena, weights, path, chunk_bytes)


__all__ = ["load", "ModelError"]
