"""`midge models [NAME] [--json]`: the ready-to-deploy models midge ships.

With no NAME: a table of every model (task, what it reports, its board, size, test
score, the heap the app needs on its board). With NAME: that model's card.
``--json`` prints the same for scripts. Deploy one with `midge deploy --model NAME`.
"""

import json

from rich import box
from rich.markdown import Markdown
from rich.table import Table

from midge_host.commands.ui import table_console
from midge_host.models import HEADER, find_model, list_models, rows


def register(subparsers):
    parser = subparsers.add_parser(
        "models", help="list the ready-to-deploy models, or show one's card",
        description="List the models midge ships (trained by midge on synthetic data), or show one's "
                    "model card. Deploy one with `midge deploy --model NAME --port P`.")
    parser.add_argument("name", nargs="?", metavar="NAME", help="a model name, e.g. kws")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.set_defaults(func=handler)


def _doc(model):
    return {"name": model.name, "folder": str(model.folder), "task": model.meta["task"],
            "sensor": model.meta["sensor"], "labels": model.meta["labels"], "board": model.board,
            "synthetic": model.meta["synthetic"], "model_bytes": model.model_bytes, "score": model.score(),
            "boards": [dict(zip(("board", "ram_bytes", "heap_bytes", "verdict"), fit)) for fit in model.fit()]}


def handler(args):
    if args.name:
        model = find_model(args.name)
        if args.json:
            print(json.dumps(_doc(model), indent=2))
        else:
            console = table_console()
            console.print(Markdown((model.folder / "model_card.md").read_text(encoding="utf-8")))
            console.print(f"\nfiles: {model.folder}\ndeploy: midge deploy --model {model.name} --port PORT",
                          highlight=False)
        return 0
    models = list_models()
    if args.json:
        print(json.dumps([_doc(m) for m in models], indent=2))
        return 0
    table = Table(box=box.SIMPLE_HEAD)
    for title in HEADER:
        table.add_column(title, overflow="fold")
    for row in rows(models):
        table.add_row(*row)
    console = table_console()
    console.print(table)
    console.print("deploy one: midge deploy --model NAME --port PORT [--board B]", highlight=False)
    return 0
