"""`midge data synth`: fill a project's data/ with its template's synthetic set.

Contract: ``synthesize(project, count=None, seconds=None, seed=0,
force=False, progress=None) -> dict[label, files]``.

- The generator is chosen by ``project.template`` (GENERATORS); its labels
  must be the project's labels (any order) or it is a MidgeError.
- ``count`` is files per class (a generator may scale it per class, e.g.
  fewer faults than normal data for anomaly); ``seconds`` asks for that much
  audio/IMU data per class instead (count = ceil(seconds / window)).
- Deterministic: every file is rendered from its own generator seeded with
  (seed, class, group, clip), so the same seed gives the same bytes, whatever
  the thread scheduling (kws also depends on the installed espeak-ng and
  sox versions).
- Files are named ``<group>__<clip>.<ext>`` (``layout.group_of``), written
  atomically; ``data/SYNTHETIC.md`` records generator, seed, counts and how
  each class is made. With files already in a class folder it refuses,
  unless ``force`` (same names are then overwritten).

Generator modules provide LABELS, ``counts(count) -> {label: n}``,
``jobs(project, label, n, seed) -> [(group, clip, job)]``,
``render(project, job) -> bytes``, ``check(project)`` and ``DESCRIPTION``.
A detection generator (``DETECTION = True``) renders ``(bytes, boxes)``, boxes as
``(label, x, y, w, h)``; they go into ``data/boxes.json`` (``dataset.boxes``).
"""

import importlib
import math
import os
from concurrent.futures import ThreadPoolExecutor

from midge_host import __version__
from midge_host.files import write_atomic
from midge_host.dataset.layout import scan
from midge_host.errors import MidgeError

GENERATORS = {"mosquito": "mosquito", "rainfall": "rainfall", "kws": "kws",
              "motion": "motion", "anomaly": "vibration", "person": "scenes", "objects": "objects"}
EXT = {"microphone": ".wav", "imu": ".csv", "camera": ".png"}


def generator(project):
    """The generator module for ``project``'s template, after its checks."""
    module = importlib.import_module(f"midge_host.synth.{GENERATORS[project.template]}")
    if sorted(module.LABELS) != sorted(project.labels):
        raise MidgeError(f"the {project.template} synthetic set has classes {', '.join(module.LABELS)}, "
                         f"but {project.path} has labels {', '.join(project.labels)}",
                         hint="synthesize into a project whose labels match the template's")
    module.check(project)
    return module


def _counts(project, module, count, seconds):
    if count is not None and seconds is not None:
        raise MidgeError("give --count or --seconds, not both")
    if seconds is not None:
        if project.sensor == "camera":
            raise MidgeError("--seconds is for audio and IMU projects; use --count for images")
        count = math.ceil(seconds * 1000 / project.input["window_ms"])
    if count is not None and count < 1:
        raise MidgeError(f"--count must be at least 1, got {count}")
    return module.counts(count)


def synthesize(project, count=None, seconds=None, seed=0, force=False, progress=None, total=None):
    """Write the synthetic set (see module docs); returns {label: files written}.

    ``total(n)`` is called once with the number of files before rendering;
    ``progress(1)`` after each file."""
    module = generator(project)
    counts = _counts(project, module, count, seconds)
    existing = scan(project).by_label(project.labels)
    busy = [label for label, samples in existing.items() if samples]
    if busy and not force:
        raise MidgeError(f"{project.data_dir} already has samples in {', '.join(busy)}",
                         hint="synthesize into an empty data/, or pass --force to add the synthetic "
                              "files beside them (same names are overwritten)")
    work = []
    for label in project.labels:
        for group, clip, job in module.jobs(project, label, counts[label], seed):
            work.append((project.data_dir / label / f"{group}__{clip}{EXT[project.sensor]}", job))
    if total:
        total(len(work))

    detection = getattr(module, "DETECTION", False)

    def make(item):
        path, job = item
        made = module.render(project, job)
        write_atomic(path, made[0] if detection else made)
        if progress:
            progress(1)
        return made[1] if detection else None

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        found = list(pool.map(make, work))
    if detection:
        from midge_host.dataset import boxes
        store = boxes.load_store(project.data_dir)
        for (path, _), rows in zip(work, found):
            name = path.relative_to(project.data_dir).as_posix()
            store.pop(name, None)
            if rows:
                store[name] = [boxes.Box(*row) for row in rows]
        boxes.save_store(project.data_dir, store)
    asked = f" --count {count}" if count is not None else (f" --seconds {seconds:g}" if seconds is not None else "")
    write_atomic(project.data_dir / "SYNTHETIC.md", _manifest(project, module, counts, seed, asked))
    return counts


def _manifest(project, module, counts, seed, asked):
    rows = "\n".join(f"| {label} | {counts[label]} |" for label in project.labels)
    if project.sensor == "camera":
        fmt = f"{project.input['width']}x{project.input['height']} grayscale PNG"
    elif project.sensor == "imu":
        fmt = (f"CSV timestamp_ms,{','.join(project.input['columns'])} at {project.sample_rate:g} Hz, "
               f"{project.input['window_ms']:g} ms per file")
    else:
        fmt = f"16-bit PCM mono WAV, {project.sample_rate} Hz, {project.input['window_ms']:g} ms per file"
    return f"""# Synthetic data

**Everything in this data/ folder that {module.__name__} wrote is synthetic.**
Models trained on it must say so; they show what the pipeline does, not how
it performs on real {project.template} data.

| | |
|---|---|
| generator | `{module.__name__}` (midge {__version__}) |
| template | {project.template} |
| seed | {seed} |
| format | {fmt} |
| command | `midge data synth {project.dir.name}{asked} --seed {seed}` |

| class | files |
|---|---|
{rows}

File names are `<group>__<clip>`: the group (see data/README.md) keeps
related clips on one side of the split.

## How it is made

{module.DESCRIPTION.strip()}
"""

