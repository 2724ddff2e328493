"""The app a board runs: sensor -> windows -> features -> model -> recognizer
-> responders, built from the deployed config. ``main.py`` on a board is::

    import midge.app
    midge.app.run("midge.json")

``App(conf)`` builds the pipeline from a checked config (``midge.app_config``;
the building is ``midge.app_build``'s); ``step()`` reads one block from the
sensor and processes every window it completes: cut from a buffer of samples
(``midge.window``), or, where the features allow it and no clip responder
wants the samples, as rows computed frame by frame (``midge.framestream``: a
fraction of the memory, the same features bit for bit; ``streaming``);
``run()`` loops ``step()`` until a replay ends (forever on a live sensor),
with the duty cycle and watchdog when configured. ``run(path)``
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
- A camera model: each frame the camera gives (at the model's size, see
  ``midge.sensors.camera``; an image recording replayed,
  ``midge.sensors.image_replay``) is one window; stream time advances by a
  frame at the camera's ``fps``.
- Output (serial responder): JSON lines ``{"ev":"start",...}``,
  ``{"ev":"det","t","label","score"}`` (a detection model: one per object
  in the frame, with its centroid ``x``, ``y`` in input pixels), ``{"ev":"status","t","windows",
  "rate" (windows per wall-clock second), "rtf" (processing time / stream
  time), "dropped" (frames lost by the sensor and the window ring),
  "gaps", "detections", "heap_free", "heap_used", "top", "score"}`` every
  ``status_interval_s`` of stream time, and ``{"ev":"end",...}`` (a status
  record) when a replay ends, after the responders' ``finish`` (the MQTT
  outbox drained while the broker takes it).
- Before building anything, ``run`` completes an interrupted deploy
  (``midge.app_journal``), so a board whose deploy was cut off mid-commit
  comes up on the new files.
"""

import gc

from midge.sensors._clock import sleep_ms, ticks_add, ticks_diff, ticks_ms, ticks_us


class App:
    def __init__(self, conf):
        from midge.loading import forget, loading
        with loading():
            from midge.app_build import build
            (self.meta, self.sensor, self._buf, self.stream, self.windows, self.pipeline, self.respond,
             self.decide, self.clock, self._limit_windows, self.dog, self.duty) = build(conf)
            build = None
            forget("midge.app_build", "midge.app_camera")  # building's code: a running app needs none of it
        self.conf = conf
        self.streaming = self.stream is not None
        self.anomaly = self.meta["task"] == "anomaly"
        self._hop = self.meta["stride_samples"] or 1  # a camera: one frame per window
        self._seen_dropped = 0
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
        self.clock.advance(self._hop)
        t = self.clock.t_ms
        decide = self.decide
        for k in range(decide.update(p.anomaly_score() if self.anomaly else scores, t)):
            decide.item(k)
            self.detections += 1
            self.respond.detection(decide.index, decide.label, decide.score, t, window, decide.x, decide.y)
        self.respond.window(decide.index, decide.score, t)
        if self.dog is not None:
            self.dog.window()
        self.windows_done += 1
        self.busy_us += ticks_diff(ticks_us(), started)

    def dropped(self):
        """Frames lost so far: by the sensor and by the window ring."""
        frames = self.stream or self.windows
        return self.sensor.dropped + (frames.dropped if frames is not None else 0)

    def step(self):
        """Read one sensor block (a camera: one frame) and process the windows it
        completes; False when a replay ended."""
        n = self.sensor.readinto(self._buf)
        if n == 0:
            if getattr(self.sensor, "done", False):
                self.done = True
                return False
            sleep_ms(1)
            return True
        stream, w = self.stream, self.windows
        if stream is None and w is None:  # a camera frame: one window
            self._window(self._buf)
            if self._limit_windows and self.windows_done >= self._limit_windows:
                self.done = True
                return False
            self._status_due()
            return True
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
        self._status_due()
        return True

    def _status_due(self):
        if ticks_diff(self.t_ms, self._next_status) >= 0:
            self._next_status = ticks_add(self._next_status, self._status_ms)
            self.respond.status(self.t_ms, self.status())

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
                    frames = self.stream or self.windows
                    if frames is not None:
                        frames.reset()
                    sensor.start()
                if not self.step():
                    break
        finally:
            sensor.stop()
        final = self.status()
        self.respond.finish(self.t_ms, final)
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
