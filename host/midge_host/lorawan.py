"""Decode midge's LoRaWAN uplink payload (format v1: ``midge.respond.lorawan``
owns it) with the labels it counts (``midge.labels.reported_labels``), and the
same decoder as a The Things Network JavaScript payload formatter
(``JS_DECODER``).
"""

from midge import labels as device_labels
from midge.respond import lorawan
from midge_host.errors import MidgeError


def decode(payload, labels=None):
    """``{"version", "width", "counts", "saturated"}`` (and ``"by_label"`` when
    ``labels`` is given) from a v1 payload; MidgeError if it is not one."""
    try:
        width, counts = lorawan.decode(payload)
    except ValueError as err:
        raise MidgeError(str(err)) from None
    top = (1 << width) - 1
    out = {"version": lorawan.VERSION, "width": width, "counts": counts, "saturated": [c == top for c in counts]}
    if labels is not None:
        if len(labels) != len(counts):
            raise MidgeError(f"{len(labels)} labels given for a payload of {len(counts)} counts")
        out["by_label"] = dict(zip(labels, counts))
    return out


def decode_for(payload, meta):
    """``decode`` with the labels a board deployed with ``meta`` counts."""
    return decode(payload, device_labels.reported_labels(meta))


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
