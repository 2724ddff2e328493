"""`midge data {import,stats,split,synth} DIR ...`: manage a project's samples.

- ``import DIR SOURCE... [--label L] [--cut auto|off|W[:S]] [--group REGEX]
  [--map AXIS=COLUMN] [--units si|counts] [--skip-bad] [--split SIDE]``: copy and convert
  recordings into data/<label>/ (``midge_host.dataset.importer``).
- ``stats DIR``: a table of files, groups and durations per class, then warnings.
- ``split DIR [--seed N]``: train/validation/test by group -> DIR/splits.json.
- ``synth DIR [--count N | --seconds S] [--seed N] [--force]``: the template's
  synthetic set (``midge_host.synth``).

Warnings go to stderr as ``midge: warning: ...``; user errors are MidgeErrors.
"""

import sys

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from midge_host import synth
from midge_host.commands.ui import table_console
from midge_host.dataset import importer, split, stats
from midge_host.errors import MidgeError
from midge_host.project import load_project


def _progress(description):
    console = Console(stderr=True)
    return Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


def _warn(message):
    print(f"midge: warning: {message}", file=sys.stderr)


def register(subparsers):
    """Add `midge data` and its sub-commands to the CLI's sub-parsers."""
    parser = subparsers.add_parser("data", help="import, inspect, split or synthesize a project's data",
                                   description="Manage the samples in a project's data/ folder.")
    sub = parser.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: _usage(parser))

    p = sub.add_parser("import", help="copy and convert recordings into data/<label>/",
                       description="Copy recordings into the project (never moving them), converting "
                                   "formats and cutting long recordings into windows.")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("sources", metavar="SOURCE", nargs="+", help="files or folders to import")
    p.add_argument("--label", help="put everything under this label (default: folder names)")
    p.add_argument("--cut", default="auto", metavar="auto|off|WINDOW_MS[:STRIDE_MS]",
                   help="cut recordings longer than a window (default: the project's window and stride)")
    p.add_argument("--group", metavar="REGEX",
                   help="group id from the source file name (its first (...) group), e.g. "
                        "'^([0-9a-f]+)_nohash' for Speech Commands speakers")
    p.add_argument("--map", action="append", default=[], metavar="AXIS=COLUMN",
                   help="CSV/JSON column for an IMU axis, e.g. --map ax=accX (repeatable)")
    p.add_argument("--units", choices=("si", "counts"), default="si",
                   help="IMU sources: si = m/s^2 and deg/s (Edge Impulse; default), "
                        "counts = int16 values as a midge board records them")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable files with a warning")
    p.add_argument("--boxes", choices=("edge-impulse", "voc", "yolo"),
                   help="a detection project's label format (default: found in each SOURCE folder)")
    p.add_argument("--split", choices=split.SIDES,
                   help="keep these files on this side of every split (a dataset's own train/test split)")
    p.set_defaults(func=do_import)

    p = sub.add_parser("stats", help="counts and durations per class, with warnings",
                       description="Show files, groups and durations per class and warn about problems.")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.set_defaults(func=do_stats)

    p = sub.add_parser("split", help="train/validation/test split by recording -> splits.json",
                       description="Split by group (recording, speaker, session), stratified by class.")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--seed", type=int, help="random seed (default: training.seed)")
    p.set_defaults(func=do_split)

    p = sub.add_parser("synth", help="fill data/ with the template's synthetic set",
                       description="Write the template's synthetic data set (deterministic for a seed).")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    amount = p.add_mutually_exclusive_group()
    amount.add_argument("--count", type=int, help="files per class")
    amount.add_argument("--seconds", type=float, help="seconds of data per class (audio, IMU)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--force", action="store_true", help="write even if data/ already has samples")
    p.set_defaults(func=do_synth)


def _usage(parser):
    parser.print_help(sys.stderr)
    return 2


