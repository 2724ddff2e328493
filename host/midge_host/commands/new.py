"""`midge new DIR --template NAME [--set key=value ...]`: create a project folder.

Writes DIR/midge.toml (the template's settings with the overrides applied and
validated), DIR/README.md, DIR/data/README.md and an empty DIR/data/<label>/
per label. DIR must not exist or be empty. Errors are MidgeErrors.
"""

from midge_host.project import TEMPLATES, create_project


def register(subparsers):
    """Add `midge new` to the CLI's sub-parsers."""
    parser = subparsers.add_parser(
        "new", help="create a project from a template",
        description="Create a project folder (midge.toml, data/, README.md) from a template.")
    parser.add_argument("dir", metavar="DIR", help="the new project folder")
    parser.add_argument("--template", "-t", required=True, choices=TEMPLATES,
                        help="the starting point: " + ", ".join(TEMPLATES))
    parser.add_argument("--set", dest="settings", action="append", default=[],
                        metavar="KEY=VALUE",
                        help="override a setting, e.g. --set training.epochs=5 --set board=pico "
                             "(repeatable; lists as a,b,c)")
    parser.set_defaults(func=handler)


def handler(args):
    """Create the project and say what to do next; return 0."""
    project = create_project(args.dir, args.template, args.settings)
    print(f"created project {project.name} in {project.dir} "
          f"({project.template}: {project.task}, {project.sensor}, board {project.board})")
    print(f"labels: {', '.join(project.labels)}")
    own = (f"`midge data import {args.dir} FOLDER` for images labelled with boxes (docs/vision.md)"
           if project.task == "detection" else f"`midge data import {args.dir} SOURCE --label LABEL` for recordings")
    print(f"next: `midge data synth {args.dir}` for a synthetic set, or {own}")
    return 0
