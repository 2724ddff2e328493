"""`midge deploy DIR --port P [--board B] [--replay FILE]`: put a built project on a board;
`midge deploy --model NAME --port P`: one of midge's ready models (`midge models`) instead.

Asks the board what it is and refuses one the project's build cannot run on, checks
midge.json and builds the app's pipeline on the host, then cross-compiles the device
package for the board's mpy arch and pushes it with the model files, midge.json and
main.py (changed files only, atomically, resumable after an interruption), then runs
`midge verify` on the board. A ready model on an emulated board replays the model's
sample recording unless --replay names another. See docs/deploy.md.
"""

import json

from midge_host.commands._board import add_port_options
from midge_host.errors import MidgeError


def register(subparsers):
    parser = subparsers.add_parser(
        "deploy", help="push a built project to a board and verify it",
        description="Cross-compile midge for the board, push it with the model atomically "
                    "(unchanged files skipped, interrupted deploys resumed), then verify on the board.")
    parser.add_argument("project", metavar="DIR", nargs="?", help="the project folder (its build/ holds the model)")
    parser.add_argument("--model", "-m", metavar="NAME",
                        help="deploy one of midge's ready models (`midge models`) instead of a project")
    add_port_options(parser)
    parser.add_argument("--board", "-b", help="board profile (`midge boards`; default: the project's board)")
    parser.add_argument("--replay", metavar="FILE",
                        help="a recording the app replays as its sensor (needed on sim): a WAV/CSV, or for a "
                             "camera model an image, a folder of images or a .pgm image recording")
    parser.add_argument("--fast", action="store_true",
                        help="replay as fast as possible instead of in real time")
    parser.add_argument("--config", metavar="JSON", help="midge.json keys to set, e.g. '{\"watchdog_ms\": 8000}'")
    parser.add_argument("--no-verify", action="store_true", help="skip the on-board verify")
    parser.set_defaults(func=handler)


def handler(args):
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from midge_host.commands.verify import report
    from midge_host.deploy import deploy, verify

    project, sample = _source(args)
    overrides = None
    if args.config:
        try:
            overrides = json.loads(args.config)
        except ValueError as err:
            raise MidgeError(f"--config is not JSON: {err}") from None
        if not isinstance(overrides, dict):
            raise MidgeError("--config must be a JSON object")
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=console,
                  transient=True, disable=not console.is_terminal) as bar:
        tasks = {}

        def progress(event, item, done):
            if item.path not in tasks:
                tasks[item.path] = bar.add_task(item.path, total=len(item.data))
            bar.update(tasks[item.path], completed=done)

        counts = deploy(project, args.port, args.board, args.transport, args.replay, not args.fast,
                        args.root, overrides, progress, sample=sample)
    console.print(f"{args.port}: {counts['target'].info.describe()}; deployed for {counts['target'].profile.name}",
                  highlight=False)
    console.print(f"deployed {counts['files']} files ({counts['bytes']} bytes) to {args.port}: "
                  f"{counts['uploaded']} uploaded, {counts['skipped']} unchanged, "
                  f"{counts['resumed']} resumed, {counts['removed']} removed", highlight=False)
    if args.no_verify:
        return 0
    return report(verify(args.port, args.transport, args.root), console)


def _source(args):
    """(the folder to deploy, the recording an emulated board replays by default)."""
    if args.model and args.project:
        raise MidgeError("give a project folder or --model NAME, not both")
    if args.model:
        from midge_host.models import find_model
        model = find_model(args.model)
        return model.folder, model.sample
    if not args.project:
        raise MidgeError("nothing to deploy", hint="give a project folder, or --model NAME (`midge models`)")
    return args.project, None
