"""Building the app's parts from its checked config (``midge.app_config``):
meta, board glue, the model, the sensor, windows or the frame stream, the
pipeline, responders and decisions. Apart from ``midge.app`` so a running app
holds none of this code (``App.__init__`` forgets the module once built).

``sensor(conf, glue, image=None)`` builds the configured sensor (also for
``midge.stream`` and deploy's host check; ``image``: a camera model's frame
size, ``image_size(meta)``); ``check_sensor(meta, sensor)`` is a ValueError
unless it gives the model's rate and channels (a camera: its frame size).
A camera model's app reads one frame per window (``midge.sensors.camera``'s
cameras, or an image recording replayed: ``midge.sensors.image_replay``).
"""

import gc

from midge.bits import zeros

BLOCK_FRAMES = 512
"""Frames the app reads at a time from a sensor that has no ``block`` of its own
(at most one window hop)."""


def sensor(conf, glue, image=None):
    """The sensor ``conf`` describes: a replay, or the board glue's. ``image``:
    (width, height) of a camera model's frames (an image recording replayed, or
    the glue's ``camera``), else None (a microphone or IMU)."""
    s = conf["sensor"]
    if image is not None:
        if s["source"] == "replay":
            from midge.sensors.image_replay import ImageReplay
            return ImageReplay(s["path"], image[0], image[1], fps=s.get("fps", 1), realtime=s["realtime"],
                               loop=s["loop"])
        from midge.boards import require
        return require(glue, "camera", "a camera")(s, image[0], image[1])
    if s["source"] == "replay":
        from midge.sensors import replay
        if s["path"].lower().endswith(".csv"):
            return replay.CsvReplay(s["path"], s["sample_rate"], realtime=s["realtime"], loop=s["loop"])
        return replay.WavReplay(s["path"], realtime=s["realtime"], loop=s["loop"])
    from midge.boards import require
    return require(glue, "sensor", "a sensor")(s)


def image_size(meta):
    """(width, height) of a camera model's frames; None for other sensors."""
    if meta["sensor"] != "camera":
        return None
    f = meta["features"]
    return f.get("width", 96), f.get("height", 96)


def check_sensor(meta, sensor):
    """ValueError unless ``sensor`` gives the model's sample rate and channels
    (a camera: its frame size)."""
    image = image_size(meta)
    if image is not None:
        if (sensor.width, sensor.height) != image:
            raise ValueError("the camera gives %d x %d frames; the model wants %d x %d"
                             % (sensor.width, sensor.height, image[0], image[1]))
        return
    rate = meta["sample_rate"]
    ch = meta["channels"]
    if sensor.sample_rate != rate or sensor.channels != ch:
        raise ValueError("the sensor gives %s Hz x %d channels; the model wants %s Hz x %d"
                         % (sensor.sample_rate, sensor.channels, rate, ch))


def build(conf):
    """The app's parts for ``conf``: (meta, sensor, sensor block buffer, frame
    stream or None, windows or None, pipeline, responders, decider, stream
    clock, windows to stop after (0: never), watchdog or None, duty cycle or None)."""
    from midge import meta as _meta
    from midge.loading import forget
    meta = _meta.read(conf["meta"])
    _meta = None
    forget("midge.app_config", "midge.meta")
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
    from midge.engine import load as load_model
    model = load_model(conf)
    load_model = None
    forget("midge.engine", "midge.nn")
    gc.collect()
    image = image_size(meta)
    source = sensor(conf, glue, image)
    check_sensor(meta, source)
    if image is not None:
        from midge.app_camera import parts
        return parts(conf, meta, glue, model, source)
    hop = meta["stride_samples"]
    block = getattr(source, "block", (hop if hop < BLOCK_FRAMES else BLOCK_FRAMES) * ch)
    buf = zeros("h", block)
    from midge.app_pipeline import Pipeline, extractor
    fx = extractor(meta)
    clips = [r for r in conf["responders"] if r["kind"] == "clip"]
    # features frame by frame where they allow it (a clip responder needs the window's samples)
    stream = None  # a FrameStream, or else
    windows = None  # a Windows
    if getattr(fx, "streams", False) and not clips:
        from midge.framestream import FrameStream, can_stream
        if can_stream(fx, hop):
            stream = FrameStream(fx, hop, block)
    if stream is None:
        from midge.window import Windows
        windows = Windows(meta["window_samples"], hop, ch, spare=block // ch)
    pipeline = Pipeline(meta, model, fx)
    from midge.app_respond import Responders
    from midge.decide import Decider
    from midge.streamclock import StreamClock
    respond = Responders(conf["responders"], meta, glue, conf["boot_counter"])
    seconds = conf["sensor"].get("seconds", 0) if conf["sensor"]["source"] == "replay" else 0
    limit = 0
    if seconds:
        limit = (int(seconds * rate) - meta["window_samples"]) // meta["stride_samples"] + 1
    dog, duty = power(conf, glue)
    return (meta, source, buf, stream, windows, pipeline, respond, Decider(meta), StreamClock(rate), limit,
            dog, duty)


def power(conf, glue):
    """(watchdog or None, duty cycle or None) of ``conf``."""
    dog = None
    if conf["watchdog_ms"]:
        from midge.boards import require
        from midge.respond.power import Watchdog
        dog = Watchdog(require(glue, "watchdog", "a watchdog")(conf["watchdog_ms"]))
    duty = None
    if conf["duty_cycle"]:
        from midge.boards import require
        from midge.respond.power import DutyCycle
        d = conf["duty_cycle"]
        duty = DutyCycle(require(glue, "sleep", "a sleep function"), int(d["period_s"] * 1000),
                         int(d["awake_s"] * 1000), conf["watchdog_ms"] and conf["watchdog_ms"] // 2)
    return dog, duty
