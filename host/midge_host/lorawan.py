"""Decode midge's LoRaWAN uplink payload (format v1, encoder in
``midge.respond.lorawan``) and the same decoder as a The Things Network
JavaScript payload formatter (``JS_DECODER``).

v1: byte 0 = version (bits 7..6) | classes - 1 (bits 5..3) | width - 1 (bits
2..0); then ``classes`` counts of ``width`` bits, MSB first, zero-padded.
"""

from midge_host.errors import MidgeError


def decode(payload, labels=None):
    """``{"version", "width", "counts", "saturated"}`` (and ``"by_label"`` when
    ``labels`` is given) from a v1 payload; MidgeError if it is not one."""
    data = bytes(payload)
    if not data:
        raise MidgeError("empty LoRaWAN payload")
    version = data[0] >> 6
    if version != 1:
        raise MidgeError(f"LoRaWAN payload version {version} is not supported (this decoder reads v1)")
    classes = ((data[0] >> 3) & 0x07) + 1
    width = (data[0] & 0x07) + 1
    need = 1 + (classes * width + 7) // 8
    if len(data) != need:
        raise MidgeError(f"LoRaWAN v1 payload for {classes} counts of {width} bits has {need} bytes, got {len(data)}")
    bits = int.from_bytes(data[1:], "big")
    total = (need - 1) * 8
    top = (1 << width) - 1
    counts = [(bits >> (total - width * (i + 1))) & top for i in range(classes)]
    out = {"version": 1, "width": width, "counts": counts, "saturated": [c == top for c in counts]}
    if labels is not None:
        if len(labels) != classes:
            raise MidgeError(f"{len(labels)} labels given for a payload of {classes} counts")
        out["by_label"] = dict(zip(labels, counts))
    return out


JS_DECODER = """\
function decodeUplink(input) {
  var b = input.bytes;
  if (b.length < 1) return { errors: ["empty payload"] };
  var version = b[0] >> 6;
  if (version !== 1) return { errors: ["unsupported midge payload version " + version] };
  var classes = ((b[0] >> 3) & 7) + 1, width = (b[0] & 7) + 1;
  var need = 1 + Math.ceil(classes * width / 8);
  if (b.length !== need) return { errors: ["expected " + need + " bytes, got " + b.length] };
  var counts = [], saturated = [], top = (1 << width) - 1, bit = 8;
  for (var i = 0; i < classes; i++) {
    var v = 0;
    for (var k = 0; k < width; k++, bit++) v = (v << 1) | ((b[bit >> 3] >> (7 - (bit & 7))) & 1);
    counts.push(v); saturated.push(v === top);
  }
  return { data: { version: 1, width: width, counts: counts, saturated: saturated } };
}
"""
