"""Device-side runner for midge.window scenarios.

``run(size, hop, channels, depth, ops, raw)``: ops is a list of ints, n > 0
feeds the next n frames of a counting stream (value of int16 k in the stream:
k - 32768, so a window names its own position), 0 takes one window. Prints per
take ``W <first frame> <gap> <contiguous>`` or ``N``, then ``D <dropped>``.
"""

from array import array

from midge.window import Windows


def run(size, hop, channels, depth, ops, raw):
    windows = Windows(size, hop, channels, depth)
    biggest = max(ops) * channels
    chunk = bytearray(2 * biggest) if raw else array("h", bytearray(2 * biggest))
    k = 0
    for op in ops:
        if op:
            n = op * channels
            for i in range(n):
                v = (k + i) % 65536 - 32768
                if raw:
                    chunk[2 * i] = v & 0xFF
                    chunk[2 * i + 1] = (v >> 8) & 0xFF
                else:
                    chunk[i] = v
            windows.feed(chunk, n)
            k += n
            continue
        w = windows.take()
        if w is None:
            print("N")
            continue
        first = w[0] + 32768
        contiguous = all((w[i] + 32768) == (first + i) % 65536 for i in range(len(w)))
        print("W", first // channels, int(windows.gap), int(contiguous and len(w) == size * channels))
    print("D", windows.dropped)
