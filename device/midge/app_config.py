"""The deploy-time config of ``midge.app``: ``midge.json`` on the board. This
module owns its schema; `midge deploy` checks what it writes with ``check``
before pushing anything.

    {"model": "/model/model.tflite", "meta": "/model/meta.json",
     "vectors": "/model/vectors.bin",
     "weights": "flash",                         # "ram" (default): the model file in RAM; "flash": each
                                                 # op's constants read from the file as it runs (midge.nn)
     "engine": "auto",                           # "auto" (default): OpenMV's ml where it exists, else
                                                 # "midge" (midge.nn); "openmv": ml (midge.engine)
     "board": "xiao_esp32s3_sense",              # glue module midge.boards.<board> (optional)
     "sensor": {"source": "board", ...glue params: pins from the board profile}  or
               {"source": "replay", "path": "/data/clip.wav", "realtime": true,
                "loop": false, "seconds": 0, "sample_rate": 100 (CSV only),
                "fps": 1 (an image recording, .pgm: frames per second)},
     "responders": [{"kind": "serial", "predictions": false},
                    {"kind": "led", "pin": 21, "active_low": true, "patterns": {"yes": [100, 100, 3]}},
                    {"kind": "log", "path": "/log/detections.bin", "max_bytes": 65536},
                    {"kind": "clip", "dir": "/clips", "max_clips": 50},
                    {"kind": "mqtt", "broker": "192.168.1.2", "device": "trap-01", ...},
                    {"kind": "lorawan", "interval_s": 900, "width": 4, ...modem params}],
     "status_interval_s": 10,
     "boot_counter": "/bootcount",               # the boot counter's file (midge.bootcount): the log
                                                 # and mqtt responders number detections (boot, seq)
     "duty_cycle": {"period_s": 60, "awake_s": 15},
     "watchdog_ms": 8000}

``load(path)`` reads the file and ``check(conf)`` validates a dict; both
return it with defaults filled in, or raise ValueError naming the key. Only
``model`` and ``meta`` are required; a board sensor (``"source": "board"``)
needs ``board`` (the glue module that builds the hardware objects: library
code never does). Every key of every section is listed below (SENSOR_KEYS,
RESPONDER_KEYS): an unknown key or a value of the wrong type is an error.
"""

import json

SOURCES = ("board", "replay")
WEIGHTS = ("ram", "flash")
ENGINES = ("auto", "midge", "openmv")
_KEYS = ("model", "meta", "vectors", "weights", "engine", "board", "sensor", "responders", "status_interval_s",
         "boot_counter", "duty_cycle", "watchdog_ms")
# value kinds: "str", "bool", "number" (> 0), "count" (int >= 0), "pin" (int or str), "pattern", "patterns"
SENSOR_KEYS = {
    "board": {"imu": "str", "i2c": "count", "sda": "pin", "scl": "pin", "address": "count", "rate": "number",
              "sck": "pin", "ws": "pin", "sd": "pin", "clk": "pin", "data": "pin", "bits": "count",
              "shift": "count", "ibuf": "count", "gain": "count", "gain_db": "number", "highpass": "number",
              "d0": "pin", "d1": "pin", "d2": "pin", "d3": "pin", "d4": "pin", "d5": "pin", "d6": "pin", "d7": "pin",
              "vsync": "pin", "href": "pin", "pclk": "pin", "xclk": "pin", "framesize": "str", "fps": "number"},
    "replay": {"path": "str", "realtime": "bool", "loop": "bool", "seconds": "count", "sample_rate": "number",
               "fps": "number"},
}
_GLUE_NET = {"ssid": "str", "password": "str", "broker": "str", "port": "count", "client_id": "str",
             "keepalive": "count", "user": "str", "key": "str", "tls": "bool", "ca": "str",
             "connect_timeout_s": "number", "ntp": "str"}
# mqtt: Wi-Fi (ssid, password: the network's), the broker (user, key: its login; tls, ca:
# see midge.boards._net), and midge.respond's: device (the name in midge.fleet's topics and
# messages, default client_id, else "midge"; client_id defaults to it), outbox (a folder on
# flash, default "/outbox"), outbox_bytes (default 16384),
# timeout_s (the longest wait for the broker, default 3), drain_s (how long the end of a replay
# waits for the outbox to empty, default 10), battery_pin and battery_ratio (a battery divider
# the board glue reads for health messages: midge.boards)
MQTT_KEYS = dict(_GLUE_NET, device="str", outbox="str", outbox_bytes="count", timeout_s="number",
                 drain_s="number", battery_pin="pin", battery_ratio="number")
DEVICE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
RESPONDER_KEYS = {
    "serial": {"predictions": "bool"},
    "led": {"pin": "pin", "name": "str", "active_low": "bool", "patterns": "patterns", "default": "pattern"},
    "log": {"path": "str", "max_bytes": "count"},
    "clip": {"dir": "str", "max_clips": "count"},
    "mqtt": MQTT_KEYS,
    "lorawan": {"interval_s": "number", "width": "count", "tx": "pin", "rx": "pin", "port": "count"},
}
RESPONDERS = tuple(RESPONDER_KEYS)
_REQUIRED = {"log": ("path",), "clip": ("dir",), "mqtt": ("broker",), "lorawan": ("interval_s",)}


def _need(cond, message):
    if not cond:
        raise ValueError("midge.json: " + message)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_pattern(v):
    return (isinstance(v, list) and len(v) == 3
            and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v))


def _value_ok(kind, v):
    if kind == "str":
        return isinstance(v, str)
    if kind == "bool":
        return isinstance(v, bool)
    if kind == "number":
        return _is_number(v) and v > 0
    if kind == "count":
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0
    if kind == "pin":
        return isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
    if kind == "pattern":
        return v is None or _is_pattern(v)
    return isinstance(v, dict) and all(isinstance(k, str) and _is_pattern(p) for k, p in v.items())


