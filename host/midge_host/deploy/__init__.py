"""`midge deploy` and `midge verify` as a Python API.

- ``deploy(project, port, board=None, transport="mpremote", replay=None,
  realtime=True, root="/", config=None, progress=None, sample=None) -> dict``: find the
  board the project targets (``board``, else the project's midge.toml, else
  meta.json's ``board``), ask the connected board what it is and refuse a
  mismatch (``target``), write midge.json and check it with
  ``midge.app_config``, build the app's ``Pipeline`` on the host from the
  exact files it will push, then cross-compile the device package for the
  board's arch and push package, model files, midge.json and main.py
  atomically and resumably (``push``). Nothing is written to the board before
  every check passed. Returns the push counts plus ``files``, ``bytes`` and
  ``target`` (a ``target.Target``). A camera model replays an image
  recording (``midge.pgm``): ``replay`` is one, or an image or a folder of
  images converted to one (``dataset.images.recording``). ``sample`` is a
  recording in the board's format that an emulated board replays when
  ``replay`` is None (a ready model's).
- ``verify(port, transport, root="/") -> dict``: run ``midge.verify`` on the
  board; returns {"vectors": [...per-vector dicts], "summary": {...}}.
- ``board_config(build, profile, glue, root, replay, realtime, overrides)``:
  the midge.json a deploy writes (sensor pins from the profile: its built-in
  sensor's pins, or its ``wiring`` for a sensor a user wires).
"""

import copy
import json
import tempfile
import time
from pathlib import Path

from midge import app_config
from midge_host import __version__
from midge_host.deploy import target as targets
from midge_host.deploy.artifacts import load_build
from midge_host.deploy.plan import join, plan
from midge_host.deploy.push import push
from midge_host.errors import MidgeError
from midge_host.transport import open_board

DEFAULT_RESPONDERS = [{"kind": "serial"}, {"kind": "log", "path": "log/detections.bin", "max_bytes": 65536}]


def sensor_params(profile, sensor):
    """midge.json ``sensor`` params for a ``sensor`` kind on ``profile``: the
    built-in sensor's pins, else the profile's default ``wiring``."""
    wiring = (profile.wiring or {}).get(sensor)
    if sensor == "microphone":
        mic = profile.sensors.microphone
        params = dict(mic.pins or {}) if mic.type not in ("none", "replay") else {}
        params.update(wiring or {})
        return params
    if sensor == "imu":
        if wiring:
            return dict(wiring)
        imu = profile.sensors.imu
        if imu is None or imu.bus == "replay":
            return {}
        params = dict(imu.pins or {}, imu=(imu.chip or "").lower().replace("-", ""))
        if imu.bus_id is not None:
            params["i2c"] = imu.bus_id
        if imu.address is not None:
            params["address"] = imu.address
        return params
    if sensor == "camera":
        cam = profile.sensors.camera
        return dict(cam.pins or {}) if cam is not None else {}
    return {}


def weights_for(profile):
    """midge.json's ``weights`` for a board: "flash" without PSRAM (only the largest
    op's weights in RAM, each op's read from the model file as it runs), else "ram"."""
    return "ram" if profile.psram_bytes else "flash"


def board_config(build, profile, glue, root="/", replay=None, realtime=True, overrides=None):
    """The midge.json for ``build`` on ``profile`` with glue module ``glue``."""
    model = lambda name: join(root, "model", name)  # noqa: E731
    meta = build.meta
    conf = {"model": model("model.tflite"), "meta": model("meta.json"), "vectors": model("vectors.bin"),
            "weights": weights_for(profile),
            "board": glue, "status_interval_s": 10,
            "responders": [dict(r, path=join(root, r["path"])) if "path" in r else dict(r)
                           for r in DEFAULT_RESPONDERS]}
    overrides = dict(overrides or {})
    if replay is not None:
        conf["sensor"] = {"source": "replay", "path": join(root, "data", Path(replay).name), "realtime": realtime}
        if str(replay).lower().endswith(".csv"):
            conf["sensor"]["sample_rate"] = meta["sample_rate"]
    elif glue == targets.SIM_GLUE:
        raise MidgeError(f"the emulated {profile.name} has no sensors: it replays a recording",
                         hint="pass --replay FILE (a WAV or CSV recording at the model's rate, e.g. from data/)")
    elif glue is None:
        raise MidgeError(f"midge has no board glue for {profile.name}",
                         hint="write device/midge/boards/<name>.py (docs/deploy.md), name it in the profile's "
                              "glue, or use --replay")
    else:
        conf["sensor"] = dict(sensor_params(profile, meta["sensor"]), source="board")
        user = overrides.pop("sensor", None)
        if isinstance(user, dict) and user.get("source", "board") == "board":
            conf["sensor"].update(user)
        elif user is not None:
            conf["sensor"] = user
    conf.update(overrides)
    return conf


def _project_board(build):
    """The board the project at ``build.project`` targets: its midge.toml's, else meta.json's."""
    from midge_host.project.load import FILE_NAME, load_project
    if (build.project / FILE_NAME).is_file():
        return load_project(build.project).board
    return build.meta.get("board")


