"""The deploy-time config of ``midge.app``: ``midge.json`` on the board.

    {"model": "/model/model.tflite", "meta": "/model/meta.json",
     "vectors": "/model/vectors.bin",
     "board": "xiao_esp32s3_sense",              # glue module midge.boards.<board> (optional)
     "sensor": {"source": "board", ...glue params}  or
               {"source": "replay", "path": "/data/clip.wav", "realtime": true,
                "loop": false, "seconds": 0, "sample_rate": 100 (CSV only)},
     "responders": [{"kind": "serial", "predictions": false},
                    {"kind": "led", "pin": 21, "active_low": true, "patterns": {"yes": [100, 100, 3]}},
                    {"kind": "log", "path": "/log/detections.bin", "max_bytes": 65536},
                    {"kind": "clip", "dir": "/clips", "max_clips": 50},
                    {"kind": "mqtt", "broker": "192.168.1.2", "topic": "midge/trap-01", ...},
                    {"kind": "lorawan", "interval_s": 900, "width": 4, ...modem params}],
     "status_interval_s": 10,
     "duty_cycle": {"period_s": 60, "awake_s": 15},
     "watchdog_ms": 8000}

``load(path)`` reads the file and returns the dict with defaults filled in,
or raises ValueError naming the bad key. Only ``model`` and ``meta`` are
required; a board section other than ``replay`` needs ``board`` (the glue
module that builds the hardware objects: library code never does).
"""

import json

RESPONDERS = ("serial", "led", "log", "clip", "mqtt", "lorawan")
SOURCES = ("board", "replay")
_KEYS = ("model", "meta", "vectors", "board", "sensor", "responders", "status_interval_s",
         "duty_cycle", "watchdog_ms", "engine")


def _need(cond, message):
    if not cond:
        raise ValueError("midge.json: " + message)


def _positive(conf, key, where):
    value = conf.get(key)
    _need(isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0,
          "%s%s must be a positive number, got %r" % (where, key, value))


def check(conf):
    """Validate ``conf`` in place (filling defaults) and return it."""
    _need(isinstance(conf, dict), "the top level must be an object")
    for key in conf:
        _need(key in _KEYS, "unknown key %r (known: %s)" % (key, ", ".join(_KEYS)))
    for key in ("model", "meta"):
        _need(isinstance(conf.get(key), str), "%r must be a path on the board" % key)
    conf.setdefault("vectors", None)
    conf.setdefault("board", None)
    conf.setdefault("engine", "midge")
    conf.setdefault("status_interval_s", 10)
    conf.setdefault("duty_cycle", None)
    conf.setdefault("watchdog_ms", None)
    _positive(conf, "status_interval_s", "")
    sensor = conf.setdefault("sensor", {"source": "board"})
    _need(isinstance(sensor, dict) and sensor.get("source") in SOURCES,
          "sensor.source must be one of %s, got %r" % (", ".join(SOURCES), sensor.get("source")
                                                        if isinstance(sensor, dict) else sensor))
    if sensor["source"] == "replay":
        _need(isinstance(sensor.get("path"), str), "sensor.path (a WAV or CSV file) is required for replay")
        sensor.setdefault("realtime", True)
        sensor.setdefault("loop", False)
        sensor.setdefault("seconds", 0)
    else:
        _need(isinstance(conf["board"], str),
              "sensor.source 'board' needs 'board': the glue module midge.boards.<board>")
    responders = conf.setdefault("responders", [{"kind": "serial"}])
    _need(isinstance(responders, list), "responders must be a list")
    for r in responders:
        _need(isinstance(r, dict) and r.get("kind") in RESPONDERS,
              "each responder needs a kind among %s, got %r" % (", ".join(RESPONDERS), r))
        if r["kind"] == "log":
            _need(isinstance(r.get("path"), str), "the log responder needs a 'path'")
        if r["kind"] == "clip":
            _need(isinstance(r.get("dir"), str), "the clip responder needs a 'dir'")
        if r["kind"] == "lorawan":
            _positive(r, "interval_s", "lorawan.")
    duty = conf["duty_cycle"]
    if duty is not None:
        _need(isinstance(duty, dict), "duty_cycle must be an object")
        _positive(duty, "period_s", "duty_cycle.")
        _positive(duty, "awake_s", "duty_cycle.")
        _need(duty["awake_s"] <= duty["period_s"], "duty_cycle.awake_s must not exceed period_s")
    if conf["watchdog_ms"] is not None:
        _positive(conf, "watchdog_ms", "")
    _need((duty is None and conf["watchdog_ms"] is None) or conf["board"] is not None,
          "duty_cycle and watchdog_ms need 'board' (its glue provides sleep and the WDT)")
    return conf


def load(path):
    """Read and validate the config file at ``path``."""
    try:
        with open(path) as f:
            conf = json.load(f)
    except OSError:
        raise ValueError("midge.json: cannot open %s (deploy with `midge deploy`)" % path)
    return check(conf)


def read_meta(path):
    """meta.json of the model (format 1), with the keys the app needs checked."""
    try:
        with open(path) as f:
            meta = json.load(f)
    except OSError:
        raise ValueError("cannot open the model's meta.json at %s" % path)
    if meta.get("format") != 1:
        raise ValueError("%s: meta.json format %r; this midge reads format 1" % (path, meta.get("format")))
    for key in ("labels", "sample_rate", "channels", "window_samples", "stride_samples", "features", "task"):
        if key not in meta:
            raise ValueError("%s: meta.json has no %r" % (path, key))
    if meta["task"] not in ("classification", "anomaly"):
        raise ValueError("%s: task %r is neither classification nor anomaly" % (path, meta["task"]))
    return meta
