"""The app a board runs: sensor -> windows -> features -> model -> recognizer
-> responders, built from the deployed config. ``main.py`` on a board is::

    import midge.app
    midge.app.run("midge.json")

``App(conf)`` builds the pipeline from a checked config (``midge.app_config``);
``step()`` reads one block from the sensor and processes every window it
completes: cut from a buffer of samples (``midge.window``), or, where the
features allow it and no clip responder wants the samples, as rows computed
frame by frame (``midge.framestream``: a fraction of the memory, the same
features bit for bit; ``streaming``); ``run()`` loops ``step()`` until a replay ends (forever on a live
sensor), with the duty cycle and watchdog when configured. ``run(path)``
returns the final status dict.

Contracts:
- Steady state allocates nothing per window with viper (status, detection
  and per-window prediction lines allocate when they are written); without
  viper, a 32-bit board's sums outgrow small ints and allocate heap ints.
- Decisions come from ``midge.decide.Decider`` (the recognizer, or the
  anomaly threshold, with ``midge.labels``' semantics): each new reported
  detection goes to every responder; quiet labels never do.
- Time is stream time (``midge.streamclock``): milliseconds of audio/IMU data
  since start, advanced by ``stride_samples`` per window and by every dropped
  frame, so detections, log records and LoRaWAN intervals are right however
  fast a replay runs.
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

from midge.bits import zeros
from midge.sensors._clock import sleep_ms, ticks_add, ticks_diff, ticks_ms, ticks_us


BLOCK_FRAMES = 512
"""Frames the app reads at a time from a sensor that has no ``block`` of its own
(at most one window hop)."""


def _sensor(conf, glue):
    s = conf["sensor"]
    if s["source"] == "replay":
        from midge.sensors import replay
        if s["path"].lower().endswith(".csv"):
            return replay.CsvReplay(s["path"], s["sample_rate"], realtime=s["realtime"], loop=s["loop"])
        return replay.WavReplay(s["path"], realtime=s["realtime"], loop=s["loop"])
    from midge.boards import require
    return require(glue, "sensor", "a sensor")(s)


def check_sensor(meta, sensor):
    """ValueError unless ``sensor`` gives the model's sample rate and channels."""
    rate = meta["sample_rate"]
    ch = meta["channels"]
    if sensor.sample_rate != rate or sensor.channels != ch:
        raise ValueError("the sensor gives %s Hz x %d channels; the model wants %s Hz x %d"
                         % (sensor.sample_rate, sensor.channels, rate, ch))


class App:
    def __init__(self, conf):
        from midge.loading import loading
        with loading():
            self._build(conf)

    def _build(self, conf):
        from midge import meta as _meta
        from midge.loading import forget
        self.conf = conf
        meta = _meta.read(conf["meta"])
        _meta = None
        forget("midge.app_config", "midge.meta")
        if meta["sensor"] == "camera":
            raise ValueError("midge.app runs microphone and IMU models; this one takes camera frames")
        self.meta = meta
        rate = meta["sample_rate"]
        ch = meta["channels"]
        glue = None
        if conf["board"] is not None:
            from midge.boards import load
            glue = load(conf["board"])
        gc.collect()
        # the model first, while the heap is whole: loading needs the most room for a
        # moment (parsing, planning, preparing the ops), and its code goes before the
        # sensor's and the features' arrive. step() reads one sensor block and takes
        # every window before the next read, so a window plus one block of spare frames
        # never drops a frame.
        from midge.nn import load as load_model
        model = load_model(conf["model"])
        load_model = None
        forget("midge.nn")
        gc.collect()
        self.sensor = _sensor(conf, glue)
        check_sensor(meta, self.sensor)
        hop = meta["stride_samples"]
        block = getattr(self.sensor, "block", (hop if hop < BLOCK_FRAMES else BLOCK_FRAMES) * ch)
        self._buf = zeros("h", block)
        from midge.app_pipeline import Pipeline, extractor
        fx = extractor(meta)
        clips = [r for r in conf["responders"] if r["kind"] == "clip"]
        # features frame by frame where they allow it (a clip responder needs the window's samples)
        self.stream = None  # a FrameStream, or else
        self.windows = None  # a Windows
        if getattr(fx, "streams", False) and not clips:
            from midge.framestream import FrameStream, can_stream
            if can_stream(fx, hop):
                self.stream = FrameStream(fx, hop, block)
        if self.stream is None:
            from midge.window import Windows
            self.windows = Windows(meta["window_samples"], hop, ch, spare=block // ch)
        self.streaming = self.stream is not None
        self.pipeline = Pipeline(meta, model, fx)
        from midge.app_respond import Responders
        from midge.decide import Decider
        from midge.streamclock import StreamClock
        self.respond = Responders(conf["responders"], meta, glue)
        self.anomaly = meta["task"] == "anomaly"
        self.decide = Decider(meta)
        self.clock = StreamClock(rate)
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

    @property
    def t_ms(self):
        """Stream time now (ms)."""
        return self.clock.t_ms

    def _window(self, window):
        started = ticks_us()
        p = self.pipeline
        if window is not None:  # (streaming: the rows are in the model's input already)
            p.features(window)
        scores = p.invoke()
        self.clock.advance(self.meta["stride_samples"])
        t = self.clock.t_ms
        decide = self.decide
        if decide.update(p.anomaly_score() if self.anomaly else scores, t):
            self.detections += 1
            self.respond.detection(decide.index, decide.label, decide.score, t, window)
        self.respond.window(decide.index, decide.score, t)
        if self.dog is not None:
            self.dog.window()
        self.windows_done += 1
        self.busy_us += ticks_diff(ticks_us(), started)

    def dropped(self):
        """Frames lost so far: by the sensor and by the window ring."""
        return self.sensor.dropped + (self.stream or self.windows).dropped

    def step(self):
        """Read one sensor block and process the windows it completes; False when a replay ended."""
        n = self.sensor.readinto(self._buf)
        if n == 0:
            if getattr(self.sensor, "done", False):
                self.done = True
                return False
            sleep_ms(1)
            return True
        stream, w = self.stream, self.windows
        (stream or w).feed(self._buf, n)
        lost = self.dropped()
        if lost != self._seen_dropped:
            self.clock.advance(lost - self._seen_dropped)
            self._seen_dropped = lost
        if stream is not None:
            while stream.take(self.pipeline.input):
                self._window(None)
                if self._limit_windows and self.windows_done >= self._limit_windows:
                    self.done = True
                    return False
        else:
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
        return {"windows": self.windows_done, "rate": round(windows * 1e6 / wall, 2) if wall > 0 else 0,
                "rtf": round(busy / (stream_ms * 1000), 4) if stream_ms > 0 else 0,
                "dropped": self.dropped(), "gaps": self.gaps, "detections": self.detections,
                "heap_free": gc.mem_free(), "heap_used": gc.mem_alloc(),
                "top": d.label, "score": d.score}

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
                    (self.stream or self.windows).reset()
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
    from midge.loading import loading
    recover()
    with loading():
        from midge import app_config
        conf = app_config.load(path)
        app_config = None
    return App(conf).run()
