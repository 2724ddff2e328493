"""The app a board runs: sensor -> windows -> features -> model -> recognizer
-> responders, built from the deployed config. ``main.py`` on a board is::

    import midge.app
    midge.app.run("midge.json")

``App(conf)`` builds the pipeline from a checked config (``midge.app_config``);
``step()`` reads one block from the sensor and processes every window it
completes; ``run()`` loops ``step()`` until a replay ends (forever on a live
sensor), with the duty cycle and watchdog when configured. ``run(path)``
returns the final status dict.

Contracts:
- Steady state allocates nothing per window (status, detection and
  per-window prediction lines allocate when they are written).
- Classification: the recognizer's top label is reported as a detection
  unless meta.json lists it in ``quiet_labels`` (background, silence, idle).
  Anomaly: ``mse_int`` scores through ``Threshold``.
- Time is stream time: milliseconds of audio/IMU data since start, advanced by
  ``stride_samples`` per window and by every dropped frame, so detections,
  log records and LoRaWAN intervals are right however fast a replay runs.
- Output (serial responder): JSON lines ``{"ev":"start",...}``,
  ``{"ev":"det","t","label","score"}``, ``{"ev":"status","t","windows",
  "rate" (windows per wall-clock second), "rtf" (processing time / stream
  time), "dropped" (frames lost by the sensor and the window ring),
  "gaps", "detections", "heap_free", "heap_used", "top", "score"}`` every
  ``status_interval_s`` of stream time, and ``{"ev":"end",...}`` (a status
  record) when a replay ends.
- Before building anything, ``run`` completes an interrupted deploy
  (``midge.app_journal``), so a board whose deploy was cut off mid-commit
  comes up on the new files.
"""

import gc
from array import array

from midge import app_config
from midge.sensors._clock import sleep_ms, ticks_add, ticks_diff, ticks_ms, ticks_us


def _sensor(conf, glue):
    s = conf["sensor"]
    if s["source"] == "replay":
        from midge.sensors import replay
        if s["path"].lower().endswith(".csv"):
            return replay.CsvReplay(s["path"], s["sample_rate"], realtime=s["realtime"], loop=s["loop"])
        return replay.WavReplay(s["path"], realtime=s["realtime"], loop=s["loop"])
    from midge.boards import require
    return require(glue, "sensor", "a sensor")(s)


def _decider(meta):
    """The recognizer for the model's task: ``Threshold`` (anomaly) or ``RecognizeCommands``."""
    if meta["task"] == "anomaly":
        from midge.recognize import Threshold
        a = meta["anomaly"]
        return Threshold(a["threshold"], a.get("hysteresis", 0), a.get("count", 1))
    from midge.recognize import RecognizeCommands
    sm = meta.get("smoothing", {})
    return RecognizeCommands(meta["labels"], sm.get("average_window_ms", 1000), sm.get("detection_threshold", 200),
                             sm.get("suppression_ms", 1500), sm.get("minimum_count", 3))