_WANT = {"str": "a string", "bool": "true or false", "number": "a positive number", "count": "an integer >= 0",
         "pin": "a pin number or name", "pattern": "[on_ms, off_ms, count] or null",
         "patterns": "an object of label: [on_ms, off_ms, count]"}


def _section(conf, known, where):
    for key in conf:
        if key in ("kind", "source"):
            continue
        _need(key in known, "unknown key %s%s (known: %s)" % (where, key, ", ".join(sorted(known))))
        _need(_value_ok(known[key], conf[key]),
              "%s%s must be %s, got %r" % (where, key, _WANT[known[key]], conf[key]))


def _positive(conf, key, where):
    value = conf.get(key)
    _need(_is_number(value) and value > 0, "%s%s must be a positive number, got %r" % (where, key, value))


def _check_mqtt(r, where):
    device = r.get("device") or r.get("client_id", "midge")
    _need(0 < len(device) <= 32 and all(c in DEVICE_CHARS for c in device),
          "%sdevice (or client_id) names the board in MQTT topics: 1..32 letters, digits, '-', '_' or '.', got %r"
          % (where, device))
    _need(r.get("outbox_bytes", 16384) >= 4096, "%soutbox_bytes must be at least 4096" % where)
    _need(r.get("keepalive", 60) < 65536, "%skeepalive must be below 65536 seconds" % where)
    _need("key" not in r or "user" in r, "%skey (the broker password) needs user" % where)
    _need("ca" not in r or r.get("tls"), "%sca (a CA certificate file) needs \"tls\": true" % where)


def check(conf):
    """Validate ``conf`` in place (filling defaults) and return it."""
    _need(isinstance(conf, dict), "the top level must be an object")
    for key in conf:
        _need(key in _KEYS, "unknown key %r (known: %s)" % (key, ", ".join(_KEYS)))
    for key in ("model", "meta"):
        _need(isinstance(conf.get(key), str), "%r must be a path on the board" % key)
    conf.setdefault("vectors", None)
    conf.setdefault("weights", "ram")
    conf.setdefault("engine", "auto")
    _need(conf["engine"] in ENGINES, "'engine' must be one of %s, got %r" % (", ".join(ENGINES), conf["engine"]))
    _need(conf["weights"] in WEIGHTS, "'weights' must be one of %s, got %r" % (", ".join(WEIGHTS), conf["weights"]))
    conf.setdefault("board", None)
    conf.setdefault("status_interval_s", 10)
    conf.setdefault("boot_counter", "/bootcount")
    conf.setdefault("duty_cycle", None)
    conf.setdefault("watchdog_ms", None)
    _need(conf["vectors"] is None or isinstance(conf["vectors"], str), "'vectors' must be a path on the board")
    _need(conf["board"] is None or isinstance(conf["board"], str), "'board' must be a glue module name")
    _need(isinstance(conf["boot_counter"], str) and conf["boot_counter"].startswith("/"),
          "'boot_counter' must be a path on the board, got %r" % (conf["boot_counter"],))
    _positive(conf, "status_interval_s", "")
    sensor = conf.setdefault("sensor", {"source": "board"})
    _need(isinstance(sensor, dict) and sensor.get("source") in SOURCES,
          "sensor.source must be one of %s, got %r" % (", ".join(SOURCES), sensor.get("source")
                                                        if isinstance(sensor, dict) else sensor))
    _section(sensor, SENSOR_KEYS[sensor["source"]], "sensor.")
    if sensor["source"] == "replay":
        _need(isinstance(sensor.get("path"), str), "sensor.path (a WAV or CSV file) is required for replay")
        _need(not sensor["path"].lower().endswith(".csv") or "sample_rate" in sensor,
              "sensor.sample_rate is required to replay a CSV")
        sensor.setdefault("realtime", True)
        sensor.setdefault("loop", False)
        sensor.setdefault("seconds", 0)
    else:
        _need(isinstance(conf["board"], str),
              "sensor.source 'board' needs 'board': the glue module midge.boards.<board>")
    responders = conf.setdefault("responders", [{"kind": "serial"}])
    _need(isinstance(responders, list), "responders must be a list")
    for i, r in enumerate(responders):
        _need(isinstance(r, dict) and r.get("kind") in RESPONDERS,
              "responders[%d] needs a kind among %s, got %r" % (i, ", ".join(RESPONDERS), r))
        kind = r["kind"]
        _section(r, RESPONDER_KEYS[kind], "responders[%d] (%s)." % (i, kind))
        for key in _REQUIRED.get(kind, ()):
            _need(key in r, "the %s responder needs %r" % (kind, key))
        if kind == "lorawan":
            _need(1 <= r.get("width", 4) <= 8, "responders[%d] (lorawan).width must be 1..8 bits" % i)
        if kind == "log":
            _need(r.get("max_bytes", 65536) >= 64, "responders[%d] (log).max_bytes must be at least 64" % i)
        if kind == "mqtt":
            _check_mqtt(r, "responders[%d] (mqtt)." % i)
    kinds = [r["kind"] for r in responders]
    for kind in RESPONDERS:
        _need(kinds.count(kind) <= 1, "responders list %r %d times; give each kind once" % (kind, kinds.count(kind)))
    duty = conf["duty_cycle"]
    if duty is not None:
        _need(isinstance(duty, dict), "duty_cycle must be an object")
        for key in duty:
            _need(key in ("period_s", "awake_s"), "unknown key duty_cycle.%s (known: awake_s, period_s)" % key)
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
    except ValueError as err:
        raise ValueError("midge.json: %s is not JSON (%s)" % (path, err))
    return check(conf)
