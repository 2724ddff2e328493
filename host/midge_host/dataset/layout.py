"""The dataset layout: ``data/<label>/<group>__<name>.<ext>``.

Contract:

- ``SUFFIXES[sensor]``: the sample file types of a sensor (``.wav`` for
  microphones, ``.csv`` for IMUs, ``.png``/``.pgm``/``.bmp`` for cameras).
- ``group_of(name) -> str``: a file's group (recording, speaker or session):
  its stem up to the first ``__``, or the whole stem if it has none.
- ``scan(project) -> Scan``: every sample file under ``data/`` as a
  ``Sample(path, label, group)`` sorted by label order then name, plus what
  was not a sample: folders that are not labels (``unknown_folders``) and
  files of the wrong type in label folders (``ignored``). Dot-files are
  skipped silently (index files, temporaries). A missing ``data/`` folder is a
  MidgeError.
"""

from dataclasses import dataclass, field
from pathlib import Path

from midge_host.files import is_hidden
from midge_host.errors import MidgeError

SUFFIXES = {
    "microphone": (".wav",),
    "imu": (".csv",),
    "camera": (".png", ".pgm", ".bmp"),
}
GROUP_SEP = "__"


@dataclass(frozen=True)
class Sample:
    path: Path
    label: str
    group: str


@dataclass
class Scan:
    samples: list = field(default_factory=list)
    unknown_folders: list = field(default_factory=list)
    ignored: list = field(default_factory=list)

    def by_label(self, labels):
        """{label: [samples]} with every label present (empty lists for empty classes)."""
        out = {label: [] for label in labels}
        for sample in self.samples:
            out[sample.label].append(sample)
        return out


def group_of(name):
    """The group of a sample file named ``name`` (see module docs)."""
    stem = Path(name).stem
    head, sep, _ = stem.partition(GROUP_SEP)
    return head if sep and head else stem


def scan(project):
    """Every sample in ``project.data_dir`` (see module docs)."""
    root = project.data_dir
    if not root.is_dir():
        raise MidgeError(f"{root} does not exist",
                         hint="a project keeps its samples in data/<label>/; "
                              "create the project with `midge new`")
    suffixes = SUFFIXES[project.sensor]
    result = Scan()
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and not is_hidden(entry) and entry.name not in project.labels:
            result.unknown_folders.append(entry)
    for label in project.labels:
        folder = root / label
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if is_hidden(path):
                continue
            if path.is_file() and path.suffix.lower() in suffixes:
                result.samples.append(Sample(path, label, group_of(path.name)))
            else:
                result.ignored.append(path)
    return result