class App:
    def __init__(self, conf):
        from midge.app_pipeline import Pipeline
        from midge.app_respond import Responders
        self.conf = conf
        meta = app_config.read_meta(conf["meta"])
        self.meta = meta
        gc.collect()
        self.pipeline = Pipeline(meta, conf["model"])  # first: the model wants the unfragmented heap
        glue = None
        if conf["board"] is not None:
            from midge.boards import load
            glue = load(conf["board"])
        self.sensor = _sensor(conf, glue)
        rate = meta["sample_rate"]
        ch = meta["channels"]
        if self.sensor.sample_rate != rate or self.sensor.channels != ch:
            raise ValueError("the sensor gives %d Hz x %d channels; the model wants %d Hz x %d"
                             % (self.sensor.sample_rate, self.sensor.channels, rate, ch))
        from midge.window import Windows
        self.windows = Windows(meta["window_samples"], meta["stride_samples"], ch, depth=2)
        self.respond = Responders(conf["responders"], meta["labels"], glue, rate, ch)
        self.anomaly = meta["task"] == "anomaly"
        self.decide = _decider(meta)
        quiet = meta.get("quiet_labels", ())
        self._reported = bytearray(0 if label in quiet else 1 for label in meta["labels"])
        block = getattr(self.sensor, "block", 512 * ch)
        self._buf = array("h", bytearray(2 * block))
        self._rate = rate
        # stream time: ms + remainder (frames * 1000 % rate), wrapping like ticks
        self.t_ms = 0
        self._t_rem = 0
        self._hop_ms = meta["stride_samples"] * 1000 // rate
        self._hop_rem = meta["stride_samples"] * 1000 % rate
        self._seen_dropped = 0
        seconds = conf["sensor"].get("seconds", 0) if conf["sensor"]["source"] == "replay" else 0
        self._limit_windows = 0
        if seconds:
            frames = int(seconds * rate)
            self._limit_windows = (frames - meta["window_samples"]) // meta["stride_samples"] + 1
        self.windows_done = 0
        self.gaps = 0
        self.detections = 0
        self.busy_us = 0  # processing time since the last status
        self._status_ms = int(conf["status_interval_s"] * 1000)
        self._next_status = self._status_ms
        self._wall = ticks_us()
        self._wall_windows = 0
        self._status_busy = 0
        self._status_t = 0
        self.done = False
        self.dog = None
        if conf["watchdog_ms"]:
            from midge.boards import require
            from midge.respond.power import Watchdog
            self.dog = Watchdog(require(glue, "watchdog", "a watchdog")(conf["watchdog_ms"]))
        self.duty = None
        if conf["duty_cycle"]:
            from midge.boards import require
            from midge.respond.power import DutyCycle
            d = conf["duty_cycle"]
            self.duty = DutyCycle(require(glue, "sleep", "a sleep function"), int(d["period_s"] * 1000),
                                  int(d["awake_s"] * 1000), conf["watchdog_ms"] and conf["watchdog_ms"] // 2)

    def _advance(self, frames):
        """Stream time += ``frames`` (no big ints: remainder carried)."""
        rate = self._rate
        self._t_rem += frames * 1000 % rate
        ms = frames * 1000 // rate + self._t_rem // rate
        self._t_rem %= rate
        self.t_ms = ticks_add(self.t_ms, ms)

    def _window(self, window):
        started = ticks_us()
        p = self.pipeline
        p.features(window)
        scores = p.invoke()
        self._advance(self.meta["stride_samples"])
        t = self.t_ms
        decide = self.decide
        if self.anomaly:
            score = p.anomaly_score()
            if decide.update(score):
                self.detections += 1
                self.respond.detection(1, "anomaly", score, t, window)
            self.respond.window(0, score, t)
        else:
            if decide.process(scores, t) and self._reported[decide.index]:
                self.detections += 1
                self.respond.detection(decide.index, decide.label, decide.score, t, window)
            self.respond.window(decide.index, decide.score, t)
        if self.dog is not None:
            self.dog.window()
        self.windows_done += 1
        self.busy_us += ticks_diff(ticks_us(), started)

    def dropped(self):
        """Frames lost so far: by the sensor and by the window ring."""
        return self.sensor.dropped + self.windows.dropped

    def step(self):
        """Read one sensor block and process the windows it completes; False when a replay ended."""
        n = self.sensor.readinto(self._buf)
        if n == 0:
            if getattr(self.sensor, "done", False):
                self.done = True
                return False
            sleep_ms(1)
            return True
        w = self.windows
        w.feed(self._buf, n)
        lost = self.dropped()
        if lost != self._seen_dropped:
            self._advance(lost - self._seen_dropped)
            self._seen_dropped = lost
        window = w.take()
        while window is not None:
            if w.gap:
                self.gaps += 1
            self._window(window)
            if self._limit_windows and self.windows_done >= self._limit_windows:
                self.done = True
                return False
            window = w.take()
        if ticks_diff(self.t_ms, self._next_status) >= 0:
            self._next_status = ticks_add(self._next_status, self._status_ms)
            self.respond.status(self.t_ms, self.status())
        return True

    def status(self):
        """The status fields (allocates: call it at status time only)."""
        now = ticks_us()
        wall = ticks_diff(now, self._wall)
        stream_ms = ticks_diff(self.t_ms, self._status_t)
        windows = self.windows_done - self._wall_windows
        busy = self.busy_us - self._status_busy
        self._wall = now
        self._wall_windows = self.windows_done
        self._status_busy = self.busy_us
        self._status_t = self.t_ms
        gc.collect()
        d = self.decide
        if self.anomaly:
            top, score = ("anomaly" if d.active else "normal"), 0
        else:
            top, score = d.label, d.score
        return {"windows": self.windows_done, "rate": round(windows * 1e6 / wall, 2) if wall > 0 else 0,
                "rtf": round(busy / (stream_ms * 1000), 4) if stream_ms > 0 else 0,
                "dropped": self.dropped(), "gaps": self.gaps, "detections": self.detections,
                "heap_free": gc.mem_free(), "heap_used": gc.mem_alloc(),
                "top": top, "score": score}

    def run(self):
        """Process until a replay ends (forever on a live sensor); returns the last status."""
        m = self.meta
        self.respond.json({"ev": "start", "name": m.get("name"), "task": m["task"], "labels": m["labels"],
                           "sample_rate": m["sample_rate"], "window_samples": m["window_samples"],
                           "stride_samples": m["stride_samples"], "heap_free": gc.mem_free()})
        sensor = self.sensor
        sensor.start()
        duty = self.duty
        try:
            while True:
                if duty is not None and not duty.awake(ticks_ms()):
                    sensor.stop()
                    duty.rest(ticks_ms(), self.dog)
                    self.windows.reset()
                    sensor.start()
                if not self.step():
                    break
        finally:
            sensor.stop()
        final = self.status()
        end = {"ev": "end", "t": self.t_ms}
        end.update(final)
        self.respond.json(end)
        return final


def run(path="midge.json"):
    """Build the app from the config file at ``path`` and run it."""
    from midge.app_journal import recover
    recover()
    return App(app_config.load(path)).run()