def _mapping(items):
    mapping = {}
    for item in items:
        axis, sep, column = item.partition("=")
        if not sep or not axis.strip() or not column.strip():
            raise MidgeError(f"--map {item!r} is not AXIS=COLUMN", hint="e.g. --map ax=accX")
        mapping[axis.strip()] = column.strip()
    return mapping


def do_import(args):
    """Import SOURCEs into the project; print a summary and warnings."""
    project = load_project(args.dir)
    options = importer.Options(label=args.label, cut=args.cut, group=args.group,
                               mapping=_mapping(args.map), skip_bad=args.skip_bad, units=args.units,
                               split=args.split, boxes=args.boxes)
    with _progress("importing") as bar:
        task = bar.add_task("import", total=None)
        report = importer.import_sources(project, args.sources, options,
                                         progress=lambda n: bar.advance(task, n))
    for message, paths in report.warnings.items():
        shown = ", ".join(p.name for p in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        _warn(f"{message}: {len(paths)} file{'s' if len(paths) != 1 else ''} ({shown})")
    line = f"imported {report.imported} source file(s) into {report.written} file(s)"
    if report.cut:
        line += f"; cut {report.cut} long recording(s) into windows, dropping {report.dropped_seconds:.1f} s of tails"
    if report.skipped:
        line += f"; skipped {report.skipped} already imported"
    print(line)
    return 0


def _seconds(value):
    return "-" if value is None else f"{value:.2f}"


def do_stats(args):
    """Print the per-class table and warnings."""
    project = load_project(args.dir)
    with _progress("reading") as bar:
        task = bar.add_task("stats", total=None)
        result = stats.compute(project, progress=lambda n: bar.advance(task, n))
    timed = project.sensor != "camera"
    table = Table(box=box.SIMPLE_HEAD, header_style="bold",
                  title=f"{project.name}: {result.files} files in {project.data_dir}")
    table.add_column("label")
    table.add_column("files", justify="right")
    table.add_column("groups", justify="right")
    if timed:
        for header in ("seconds", "shortest", "longest", "rate Hz"):
            table.add_column(header, justify="right")
    for c in result.classes:
        row = [escape(c.label), str(c.files), str(c.groups)]
        if timed:
            rates = ", ".join(f"{r:g}" for r in sorted(c.rates)) or "-"
            row += [f"{c.seconds:.1f}", _seconds(c.shortest), _seconds(c.longest), rates]
        table.add_row(*row)
    table_console().print(table)
    if result.objects:
        print("objects (boxes): " + ", ".join(f"{label} {n}" for label, n in result.objects.items()))
    for message in result.warnings:
        _warn(message)
    return 0


def do_split(args):
    """Split by group and write splits.json; print counts per side."""
    project = load_project(args.dir)
    result = split.make_split(project, seed=args.seed)
    split.write_split(project, result)
    counts = result.counts(project.labels)
    table = Table(box=box.SIMPLE_HEAD, header_style="bold",
                  title=f"{project.splits_path} (seed {result.seed})")
    table.add_column("label")
    for side in counts:
        table.add_column(side, justify="right")
    for label in project.labels:
        table.add_row(escape(label), *(str(counts[side][label]) for side in counts))
    table.add_row("groups", *(str(len(result.groups[side])) for side in counts), style="dim")
    table_console().print(table)
    return 0


def do_synth(args):
    """Write the synthetic set and say where it went."""
    project = load_project(args.dir)
    with _progress("synthesizing") as bar:
        task = bar.add_task("synth", total=None)
        counts = synth.synthesize(project, count=args.count, seconds=args.seconds, seed=args.seed,
                                  force=args.force, progress=lambda n: bar.advance(task, n),
                                  total=lambda n: bar.update(task, total=n))
    listed = ", ".join(f"{label} {n}" for label, n in counts.items())
    print(f"wrote {sum(counts.values())} synthetic files to {project.data_dir} ({listed}); "
          f"see {project.data_dir / 'SYNTHETIC.md'}")
    return 0
