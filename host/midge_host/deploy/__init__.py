"""`midge deploy` and `midge verify` as a Python API.

- ``deploy(project, port, board="sim", transport="mpremote", replay=None,
  realtime=True, root="/", config=None, progress=None) -> dict``: check the
  build, cross-compile the device package for the board's mpy arch, and push
  package, model files, midge.json and main.py atomically and resumably
  (``midge_host.deploy.push``). Returns the push counts plus ``files`` and
  ``bytes``.
- ``verify(port, transport, root="/") -> dict``: run ``midge.verify`` on the
  board; returns {"vectors": [...per-vector dicts], "summary": {...}}.
- ``board_config(build, board, root, replay, realtime, overrides)``: the
  midge.json a deploy writes.
"""

import json
import time
from pathlib import Path

from midge_host import __version__
from midge_host.boards import load_board
from midge_host.deploy.artifacts import load_build
from midge_host.deploy.plan import join, plan
from midge_host.deploy.push import push
from midge_host.errors import MidgeError
from midge_host.paths import device_dir
from midge_host.transport import open_board

DEFAULT_RESPONDERS = [{"kind": "serial"}, {"kind": "log", "path": "log/detections.bin", "max_bytes": 65536}]


def glue_for(board):
    """The glue module name (midge.boards.<name>) for a board profile, or None."""
    if (device_dir() / "midge" / "boards" / f"{board.name}.py").is_file():
        return board.name
    if board.firmware.lower().startswith("openmv") or board.name.startswith(("openmv", "nicla")):
        return "openmv"
    if board.port == "rp2":
        return "pico"
    return None


def board_config(build, board, root="/", replay=None, realtime=True, overrides=None):
    """The midge.json for ``build`` on ``board`` (a Board profile)."""
    model = lambda name: join(root, "model", name)  # noqa: E731
    conf = {"model": model("model.tflite"), "meta": model("meta.json"), "vectors": model("vectors.bin"),
            "board": glue_for(board), "status_interval_s": 10,
            "responders": [dict(r, path=join(root, r["path"])) if "path" in r else dict(r)
                           for r in DEFAULT_RESPONDERS]}
    if replay is not None:
        conf["sensor"] = {"source": "replay", "path": join(root, "data", Path(replay).name), "realtime": realtime}
        if str(replay).lower().endswith(".csv"):
            conf["sensor"]["sample_rate"] = build.meta["sample_rate"]
    elif board.sensors.microphone.type == "replay":
        raise MidgeError(f"board {board.name} has no sensors: it replays a recording",
                         hint="pass --replay FILE.wav (a recording at the model's sample rate)")
    else:
        conf["sensor"] = {"source": "board"}
        if conf["board"] is None:
            raise MidgeError(f"midge has no board glue for {board.name}",
                             hint="write device/midge/boards/<name>.py (see docs/deploy.md) or use --replay")
    for key, value in (overrides or {}).items():
        conf[key] = value
    return conf


def deploy(project, port, board="sim", transport="mpremote", replay=None, realtime=True, root="/",
           config=None, progress=None):
    build = load_build(project)
    profile = load_board(board)
    if replay is not None and not Path(replay).is_file():
        raise MidgeError(f"replay file {replay} not found")
    conf = board_config(build, profile, root, replay, realtime, config)
    items = plan(build, profile.mpy_arch, root, conf, replay)
    info = {"project": build.meta.get("name"), "board": profile.name, "midge_version": __version__,
            "deployed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with open_board(port, transport, soft_reset=True) as dev:
        counts = push(dev, items, root, info, progress)
    counts["files"] = len(items)
    counts["bytes"] = sum(len(i.data) for i in items)
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
