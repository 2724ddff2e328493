"""`midge profile DIR [--board B ...] [--strict]`: flash, RAM and estimated
latency of the quantized model on boards (``midge_host.train.profile``)."""

from rich.console import Console
from rich.table import Table

from midge_host.errors import MidgeError
from midge_host.project import load_project


def register(subparsers):
    """Add `midge profile` to the CLI's sub-parsers."""
    p = subparsers.add_parser("profile", help="will the model fit a board, and how fast will it run?",
                              description="The heap the deployed app needs (found by bisection on a 32-bit "
                                          "MicroPython with the board's code: ARM Thumb under qemu-arm for "
                                          "Cortex-M boards, i386 otherwise; replaying a clip) against each board's, the deployed "
                                          "files against its flash, and latency per window from the cost model "
                                          "in docs/training.md.")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--board", action="append", metavar="B",
                   help="board profile name (repeatable; default: the project's board)")
    p.add_argument("--clip", metavar="FILE",
                   help="recording the app replays while measured (default: the first test recording)")
    p.add_argument("--strict", action="store_true", help="exit 1 when the model does not fit a board")
    p.set_defaults(func=handler)


def _ms(v):
    return "-" if v is None else f"{v:,.1f} ms"


def _kib(v):
    return "-" if v is None else f"{v / 1024:,.0f} KiB"


def handler(args):
    """Profile; print a table per board (and the Edge Impulse reference for the mosquito model)."""
    project = load_project(args.dir)
    from midge_host.commands.ui import progress
    from midge_host.train.profile import profile
    with progress("bisecting the heap the deployed app needs") as bar:
        task = bar.add_task("heap", total=None, info="")
        doc = profile(project, args.board or [project.board], args.clip,
                      progress=lambda: bar.advance(task, 1))
    parts = doc["in_use"]
    cm = doc["cost_model"]
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    table = Table(title=f"{project.name}: model {doc['model_bytes']:,} B, tensor arena {doc['arena_bytes']:,} B "
                        f"(activations), {doc['macs']:,} MACs")
    for col in ("board", "core", "deployed files / flash", "heap needed / heap", "headroom", "latency / window",
                "real-time factor", "verdict"):
        table.add_column(col, justify="left" if col in ("board", "core", "verdict") else "right")
    for b in doc["boards"]:
        clock = f" @ {b['clock_hz'] / 1e6:g} MHz" if b["clock_hz"] else ""
        flash = f" / {_kib(b['board_flash_bytes'])}" if b["board_flash_bytes"] else ""
        table.add_row(b["board"], b["core"] + clock, _kib(b["files_bytes"]["total"]) + flash,
                      f"{_kib(b['ram_bytes'])} / {_kib(b['heap_bytes'])}", f"{b['headroom']:.0%}",
                      _ms(b["latency_ms"]), "-" if b["rtf"] is None else f"{b['rtf']:.3f}", b["verdict"])
    ref = doc.get("reference", {}).get("edge_impulse_mosquito")
    if ref:
        lat = ", ".join(f"{v} ms on {k}" for k, v in ref["latency_ms"].items())
        table.add_row("Edge Impulse (reference)", "int8 mosquito model, C++", _kib(ref["flash_bytes"]),
                      _kib(ref["ram_bytes"]), "-", lat, "-", "published")
    console.print(table)
    for h in doc["heaps"]:
        what = (f"runs {h['windows']} windows of {h['clip']}" if h["run_bytes"] else "loads")
        print(f"heap: the smallest in which the deployed app {what}, found by bisection on the "
              f"{h['measured_with']}: {h['run_bytes'] or h['load_bytes']:,} B; loading alone peaks at "
              f"{h['load_bytes']:,} B.")
    print("A board fits with 15 % of its heap to spare.")
    if parts:
        window = ("frames and feature rows" if parts["streaming"] else
                  "camera frame" if doc["window_samples"] == 0 else "window of samples")
        model = (f"the model file {parts['model_held']:,} B" if parts["weights"] == "ram" else
                 f"the largest op's weights {parts['model_held']:,} B (the rest of the {parts['model_file']:,} B "
                 f"model file stays in flash)")
        print(f"held once loaded: {parts['total']:,} B: {model}, the tensor arena {parts['arena']:,} B "
              f"(activations), the {window} {parts['window']:,} B, and {parts['rest']:,} B of midge's code, "
              f"per-op and feature tables and objects")
    for b in doc["boards"]:
        if b["latency_ms"] is not None:
            print(f"latency estimate, {b['board']}: {doc['macs']:,} MACs x {b['cycles_per_mac']:.2f} cycles/MAC "
                  f"({b['mac_basis']}) + {doc['window_samples']:,} samples x {cm['instr_per_sample']:.0f} "
                  f"instr/sample x CPI {b['cpi']}, at {b['clock_hz'] / 1e6:g} MHz")
    print(f"x64 viper figures from {cm['source']}; method in docs/training.md")
    bad = [b for b in doc["boards"] if b["verdict"] != "fits"]
    for b in bad:
        print(f"midge: {b['board']}: {b['verdict']}: {'; '.join(b['reasons'])}")
    if bad and args.strict:
        raise MidgeError(f"the model does not fit {', '.join(b['board'] for b in bad)}",
                         hint="use a smaller model ([model.params]), fewer features, or a bigger board")
    return 0
