"""`midge data split`: train / validation / test by group, stratified by class.

Contract: ``make_split(project, seed=None, keep=None) -> Split``,
``write_split(project, split)`` (``splits.json`` in the project, atomically),
``read_split(project) -> dict`` (splits.json checked) and ``pins(project)``.

- Whole groups (``layout.group_of``: a recording, a speaker, a session) are
  assigned to one side, so no group is ever on two sides, even when it holds
  files of several classes.
- Sides: train always; validation and test when their fraction in
  ``[training]`` is above 0. Every class appears on every side: first one
  group per class and side (classes with fewest groups first), then the other
  groups, largest first, each to the side furthest below its per-class
  targets (fraction x class files). The order of equal-size groups is
  shuffled with ``seed`` (default ``training.seed``): same data and seed,
  same split.
- Kept assignments: files imported with ``midge data import --split SIDE``
  (recorded in data/.imports.jsonl, ``pins``) stay on that side, and so does
  the rest of their group; ``keep`` ({file: side}) adds more (the trainer
  passes the current splits.json to place new files without moving old
  ones). A group kept on two sides is a MidgeError naming its files.
- Anomaly projects: groups holding any file of a fault label go to test; the
  normal groups are split as above (test gets normal data too).
- Too little data is a MidgeError naming the class: an empty class, or a
  class with fewer groups than sides.

splits.json: ``{"version": 1, "seed", "fractions", "group_rule", "sides":
{side: {"files": [paths relative to the project], "groups": [...]}},
"counts": {side: {label: files}}}``. ``read_split`` refuses an unknown side,
a file on two sides, a listed file that no longer exists and a file outside
the project's label folders, naming it.
"""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from midge_host.files import write_atomic
from midge_host.dataset.importer import INDEX
from midge_host.dataset.layout import scan
from midge_host.errors import MidgeError

SIDES = ("train", "validation", "test")
GROUP_RULE = "a file's group is its name up to the first '__' (the whole stem if none)"


@dataclass
class Split:
    seed: int
    fractions: dict
    files: dict  # side -> [Sample]
    groups: dict  # side -> [group]

    def counts(self, labels):
        """{side: {label: files}}."""
        return {side: {label: sum(1 for s in samples if s.label == label) for label in labels}
                for side, samples in self.files.items()}


def _fractions(project):
    val = project.training["validation_fraction"]
    test = project.training["test_fraction"]
    out = {"train": 1 - val - test}
    if val > 0:
        out["validation"] = val
    if test > 0:
        out["test"] = test
    return out


def _too_little(label, groups, sides, fixes):
    raise MidgeError(f"too little data to split: class {label!r} has {groups} group(s) "
                     f"(recordings/speakers/sessions) but the split has {len(sides)} sides "
                     f"({', '.join(sides)}), and a group can only be on one",
                     hint=f"add recordings of {label!r}, or {fixes}")


def _assign(pool, fractions, rng, labels, owner):
    """{group: side} for groups ``pool`` ({group: Counter(label -> files)}),
    those already in ``owner`` staying where they are."""
    sides = list(fractions)
    totals = Counter()
    for counts in pool.values():
        totals.update(counts)
    target = {s: {label: fractions[s] * totals[label] for label in totals} for s in sides}
    current = {s: Counter() for s in sides}
    owner = dict(owner)
    for group, side in owner.items():
        if group in pool and side in current:
            current[side].update(pool[group])

    def put(group, side):
        owner[group] = side
        current[side].update(pool[group])

    order = [g for g in pool if g not in owner]
    rng.shuffle(order)
    by_label = defaultdict(list)
    for group in order:
        for label in pool[group]:
            by_label[label].append(group)
    fixes = ("lower training.validation_fraction / training.test_fraction to 0 "
             "(midge.toml) to drop a side")
    for label in sorted(by_label, key=lambda lb: (len(by_label[lb]), labels.index(lb))):
        candidates = sorted(by_label[label], key=lambda g: sum(pool[g].values()))
        for side in sides:
            if current[side][label]:
                continue
            free = [g for g in candidates if g not in owner]
            if not free:
                _too_little(label, sum(1 for g in pool if label in pool[g]), sides, fixes)
            put(free[0], side)
    rest = sorted((g for g in order if g not in owner), key=lambda g: -sum(pool[g].values()))
    for group in rest:
        def need(side):
            return sum(n * (target[side][lb] - current[side][lb]) / totals[lb]
                       for lb, n in pool[group].items())
        put(group, max(sides, key=need))
    return owner


def pins(project):
    """{file relative to the project: side} recorded by `midge data import --split`."""
    out = {}
    index = project.data_dir / INDEX
    if index.is_file():
        for line in index.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("split") in SIDES:
                for output in record.get("outputs", ()):
                    out[f"data/{output}"] = record["split"]
    return out


