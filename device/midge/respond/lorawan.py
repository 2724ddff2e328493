"""A compact, versioned LoRaWAN uplink payload: per-class counts for one interval.

Format v1 (like the mosquito wingbeat trap's 2 bytes a minute)::

    byte 0: version (bits 7..6, = 1) | classes - 1 (bits 5..3, 1..8 classes) | width - 1 (bits 2..0, 1..8 bits)
    then the counts, ``width`` bits each, most significant bit first, packed
    without gaps; the last byte is padded with zero bits.

A count above ``2**width - 1`` is sent as ``2**width - 1`` (saturated; the
decoder flags it). Two classes at 4 bits fit in 2 bytes; eight at 8 bits in
9. ``encode`` writes into a preallocated buffer; ``decode`` reads a payload
back (the host's decoder is this function; the TTN JavaScript formatter in
``midge_host.lorawan`` and docs/sensors.md mirrors it). Which labels the
counts belong to is ``midge.labels.reported_labels``.
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


def decode(payload):
    """(width, counts) of a v1 payload; ValueError if it is not one."""
    data = bytes(payload)
    if not data:
        raise ValueError("empty LoRaWAN payload")
    version = data[0] >> 6
    if version != VERSION:
        raise ValueError("LoRaWAN payload version %d is not supported (this decoder reads v1)" % version)
    classes = ((data[0] >> 3) & 0x07) + 1
    width = (data[0] & 0x07) + 1
    need = size(classes, width)
    if len(data) != need:
        raise ValueError("LoRaWAN v1 payload for %d counts of %d bits has %d bytes, got %d"
                         % (classes, width, need, len(data)))
    top = (1 << width) - 1
    counts = []
    acc = 0
    bits = 0
    pos = 1
    for _ in range(classes):
        while bits < width:
            acc = (acc << 8) | data[pos]
            pos += 1
            bits += 8
        bits -= width
        counts.append((acc >> bits) & top)
        acc &= (1 << bits) - 1
    return width, counts
