"""`midge pull DIR --port P`: fetch the detection log and clips from a board into DIR/pulled/.

Resumable (partial files continue where they stopped) and atomic (each file is checked
against the board's sha256 before it appears). The log's records are CRC-checked and
decoded into DIR/pulled/detections.csv; a torn tail (power cut mid-write) is reported.
"""

from pathlib import Path

from midge_host.commands._board import add_port_options
from midge_host.errors import MidgeError


def register(subparsers):
    parser = subparsers.add_parser(
        "pull", help="fetch the detection log and clips from a board",
        description="Copy the app's detection log and clips into DIR/pulled/, resumably, and decode the log.")
    parser.add_argument("project", metavar="DIR", help="the project folder")
    add_port_options(parser)
    parser.set_defaults(func=handler)


def handler(args):
    from rich.console import Console

    from midge_host.deploy.pull import pull

    if not Path(args.project).is_dir():
        raise MidgeError(f"project folder {args.project} not found")
    console = Console(stderr=True)
    try:
        counts = pull(args.port, args.transport, args.root, Path(args.project) / "pulled")
    except OSError as err:
        raise MidgeError(str(err), hint="run `midge pull` again: it resumes") from None
    console.print(f"{counts['fetched']} files fetched ({counts['bytes']} bytes), {counts['skipped']} already "
                  f"here; log: {counts['records']} records", highlight=False)
    if counts.get("csv"):
        console.print(f"detections decoded to {counts['csv']}", highlight=False)
    if counts["torn_bytes"]:
        console.print(f"[yellow]log: {counts['torn_bytes']} bytes outside valid records "
                      "(a torn tail from a power cut or reset; the records before it are intact)")
    return 0
