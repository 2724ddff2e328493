"""The responders of ``midge.app``, built from midge.json's ``responders`` list.

``Responders(conf_list, meta, glue, boot_counter)`` owns them and is called by the app.
With a log or mqtt responder, each reported detection is numbered (boot, seq):
``boot`` is this boot's number from ``midge.bootcount`` at ``boot_counter`` (a
path on flash), ``seq`` counts this boot's detections from 0; the log record and
the MQTT message of one detection carry the same pair, so a hub stores it once.

- ``detection(index, label, score, t_ms, window, x=-1, y=-1)`` on each new
  reported detection (``x``, ``y``: a detected object's centroid, in the
  JSON line and the MQTT message; -1 for other models) (``midge.decide`` applies the label semantics; every reported
  label, label 0 included, arrives here): a JSON line (serial), a blink
  (led), a log record (log: ``t`` in seconds of stream time, the decision
  index of ``midge.labels.decision_labels``, boot and seq), a WAV of the
  window (clip, up to ``max_clips`` files named ``<label>_<n>.wav``; refused
  for a camera model), a ``midge.fleet`` det message into the MQTT outbox
  (with ``time`` when the glue's ``utc`` knows it) and a count for the next
  LoRaWAN uplink (lorawan: one count per ``midge.labels.reported_labels``
  entry, in that order);
- ``window(index, score, t_ms)`` after every window: per-window predictions
  when the serial responder has ``"predictions": true`` (these lines
  allocate), the LED's pattern, the MQTT outbox (at most ``Publisher``'s
  ``burst`` messages sent per window, nothing allocated while it is empty) and
  the LoRaWAN interval (``interval_s`` of stream time; the v1 payload of
  ``midge.respond.lorawan`` with ``width`` bits per class, sent through the
  glue's modem);
- ``status(t_ms, fields)`` for status lines (serial) and the MQTT health
  message (QoS 0, not queued: the next one supersedes it; with the glue's
  ``battery_mv`` where it has one), ``finish(t_ms, fields)`` when a replay
  ends (a last health message, then the outbox drained for up to the mqtt
  responder's ``drain_s`` of wall time, 10 by default, retrying with the
  publisher's backoff; what is left goes at the next boot), and ``json`` for
  other lines.

Only the serial, log and clip responders work without board glue.
"""

import os

from midge.sensors._clock import sleep_ms, ticks_add, ticks_diff, ticks_ms


def _makedirs(path):
    at = ""
    for part in path.strip("/").split("/")[:-1]:
        at += "/" + part
        try:
            os.mkdir(at)
        except OSError:
            pass


