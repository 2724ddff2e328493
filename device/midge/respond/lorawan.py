"""A compact, versioned LoRaWAN uplink payload: per-class counts for one interval.

Format v1 (like the mosquito wingbeat trap's 2 bytes a minute)::

    byte 0: version (bits 7..6, = 1) | classes - 1 (bits 5..3, 1..8 classes) | width - 1 (bits 2..0, 1..8 bits)
    then the counts, ``width`` bits each, most significant bit first, packed
    without gaps; the last byte is padded with zero bits.

A count above ``2**width - 1`` is sent as ``2**width - 1`` (saturated; the
decoder flags it). Two classes at 4 bits fit in 2 bytes; eight at 8 bits in
9. Decoders: ``midge_host.lorawan.decode`` and the TTN JavaScript formatter
in docs/sensors.md. ``encode`` writes into a preallocated buffer.
"""

VERSION = 1


def size(classes, width):
    """Payload bytes for ``classes`` counts of ``width`` bits."""
    return 1 + (classes * width + 7) // 8


def encode(counts, width, out):
    """Write the v1 payload of ``counts`` (1..8 ints >= 0) into ``out``; return its length."""
    k = len(counts)
    if not 1 <= k <= 8:
        raise ValueError("LoRaWAN payload carries 1..8 class counts, got %d" % k)
    if not 1 <= width <= 8:
        raise ValueError("count width must be 1..8 bits, got %r" % (width,))
    n = size(k, width)
    if len(out) < n:
        raise ValueError("payload needs %d bytes, buffer has %d" % (n, len(out)))
    out[0] = (VERSION << 6) | ((k - 1) << 3) | (width - 1)
    top = (1 << width) - 1
    acc = 0
    bits = 0
    pos = 1
    for c in counts:
        if c < 0:
            raise ValueError("counts must be >= 0, got %r" % (c,))
        acc = (acc << width) | (top if c > top else c)
        bits += width
        while bits >= 8:
            bits -= 8
            out[pos] = (acc >> bits) & 0xFF
            pos += 1
        acc &= (1 << bits) - 1
    if bits:
        out[pos] = (acc << (8 - bits)) & 0xFF
    return n