def check_on_host(build, conf, items, root):
    """Run what the board will run first, on the host, from the very bytes of
    ``items``: midge.app_config's check of ``conf``, the app's Pipeline (the
    model and its features), and the replay recording against the model's
    rate and channels. MidgeError naming the problem."""
    from midge import meta as device_meta
    from midge.app_build import check_sensor, image_size, sensor as build_sensor
    from midge.app_pipeline import Pipeline
    try:
        app_config.check(copy.deepcopy(conf))
    except ValueError as err:
        raise MidgeError(str(err), hint="fix the key in --config (docs/deploy.md lists midge.json's keys)") from None
    with tempfile.TemporaryDirectory(prefix="midge-check-") as tmp:
        local = {}
        for item in items:
            if item.path.startswith((join(root, "model") + "/", join(root, "data") + "/")):
                path = Path(tmp) / item.path.strip("/")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(item.data)
                local[item.path] = str(path)
        try:
            meta = device_meta.read(local[conf["meta"]])
            Pipeline(meta, local[conf["model"]])
            if conf["sensor"]["source"] == "replay":
                replayed = dict(conf, sensor=dict(conf["sensor"], path=local[conf["sensor"]["path"]]))
                sensor = build_sensor(app_config.check(copy.deepcopy(replayed)), None, image_size(meta))
                check_sensor(meta, sensor)
                sensor.close()
        except ValueError as err:
            raise MidgeError(f"the app would fail on the board: {err}",
                             hint="nothing was sent; rebuild the model or pick a matching recording") from None


def deploy(project, port, board=None, transport="mpremote", replay=None, realtime=True, root="/",
           config=None, progress=None, sample=None):
    build = load_build(project)
    with tempfile.TemporaryDirectory(prefix="midge-replay-") as tmp:
        replay = _replay_file(build, replay, Path(tmp))
        return _deploy(build, port, board, transport, replay, realtime, root, config, progress, sample)


def replay_frames(build, replay):
    """The frames a camera model's app sees when deployed with ``--replay
    replay``: uint8 arrays of the model's size, read by the board's own
    ``midge.sensors.image_replay`` from the recording deploy would send."""
    import numpy as np

    from midge.app_build import image_size
    from midge.sensors.image_replay import ImageReplay
    width, height = image_size(build.meta)
    frames = []
    with tempfile.TemporaryDirectory(prefix="midge-replay-") as tmp:
        try:
            camera = ImageReplay(str(_replay_file(build, replay, Path(tmp))), width, height, realtime=False)
            buf = bytearray(width * height)
            while camera.readinto(buf):
                frames.append(np.frombuffer(bytes(buf), np.uint8).reshape(height, width))
            camera.close()
        except ValueError as err:
            raise MidgeError(f"{replay}: {err}") from None
    return frames


def _replay_file(build, replay, tmp):
    """The file the board replays: ``replay`` itself, or for a camera model an
    image recording (``midge.pgm``) made in ``tmp`` from an image or a folder of them."""
    if replay is None:
        return None
    replay = Path(replay)
    camera = build.meta.get("sensor") == "camera"
    if not (replay.is_file() or (camera and replay.is_dir())):
        raise MidgeError(f"replay file {replay} not found")
    if not camera or replay.suffix.lower() == ".pgm":
        return replay
    from midge_host.dataset import images
    paths = sorted(p for p in replay.rglob("*") if p.suffix.lower() in images.SOURCE_SUFFIXES) \
        if replay.is_dir() else [replay]
    if not paths:
        raise MidgeError(f"{replay}: no images to replay", hint="PNG, PGM, BMP or JPEG files")
    out = tmp / (replay.stem + ".pgm")
    out.write_bytes(images.recording(paths))
    return out


def _deploy(build, port, board, transport, replay, realtime, root, config, progress, sample):
    wanted = board or _project_board(build)
    with open_board(port, transport, soft_reset=True) as dev:
        target = targets.choose(targets.probe(dev), wanted, port)
        if replay is None and target.glue == targets.SIM_GLUE:
            replay = sample
        conf = board_config(build, target.profile, target.glue, root, replay, realtime, config)
        items = plan(build, target.arch, root, conf, replay)
        check_on_host(build, conf, items, root)
        info = {"project": build.meta.get("name"), "board": target.profile.name, "midge_version": __version__,
                "deployed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        counts = push(dev, items, root, info, progress)
    counts["files"] = len(items)
    counts["bytes"] = sum(len(i.data) for i in items)
    counts["target"] = target
    return counts


def verify(port, transport="mpremote", root="/", timeout=600):
    """Run midge.verify on the board; returns {"vectors": [...], "summary": {...}}."""
    with open_board(port, transport, soft_reset=True) as dev:
        out = dev.exec(f"import midge.verify\nmidge.verify.run({join(root, 'midge.json')!r})", timeout=timeout)
    vectors, summary = [], None
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("ev") == "vector":
            vectors.append(record)
        elif record.get("ev") == "verify":
            summary = record
    if summary is None:
        raise MidgeError("the board printed no verify summary", hint="output was:\n" + out[-2000:])
    return {"vectors": vectors, "summary": summary}
