"""A built project's artifacts as `midge deploy` takes them: ``DIR/build/``
(or a folder holding the files itself) with ``model.tflite``, ``labels.txt``,
``meta.json`` and ``vectors.bin``.

``load_build(project_dir) -> Build`` checks the files exist and meta.json with
``midge.meta.check`` (the schema's owner), or raises MidgeError saying what to
run.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from midge import meta as device_meta
from midge_host.errors import MidgeError

FILES = ("model.tflite", "labels.txt", "meta.json", "vectors.bin")


@dataclass
class Build:
    project: Path
    folder: Path
    meta: dict

    def path(self, name):
        return self.folder / name


def load_build(project_dir):
    """The build in ``project_dir/build`` (or ``project_dir`` itself if it holds the files)."""
    project = Path(project_dir)
    if not project.is_dir():
        raise MidgeError(f"project folder {project} not found")
    folder = project / "build" if (project / "build").is_dir() else project
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise MidgeError(f"{folder} lacks {', '.join(missing)}",
                         hint=f"build the model first: `midge train {project}` then `midge quantize {project}`")
    path = folder / "meta.json"
    try:
        doc = json.loads(path.read_text())
    except ValueError as err:
        raise MidgeError(f"{path} is not JSON: {err}", hint=f"rebuild with `midge quantize {project}`") from None
    try:
        meta = device_meta.check(doc, str(path))
    except ValueError as err:
        raise MidgeError(str(err), hint=f"rebuild with `midge quantize {project}`") from None
    return Build(project, folder, meta)
