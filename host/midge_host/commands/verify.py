"""`midge verify --port P`: run the deployed test vectors on the board, bit for bit.

The board runs each vector's raw window through its own feature code and engine and
compares the int8 model input and output with what the host computed; the table shows
per-vector latency (time.ticks_us on the board) and the board's free heap. Exit 1 on any
mismatch.
"""

from midge_host.commands._board import add_port_options


def register(subparsers):
    parser = subparsers.add_parser(
        "verify", help="check the deployed model on the board against its test vectors",
        description="Run vectors.bin through the board's features and model; compare bit for bit.")
    add_port_options(parser)
    parser.set_defaults(func=handler)


def report(result, console):
    """Print the verify table; return 0 if every vector matched, else 1."""
    from rich.table import Table

    table = Table(title="on-board verify")
    for col in ("vector", "features", "model output", "features µs", "model µs"):
        table.add_column(col, justify="right")
    for v in result["vectors"]:
        table.add_row(str(v["i"]), "ok" if v["input_ok"] else f"differs at {v['input_at']}",
                      "ok" if v["output_ok"] else f"differs at {v['output_at']}",
                      str(v["features_us"]), str(v["invoke_us"]))
    console.print(table)
    s = result["summary"]
    console.print(f"{s['vectors'] - s['failed']}/{s['vectors']} vectors bit-exact; heap free {s['heap_free']} "
                  f"bytes, used {s['heap_used']}; worst window {s['features_us_max']} + "
                  f"{s['invoke_us_max']} µs", highlight=False)
    if s["failed"]:
        console.print(f"[red]verify failed: {s['failed']} vector(s) differ from the host's computation")
        return 1
    if s["vectors"] == 0:
        console.print("[red]verify failed: vectors.bin holds no vectors")
        return 1
    return 0


def handler(args):
    from rich.console import Console

    from midge_host.deploy import verify
    return report(verify(args.port, args.transport, args.root), Console())
