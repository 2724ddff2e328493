"""The messages a board sends to a fleet hub over MQTT: the one owner of their format
(the board's MQTT responder writes them, `midge hub` reads them with ``parse``).

Topics: ``midge/<device>/det`` (one detection) and ``midge/<device>/health`` (the
app's status). Payloads are JSON objects, version ``v`` = FORMAT:

- det: ``device`` (str), ``boot`` (int >= 0: the board's boot counter), ``seq``
  (int >= 0: per boot, from 0, one per detection), ``label`` (str), ``score``
  (int 0..255), ``t_ms`` (int >= 0: ms since boot); optional ``time`` (UTC,
  ``YYYY-MM-DDTHH:MM:SSZ``, when the board knows it), ``x`` and ``y`` (a detection
  model's centroid, pixels) and ``count`` (objects in the frame).
- health: ``device``, ``boot``, ``t_ms`` as above; optional ``time``,
  ``battery_mv``, ``heap_free``, ``windows``, ``dropped`` (samples or frames the
  sensor lost), ``detections`` ({label: count} since boot), ``outbox`` (messages
  waiting) and ``outbox_dropped`` (messages the full outbox discarded).

(device, boot, seq) names a detection uniquely: a hub stores it once however often
it arrives.

- ``det_topic(device)``, ``health_topic(device)``: bytes topics.
- ``det(device, boot, seq, label, score, t_ms, time=None, x=None, y=None, count=None)``
  and ``health(device, boot, t_ms, **fields)``: the payload, bytes.
- ``parse(topic, payload) -> (kind, doc)``: kind "det" or "health", the checked
  object; ValueError saying what is wrong for anything else.
- ``utc_text(tm)``: the ``time`` field from a ``time.gmtime()`` tuple.
"""

import json

FORMAT = 1
PREFIX = "midge/"
HEALTH_INTS = ("battery_mv", "heap_free", "windows", "dropped", "outbox", "outbox_dropped")


def det_topic(device):
    return (PREFIX + device + "/det").encode()


def health_topic(device):
    return (PREFIX + device + "/health").encode()


def utc_text(tm):
    """``YYYY-MM-DDTHH:MM:SSZ`` of a ``time.gmtime()`` tuple (year, month, day, hour, minute, second, ...)."""
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(tm[:6])


def det(device, boot, seq, label, score, t_ms, time=None, x=None, y=None, count=None):
    """The det payload (bytes); optional fields left out when None."""
    doc = {"v": FORMAT, "device": device, "boot": boot, "seq": seq, "label": label, "score": score, "t_ms": t_ms}
    for key, value in (("time", time), ("x", x), ("y", y), ("count", count)):
        if value is not None:
            doc[key] = value
    return json.dumps(doc).encode()


def health(device, boot, t_ms, **fields):
    """The health payload (bytes): the common fields plus ``fields`` that are not None."""
    doc = {"v": FORMAT, "device": device, "boot": boot, "t_ms": t_ms}
    for key in fields:
        if fields[key] is not None:
            doc[key] = fields[key]
    return json.dumps(doc).encode()


def _int(doc, key, low=0, high=None, optional=False):
    value = doc.get(key)
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        raise ValueError("%s must be an integer %s, got %r" % (
            key, ">= %d" % low if high is None else "in %d..%d" % (low, high), value))


def _str(doc, key, optional=False):
    value = doc.get(key)
    if value is None and optional:
        return
    if not isinstance(value, str) or not value:
        raise ValueError("%s must be a non-empty string, got %r" % (key, value))


def _time(doc):
    value = doc.get("time")
    if value is None:
        return
    if not (isinstance(value, str) and len(value) == 20 and value[4] == "-" and value[10] == "T"
            and value[19] == "Z"):
        raise ValueError("time must be UTC as YYYY-MM-DDTHH:MM:SSZ, got %r" % (value,))


def _common(doc, device):
    if not isinstance(doc, dict):
        raise ValueError("payload must be a JSON object")
    if doc.get("v") != FORMAT:
        raise ValueError("unknown message format v=%r (this midge reads v=%d)" % (doc.get("v"), FORMAT))
    _str(doc, "device")
    if doc["device"] != device:
        raise ValueError("device %r in the payload, %r in the topic" % (doc["device"], device))
    _int(doc, "boot")
    _int(doc, "t_ms")
    _time(doc)


def parse(topic, payload):
    """(kind, doc) of a board's message; ValueError naming the problem."""
    if isinstance(topic, bytes):
        topic = topic.decode()
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] + "/" != PREFIX or not parts[1] or parts[2] not in ("det", "health"):
        raise ValueError("not a midge topic: %r (midge/<device>/det or /health)" % (topic,))
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeError) as err:
        raise ValueError("payload is not JSON: %s" % (err,))
    _common(doc, parts[1])
    if parts[2] == "det":
        _int(doc, "seq")
        _str(doc, "label")
        _int(doc, "score", 0, 255)
        for key in ("x", "y", "count"):
            _int(doc, key, optional=True)
    else:
        for key in HEALTH_INTS:
            _int(doc, key, optional=True)
        counts = doc.get("detections")
        if counts is not None and not (isinstance(counts, dict) and all(
                isinstance(k, str) and isinstance(v, int) and v >= 0 for k, v in counts.items())):
            raise ValueError("detections must map labels to counts >= 0, got %r" % (counts,))
    return parts[2], doc
