"""midge's ready-to-deploy models (``paths.models_dir()``, rebuilt by tools/build_models.py).

A model is a folder ``<name>/`` holding the deploy files (model.tflite, labels.txt,
meta.json, vectors.bin: what `midge deploy` takes from a project's build/), its
model_card.md, metrics.json, profile.json and a sample recording for an emulated
board to replay (``sample.wav``, ``.csv`` or ``.pgm``).

- ``list_models() -> list[Model]``: every model, by name.
- ``find_model(name) -> Model``: one, or MidgeError naming the ones there are.
- ``write_index(folder)``: folder/README.md, the table `midge models` prints.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from midge import meta as device_meta
from midge.labels import reported_labels
from midge_host.errors import MidgeError
from midge_host.files import write_atomic
from midge_host.paths import models_dir


@dataclass
class Model:
    """One shipped model: its folder, checked meta.json, and its evaluation and profile."""

    name: str
    folder: Path
    meta: dict
    metrics: dict
    profile: dict

    @property
    def board(self):
        return self.meta["board"]

    @property
    def sample(self):
        """The recording an emulated board replays (sample.wav, .csv or .pgm), or None."""
        found = sorted(self.folder.glob("sample.*"))
        return found[0] if found else None

    @property
    def model_bytes(self):
        return (self.folder / "model.tflite").stat().st_size

    def score(self):
        """The headline test figure on the board's engine, as text ("96.0 % accuracy")."""
        device = self.metrics.get("engines", {}).get("device", {})
        if self.meta["task"] == "detection":
            return f"F1 {device['f1']:.2f}"
        if self.meta["task"] == "anomaly":
            return f"AUC {device['auc']:.3f}"
        return f"{100 * device['accuracy']:.1f} % accuracy"

    def fit(self):
        """Per profiled board: (board, heap the app needs, the board's heap, verdict)."""
        return [(b["board"], b["ram_bytes"], b["heap_bytes"], b["verdict"]) for b in self.profile.get("boards", [])]


def _load(folder):
    def doc(name):
        path = folder / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MidgeError(f"model {folder.name}: {path} is missing",
                             hint="rebuild it: python tools/build_models.py " + folder.name) from None
        except ValueError as err:
            raise MidgeError(f"model {folder.name}: {path} is not JSON: {err}") from None
    try:
        meta = device_meta.check(doc("meta.json"), str(folder / "meta.json"))
    except ValueError as err:
        raise MidgeError(str(err), hint="rebuild it: python tools/build_models.py " + folder.name) from None
    return Model(folder.name, folder, meta, doc("metrics.json"), doc("profile.json"))


def list_models(folder=None):
    """Every model in ``folder`` (default ``models_dir()``), sorted by name."""
    folder = Path(folder) if folder else models_dir()
    if not folder.is_dir():
        raise MidgeError(f"no ready-made models: {folder} does not exist",
                         hint="reinstall midge, or in a checkout run python tools/build_models.py")
    return [_load(path.parent) for path in sorted(folder.glob("*/meta.json"))]


def find_model(name, folder=None):
    """The model called ``name``; MidgeError listing the others when there is none."""
    models = list_models(folder)
    for model in models:
        if model.name == name:
            return model
    raise MidgeError(f"no ready-made model called {name!r}",
                     hint="choose one of " + ", ".join(m.name for m in models) + " (`midge models`)")


def rows(models):
    """Table rows (name, task, sensor, reported labels, board, size, score, heap and
    verdict on its board: `midge profile`'s) for ``models``."""
    out = []
    for m in models:
        own = [f for f in m.fit() if f[0] == m.board]
        heap = f"{own[0][1] / 1024:.0f} of {own[0][2] / 1024:.0f} KiB: {own[0][3]}" if own else "-"
        out.append((m.name, m.meta["task"], m.meta["sensor"], ", ".join(reported_labels(m.meta)), m.board,
                    f"{m.model_bytes / 1024:.1f} KiB", m.score() + (" (synthetic data)" if m.meta["synthetic"] else ""),
                    heap))
    return out


HEADER = ("model", "task", "sensor", "reports", "board", "model size", "test score (device)", "on its board: app heap, verdict")


def write_index(folder):
    """folder/README.md: a table of the models there and how to use them."""
    lines = ["# Ready-to-deploy models", "",
             "Built by midge from its own templates, on synthetic data (`python tools/build_models.py`",
             "rebuilds them byte for byte on one machine; `--check` compares: another CPU's float",
             "arithmetic can change the trained weights). Each folder's model_card.md says what data",
             "the model saw, its accuracy per engine, and its heap and latency on the boards it was",
             "profiled for. Deploy one without a project:", "",
             "```", "midge models", "midge deploy --model kws --port /dev/ttyACM0", "```", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(list_models(folder))]
    write_atomic(Path(folder) / "README.md", "\n".join(lines) + "\n")
