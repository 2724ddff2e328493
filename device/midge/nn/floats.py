"""float32 rounding on any MicroPython or CPython float width.

``f32(x)`` rounds a Python float to the nearest float32 (ties to even). On
builds whose floats already are float32 it is the identity. A double result
of one +, -, * or / of two float32 values, rounded once more to float32,
equals the float32 operation exactly (53 >= 2 * 24 + 2).
"""

import struct

NATIVE_F32 = 1.0 + 2.0 ** -30 == 1.0


def _round_f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _identity(x):
    return x


f32 = _identity if NATIVE_F32 else _round_f32


def round_half_away(v):
    """TfLiteRound (std::round) of a float32 value, as an int."""
    r = int(v)
    frac = v - r
    if frac >= 0.5:
        r += 1
    elif frac <= -0.5:
        r -= 1
    return r
