"""What a deploy puts on a board: ``plan(build, board, root, config) -> list[Item]``.

Board layout (``root`` is ``/``, or ``/flash`` on OpenMV)::

    lib/midge/...mpy       the device package, cross-compiled for the board's mpy arch
    model/model.tflite, labels.txt, meta.json, vectors.bin
    data/<file>            a replay recording, when midge.json replays one
    midge.json             the deploy-time config (midge.app_config)
    main.py                `import midge.app` / `midge.app.run("midge.json")`
    .midge-manifest.json   {"files": {path: sha256}, ...}: written last (see push)

Every item carries its bytes and sha256, so unchanged files are skipped.
"""

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from midge_host.crosscompile import cross_compile, device_sources
from midge_host.errors import MidgeError
from midge_host.paths import device_dir

MAIN_PY = b'import midge.app\nmidge.app.run("midge.json")\n'
MANIFEST = ".midge-manifest.json"
JOURNAL = ".midge-journal.json"
MODEL_FILES = ("model.tflite", "labels.txt", "meta.json", "vectors.bin")


@dataclass
class Item:
    path: str  # absolute path on the board
    data: bytes

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()


def join(root, *parts):
    return "/".join([root.rstrip("/")] + [p.strip("/") for p in parts]) if root != "/" else "/" + "/".join(
        p.strip("/") for p in parts)


def module_name(rel):
    """The dotted module name of the device file ``rel`` (midge/dsp/fft.mpy -> midge.dsp.fft)."""
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


_COMPILED = {}  # (arch, sources' digest) -> compile_package's result, for this process


def compile_package(arch):
    """{relative .mpy path: bytes} for every device module, compiled for ``arch``
    (once per process for the same sources)."""
    root = device_dir()
    sources = device_sources(root / "midge", arch)
    digest = hashlib.sha256()
    for source in sources:
        digest.update(str(source.relative_to(root)).encode() + b"\0" + source.read_bytes())
    key = (arch, digest.hexdigest())
    if key not in _COMPILED:
        _COMPILED[key] = _compile(root, sources, arch)
    return dict(_COMPILED[key])


def _compile(root, sources, arch):
    out = {}
    with tempfile.TemporaryDirectory(prefix="midge-mpy-") as tmp:
        for source in sources:
            rel = source.relative_to(root).with_suffix(".mpy")
            target = Path(tmp) / rel.name
            # the module's name as the traceback file name: the board interns it for the module
            # already, where a path would be a second string in RAM for every module
            result = cross_compile(source, arch, target, module_name(rel))
            if not result.ok:
                raise MidgeError(f"mpy-cross -march={arch} rejects {source}: {result.message}",
                                 hint="this is a bug in midge's device code; please report it")
            out[rel.as_posix()] = target.read_bytes()
    return out


def plan(build, arch, root, config, replay=None):
    """The items of a deploy: package, model files, replay data, midge.json, main.py."""
    items = [Item(join(root, "lib", rel), data) for rel, data in sorted(compile_package(arch).items())]
    for name in MODEL_FILES:
        items.append(Item(join(root, "model", name), build.path(name).read_bytes()))
    if replay is not None:
        items.append(Item(join(root, "data", Path(replay).name), Path(replay).read_bytes()))
    items.append(Item(join(root, "midge.json"), json.dumps(config, indent=1).encode()))
    items.append(Item(join(root, "main.py"), MAIN_PY))
    return items


def manifest(items, info):
    """The manifest bytes: every deployed file's sha256 plus ``info``."""
    body = dict(info)
    body["files"] = {item.path: item.sha256 for item in items}
    return json.dumps(body, indent=1, sort_keys=True).encode()