class Responders:
    def __init__(self, confs, meta, glue, boot_counter=None):
        from midge.boards import require
        from midge.labels import decision_labels, reported
        labels = decision_labels(meta)
        self.labels = labels
        self.serial = None
        self.predictions = False
        self.led = None
        self.log = None
        self.clip = None
        self.mqtt = None
        self.modem = None
        self._rate = meta["sample_rate"]
        self._channels = meta["channels"]
        self.boot = None
        self.seq = 0
        for conf in confs:
            kind = conf["kind"]
            if kind == "serial":
                from midge.respond.serial import JsonLines
                self.serial = JsonLines()
                self.predictions = bool(conf.get("predictions"))
            elif kind == "log":
                from midge.respond.log import DetectionLog
                _makedirs(conf["path"])
                self.log = DetectionLog(conf["path"], conf.get("max_bytes", 65536))
            elif kind == "clip":
                if meta.get("sensor") == "camera":
                    raise ValueError("the clip responder saves a window of audio or IMU samples; a camera model "
                                     "has no window of samples to clip")
                _makedirs(conf["dir"] + "/x")
                self.clip = conf
                self._clips = 0
            elif glue is None:
                raise ValueError("the %s responder needs board glue: set 'board' in midge.json" % kind)
            elif kind == "led":
                from midge.respond.led import Blinker
                pin = require(glue, "led", "an LED")(conf)
                patterns = {}
                for label, p in conf.get("patterns", {}).items():
                    if label not in labels:
                        raise ValueError("led pattern for %r: not a label of this model (%s)"
                                         % (label, ", ".join(labels)))
                    patterns[label] = tuple(p)
                default = conf.get("default", [100, 100, 1])
                self.led = Blinker(pin, patterns, tuple(default) if default else None,
                                   conf.get("active_low", False))
            elif kind == "mqtt":
                self._start_mqtt(conf, glue)
            elif kind == "lorawan":
                self.modem = require(glue, "lorawan_modem", "a LoRaWAN modem")(conf)
                self.width = conf.get("width", 4)
                flags = reported(meta)
                self._slot = bytearray(len(labels))  # decision index -> count slot + 1 (0: not counted)
                n = 0
                for i in range(len(labels)):
                    if flags[i]:
                        n += 1
                        self._slot[i] = n
                if not 1 <= n <= 8:
                    raise ValueError("a LoRaWAN uplink counts 1..8 reported labels; this model reports %d "
                                     "(list the others in quiet_labels)" % n)
                self.counts = [0] * n
                from midge.respond.lorawan import encode, size
                self._encode = encode  # (the module loads only where an uplink is configured)
                self.payload = bytearray(size(n, self.width))
                self.interval_ms = int(conf["interval_s"] * 1000)
                self._next_uplink = None
        if self.log is not None or self.mqtt is not None:
            if boot_counter is None:
                raise ValueError("the log and mqtt responders number detections by boot: give the boot "
                                 "counter's path (midge.json boot_counter)")
            from midge.bootcount import advance
            _makedirs(boot_counter)
            self.boot = advance(boot_counter)

    def _start_mqtt(self, conf, glue):
        from midge import fleet
        from midge.boards import require
        from midge.respond.mqtt import Publisher
        from midge.respond.outbox import Outbox
        device = conf.get("device") or conf.get("client_id", "midge")
        big = (1 << 30) - 1  # the widest boot, seq and t_ms a 32-bit board writes as small ints
        longest = max(self.labels, key=len)
        n = len(fleet.det(device, big, big, longest, 255, big, "2000-01-01T00:00:00Z", x=9999, y=9999))
        if n > 255:
            raise ValueError("mqtt: a message about %r from device %r takes up to %d bytes; an outbox record holds "
                             "255 (shorten the device name)" % (longest, device, n))
        outbox = Outbox(conf.get("outbox", "/outbox"), conf.get("outbox_bytes", 16384))
        self.device = device
        self._mqtt_conf = conf
        self._drain_ms = int(conf.get("drain_s", 10) * 1000)
        self._utc = getattr(glue, "utc", None)
        self._battery = getattr(glue, "battery_mv", None)
        if self._battery is not None:
            self._battery(conf)  # a wrong battery_pin fails here, at start, not in a health report
        self._fleet = fleet
        self._health_topic = fleet.health_topic(device)
        self._det_counts = [0] * len(self.labels)
        make_client = require(glue, "mqtt_client", "MQTT over a network")
        self.mqtt = Publisher(make_client(conf), outbox, fleet.det_topic(device), timeout_s=conf.get("timeout_s", 3),
                              keepalive_s=conf.get("keepalive", 60), report=self._mqtt_error)

    def _mqtt_error(self, what, err):
        self.json({"ev": "error", "what": "mqtt " + what, "error": str(err) or repr(err)})

    def _battery_mv(self):
        try:
            return self._battery(self._mqtt_conf)
        except OSError:
            return None

    def _health(self, t_ms, fields):
        counts = {}
        for i in range(len(self.labels)):
            if self._det_counts[i]:
                counts[self.labels[i]] = self._det_counts[i]
        outbox = self.mqtt.outbox
        msg = self._fleet.health(self.device, self.boot, t_ms, time=self._utc() if self._utc else None,
                                 battery_mv=self._battery_mv() if self._battery else None,
                                 heap_free=fields.get("heap_free"),
                                 windows=fields.get("windows"), dropped=fields.get("dropped"), detections=counts,
                                 outbox=outbox.pending, outbox_dropped=outbox.dropped)
        self.mqtt.send(self._health_topic, msg, t_ms)

    def json(self, record):
        """Write one JSON line when the serial responder is on."""
        if self.serial is not None:
            self.serial._emit(record)

    def detection(self, index, label, score, t_ms, window, x=-1, y=-1):
        if self.serial is not None:
            if x < 0:
                self.serial.detection(label, score, t_ms)
            else:
                self.serial._emit({"t": t_ms, "ev": "det", "label": label, "score": score, "x": x, "y": y})
        if self.led is not None:
            self.led.show(label, t_ms)
        if self.log is not None:
            self.log.detection((t_ms // 1000) & 0xFFFFFFFF, index, score, self.boot, self.seq)
        if self.clip is not None and self._clips < self.clip.get("max_clips", 50):
            self._write_clip(label, window)
        if self.mqtt is not None:
            self._det_counts[index] += 1
            self.mqtt.outbox.push(self._fleet.det(self.device, self.boot, self.seq, label, score, t_ms,
                                                  self._utc() if self._utc else None,
                                                  x=None if x < 0 else x, y=None if x < 0 else y))
            self.mqtt.pump(t_ms)
        self.seq += 1
        if self.modem is not None and self._slot[index]:
            self.counts[self._slot[index] - 1] += 1

    def _write_clip(self, label, window):
        from midge.respond.clip import WavWriter
        self._clips += 1
        path = "%s/%s_%04d.wav" % (self.clip["dir"], label, self._clips)
        clip = WavWriter(path, self._rate, self._channels)
        clip.write(window)
        clip.close()

    def window(self, index, score, t_ms):
        if self.predictions:
            self.serial._emit({"t": t_ms, "ev": "pred", "label": self.labels[index], "score": score})
        if self.led is not None:
            self.led.update(t_ms)
        if self.mqtt is not None:
            self.mqtt.pump(t_ms)
        if self.modem is not None:
            if self._next_uplink is None:
                self._next_uplink = ticks_add(t_ms, self.interval_ms)
            elif ticks_diff(t_ms, self._next_uplink) >= 0:
                self._uplink()
                self._next_uplink = ticks_add(self._next_uplink, self.interval_ms)

    def _uplink(self):
        n = self._encode(self.counts, self.width, self.payload)
        try:
            self.modem.send(memoryview(self.payload)[:n])
        except OSError as err:
            self.json({"ev": "error", "what": "lorawan uplink", "error": str(err)})
        for i in range(len(self.counts)):
            self.counts[i] = 0

    def status(self, t_ms, fields):
        if self.serial is not None:
            self.serial.status(t_ms, **fields)
        if self.mqtt is not None:
            self._health(t_ms, fields)

    def finish(self, t_ms, fields):
        """The app ends (a replay's end): a last health message, then the outbox
        drained for up to ``drain_s`` of wall time (the publisher's stream-time
        clock runs on with it, so its backoff elapses)."""
        if self.mqtt is not None:
            self._health(t_ms, fields)
            start = ticks_ms()
            while self.mqtt.outbox.pending:
                waited = ticks_diff(ticks_ms(), start)
                if waited > self._drain_ms:
                    break
                if not self.mqtt.pump(ticks_add(t_ms, waited)):
                    sleep_ms(20)
