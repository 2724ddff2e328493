"""`midge profile DIR [--board B ...] [--strict]`: flash, RAM and estimated
latency of the quantized model on boards (``midge_host.train.profile``)."""

from rich.console import Console
from rich.table import Table

from midge_host.errors import MidgeError
from midge_host.project import load_project


def register(subparsers):
    """Add `midge profile` to the CLI's sub-parsers."""
    p = subparsers.add_parser("profile", help="will the model fit a board, and how fast will it run?",
                              description="Model flash, measured RAM (arena, features, interpreter) against "
                                          "the board's heap, and latency per window from the cost model "
                                          "in docs/training.md.")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--board", action="append", metavar="B",
                   help="board profile name (repeatable; default: the project's board)")
    p.add_argument("--strict", action="store_true", help="exit 1 when the model does not fit a board")
    p.set_defaults(func=handler)


def _ms(v):
    return "-" if v is None else f"{v:,.1f} ms"


def handler(args):
    """Profile; print a table per board (and the Edge Impulse reference for the mosquito model)."""
    project = load_project(args.dir)
    from midge_host.train.profile import profile
    doc = profile(project, args.board or [project.board])
    heap = doc["heap"]
    cm = doc["cost_model"]
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    table = Table(title=f"{project.name}: model {doc['model_bytes']:,} B, tensor arena {doc['arena_bytes']:,} B "
                        f"(activations), {doc['macs']:,} MACs")
    for col in ("board", "core", "flash", "RAM / heap", "latency / window", "real-time factor", "verdict"):
        table.add_column(col, justify="left" if col in ("board", "core", "verdict") else "right")
    for b in doc["boards"]:
        clock = f" @ {b['clock_hz'] / 1e6:g} MHz" if b["clock_hz"] else ""
        table.add_row(b["board"], b["core"] + clock, f"{b['flash_bytes']:,} B",
                      f"{b['ram_bytes']:,} / {b['heap_bytes']:,} B", _ms(b["latency_ms"]),
                      "-" if b["rtf"] is None else f"{b['rtf']:.3f}", b["verdict"])
    ref = doc.get("reference", {}).get("edge_impulse_mosquito")
    if ref:
        lat = ", ".join(f"{v} ms on {k}" for k, v in ref["latency_ms"].items())
        table.add_row("Edge Impulse (reference)", "int8 mosquito model, C++", f"{ref['flash_bytes']:,} B",
                      f"{ref['ram_bytes']:,} B", lat, "-", "published")
    console.print(table)
    print(f"RAM: heap in use after loading, measured on the 64-bit unix port (not the deployed app's peak): "
          f"model file {doc['model_bytes']:,} B + interpreter {heap['model'] - doc['model_bytes']:,} B (the "
          f"{doc['arena_bytes']:,} B tensor arena, per-op tables and the op modules' code) + feature tables and "
          f"buffers {heap['features']:,} B + midge code {heap['code']:,} B")
    print(f"latency estimate: {doc['macs']:,} MACs x {cm['instr_per_mac']:.1f} instr/MAC "
          f"(like {cm['bench_model']}) + {doc['window_samples']:,} samples x {cm['instr_per_sample']:.0f} "
          f"instr/sample, x CPI per core / clock; figures from {cm['source']} (docs/training.md)")
    bad = [b for b in doc["boards"] if b["verdict"] != "fits"]
    for b in bad:
        print(f"midge: {b['board']}: {b['verdict']}: {'; '.join(b['reasons'])}")
    if bad and args.strict:
        raise MidgeError(f"the model does not fit {', '.join(b['board'] for b in bad)}",
                         hint="use a smaller model ([model.params]), fewer features, or a bigger board")
    return 0
