"""``bit_length(x)``: bits needed for an int x >= 0 (0 for 0).

MicroPython ints have no ``int.bit_length``; the interpreter's fixed-point
setup and the DSP table builders share this one.
"""


def bit_length(x):
    n = 0
    while x >= 1 << 16:
        x >>= 16
        n += 16
    while x:
        x >>= 1
        n += 1
    return n
