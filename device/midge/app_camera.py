"""Building a camera model's app parts (``midge.app_build`` imports this only
for a camera model, so an audio or IMU app never loads it).
"""


def parts(conf, meta, glue, model, source):
    """build's parts for a camera model: one frame is one window (no stream, no
    windows), stream time counted in frames at the camera's ``fps``."""
    from midge.app_pipeline import Pipeline, extractor
    fx = extractor(meta)
    buf = bytearray(fx.window_samples)
    pipeline = Pipeline(meta, model, fx)
    from midge.app_respond import Responders
    from midge.decide import Decider
    from midge.streamclock import StreamClock
    respond = Responders(conf["responders"], meta, glue, conf["boot_counter"])
    fps = source.fps
    seconds = conf["sensor"].get("seconds", 0) if conf["sensor"]["source"] == "replay" else 0
    limit = int(seconds * fps) if seconds else 0
    from midge.app_build import power
    dog, duty = power(conf, glue)
    return (meta, source, buf, None, None, pipeline, respond, Decider(meta), StreamClock(fps), limit, dog, duty)