def _fixed(project, members, keep, fractions):
    """{group: side} for the groups holding a kept file; MidgeError on a conflict."""
    fixed, why = {}, {}
    for group, samples in members.items():
        for sample in samples:
            rel = sample.path.relative_to(project.dir).as_posix()
            side = keep.get(rel)
            if side is None:
                continue
            if side not in fractions:
                raise MidgeError(f"{rel} is kept on the {side} side, which this project's split has not "
                                 f"(sides: {', '.join(fractions)})",
                                 hint=f"set training.{side}_fraction above 0 in midge.toml")
            if fixed.get(group, side) != side:
                raise MidgeError(f"group {group!r} is kept on two sides: {why[group]} on {fixed[group]}, "
                                 f"{rel} on {side}", hint="a group (recording, speaker) can only be on one side; "
                                                          "import its files with one --split")
            fixed[group], why[group] = side, rel
    return fixed


def make_split(project, seed=None, keep=None):
    """The split of ``project``'s data (see module docs)."""
    seed = project.training["seed"] if seed is None else seed
    fractions = _fractions(project)
    by_label = scan(project).by_label(project.labels)
    faults = () if project.task != "anomaly" else [lb for lb in project.labels if lb != project.normal_label]
    for label, samples in by_label.items():
        if not samples and label not in faults:
            raise MidgeError(f"too little data to split: class {label!r} has no samples "
                             f"({project.data_dir / label} is empty)",
                             hint="import recordings with `midge data import` or make a synthetic "
                                  "set with `midge data synth`")
    groups = defaultdict(Counter)
    members = defaultdict(list)
    for samples in by_label.values():
        for sample in samples:
            groups[sample.group][sample.label] += 1
            members[sample.group].append(sample)
    kept = dict(pins(project), **(keep or {}))
    fixed = _fixed(project, members, kept, fractions)
    owner = {}
    if faults:
        if "test" not in fractions:
            raise MidgeError("an anomaly project tests on its fault classes, but training.test_fraction is 0",
                             hint="set training.test_fraction above 0 in midge.toml")
        for g, counts in groups.items():
            if any(lb in faults for lb in counts):
                if fixed.get(g, "test") != "test":
                    raise MidgeError(f"group {g!r} holds fault data but is kept on the {fixed[g]} side",
                                     hint="an anomaly project trains on normal data only: keep faults on test")
                owner[g] = "test"
    pool = {g: counts for g, counts in groups.items() if g not in owner}
    pinned = {g: side for g, side in fixed.items() if g in pool}
    owner.update(_assign(pool, fractions, np.random.default_rng(seed), list(project.labels), pinned))
    files = {side: [] for side in fractions}
    side_groups = {side: [] for side in fractions}
    for group in sorted(owner):
        side = owner[group]
        side_groups[side].append(group)
        files[side] += members[group]
    for side in files:
        files[side].sort(key=lambda s: (project.labels.index(s.label), s.path.name))
    return Split(seed, fractions, files, side_groups)


def read_split(project):
    """splits.json, checked (see the module docstring); MidgeError naming the problem."""
    path = project.splits_path
    hint = f"run `midge data split {project.dir}` to write it again"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        sides = doc["sides"]
        listed = {side: list(sides[side]["files"]) for side in sides}
    except (ValueError, KeyError, TypeError) as err:
        raise MidgeError(f"{path}: not a midge split ({type(err).__name__}: {err})", hint=hint) from None
    seen = {}
    for side, names in listed.items():
        if side not in SIDES:
            raise MidgeError(f"{path}: unknown side {side!r} (sides: {', '.join(SIDES)})", hint=hint)
        for name in names:
            if name in seen:
                raise MidgeError(f"{path}: {name} is on two sides, {seen[name]} and {side}", hint=hint)
            seen[name] = side
            parts = Path(name).parts
            if len(parts) != 3 or parts[0] != "data" or parts[1] not in project.labels:
                raise MidgeError(f"{path}: {name} is not a sample of data/<label>/", hint=hint)
            if not (project.dir / name).is_file():
                raise MidgeError(f"{path} lists {name}, which no longer exists", hint=hint)
    return doc


def write_split(project, split):
    """Write ``split`` to ``project.splits_path`` atomically."""
    doc = {
        "version": 1,
        "seed": split.seed,
        "fractions": {side: round(f, 6) for side, f in split.fractions.items()},
        "group_rule": GROUP_RULE,
        "sides": {side: {"files": [s.path.relative_to(project.dir).as_posix() for s in samples],
                         "groups": split.groups[side]}
                  for side, samples in split.files.items()},
        "counts": split.counts(project.labels),
    }
    write_atomic(project.splits_path, json.dumps(doc, indent=1) + "\n")
