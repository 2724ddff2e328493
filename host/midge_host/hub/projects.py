"""Which labels a LoRaWAN device's counts belong to: the projects it was deployed from.

``Projects(specs)`` takes ``--project`` values: ``DIR`` (any device) or
``PATTERN=DIR`` (devices whose id matches the shell-style PATTERN, e.g.
``trap-*=mosq``). Each DIR is a built project (``DIR/build/meta.json``, as `midge
deploy` takes it); its labels are ``midge.labels.reported_labels`` of that meta, the
classes an uplink counts, in order.

``labels(device, n) -> list``: the labels of the first project, in the order given,
that matches ``device`` and reports ``n`` labels; ``["#0", "#1", ...]`` when none
does (the counts are kept, by position).
"""

from fnmatch import fnmatchcase
from pathlib import Path

from midge.labels import reported_labels
from midge_host.deploy.artifacts import load_build


class Projects:
    def __init__(self, specs=()):
        self.entries = []
        for spec in specs:
            pattern, sep, folder = spec.partition("=")
            if not sep or Path(spec).is_dir():
                pattern, folder = "*", spec
            self.entries.append((pattern, folder, reported_labels(load_build(folder).meta)))

    def labels(self, device, n):
        for pattern, _, labels in self.entries:
            if fnmatchcase(device, pattern) and len(labels) == n:
                return list(labels)
        return [f"#{i}" for i in range(n)]
