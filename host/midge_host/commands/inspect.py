"""`midge inspect MODEL.tflite [--json] [--no-tflm]`: what a model holds and costs.

Prints the inputs and outputs (shape, type, scale, zero point), one row per op (version,
MACs, whether midge runs it), total MACs, weight bytes, and the arena midge's planner
needs next to the one TFLite-Micro needs (measured; ``--no-tflm`` skips that search).
``--json`` prints ``midge_host.modelinfo.describe``'s dict instead.
"""

import json

from rich import box
from rich.console import Console
from rich.table import Table

from midge_host.modelinfo import describe, model_path

PIPE_WIDTH = 160


def register(subparsers):
    """Add `midge inspect` to the CLI's sub-parsers."""
    parser = subparsers.add_parser(
        "inspect", help="show a .tflite model's tensors, ops, MACs and memory",
        description="Show a .tflite model's inputs, outputs and ops, its MACs, weight bytes, "
                    "and the arena midge and TFLite-Micro need; say which ops midge runs.")
    parser.add_argument("model", metavar="MODEL", help="a .tflite file")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--no-tflm", action="store_true",
                        help="skip measuring TFLite-Micro's arena (a search of a few seconds)")
    parser.set_defaults(func=handler)


def handler(args):
    """Print the report (or JSON); return 0 (errors are MidgeErrors)."""
    info = describe(model_path(args.model), tflm_arena=not args.no_tflm)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    console = Console()
    if not console.is_terminal:
        console = Console(width=PIPE_WIDTH)
    console.print(f"[bold]{info['model']}[/] ({info['bytes']:,} bytes)", highlight=False)
    console.print(_tensors(info))
    console.print(_ops(info))
    console.print(_summary(info))
    return 0


def _quant(t):
    if t["scale"] is None:
        return "-", "-"
    return f"{t['scale']:.6g}", str(t["zero_point"])


def _tensors(info):
    table = Table(box=box.SIMPLE_HEAD, header_style="bold")
    for header, justify in (("", "left"), ("name", "left"), ("shape", "left"), ("type", "left"),
                            ("scale", "right"), ("zero point", "right")):
        table.add_column(header, justify=justify)
    for kind in ("inputs", "outputs"):
        for k, t in enumerate(info[kind]):
            table.add_row(f"{kind[:-1]} {k}", t["name"], "x".join(map(str, t["shape"])) or "scalar",
                          t["type"], *_quant(t))
    return table


def _ops(info):
    table = Table(box=box.SIMPLE_HEAD, header_style="bold")
    for header, justify in (("#", "right"), ("op", "left"), ("version", "right"), ("MACs", "right"),
                            ("midge", "left")):
        table.add_column(header, justify=justify)
    for op in info["ops"]:
        status = "[green]yes[/]" if op["supported"] else f"[red]no[/]: {op['reason']}"
        table.add_row(str(op["index"]), op["name"], str(op["version"]), f"{op['macs']:,}", status)
    return table


def _summary(info):
    table = Table(box=None, show_header=False)
    table.add_column(justify="left", style="bold")
    table.add_column(justify="right")
    tflm = info["arena"]["tflm"]
    table.add_row("MACs", f"{info['macs']:,}")
    table.add_row("weight bytes", f"{info['weight_bytes']:,}")
    midge = info["arena"]["midge"]
    table.add_row("arena, midge", "- (an op is not supported)" if midge is None else f"{midge:,} bytes")
    table.add_row("arena, TFLite-Micro", "-" if tflm is None else f"{tflm:,} bytes (with its tensor structs)")
    table.add_row("midge runs it", "[green]yes[/]" if info["supported"] else "[red]no[/]")
    return table
