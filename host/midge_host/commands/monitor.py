"""`midge monitor --port P [--seconds S] [--plot] [--attach]`: watch the app on a board.

Shows a live table of the app's JSON lines: the current top label and score, smoothed
detections and their count per label (a detection model: objects, with their centroids), window rate, real-time factor, dropped samples and free heap. `--plot` draws
scores and heap live (matplotlib), or, without a display, saves a PNG when done.
"""

import os

from midge_host.commands._board import add_port_options


def register(subparsers):
    parser = subparsers.add_parser(
        "monitor", help="watch predictions, detections, window rate and heap on a board",
        description="Run the deployed app and show its status and detections live.")
    add_port_options(parser)
    parser.add_argument("--seconds", "-s", type=float, default=30.0, help="how long to watch (default 30)")
    parser.add_argument("--attach", action="store_true",
                        help="listen to the app already running from main.py instead of restarting it")
    parser.add_argument("--plot", action="store_true", help="plot scores and heap (live, or a PNG when headless)")
    parser.add_argument("--png", default="monitor.png", help="where --plot saves its PNG headless (default monitor.png)")
    parser.set_defaults(func=handler)


def _table(state):
    from rich.table import Table

    table = Table(title=f"midge monitor: {state.get('name') or 'app'}")
    table.add_column("what")
    table.add_column("value", justify="right")
    s = state.get("status", {})
    for key, label in (("top", "top label"), ("score", "score (0-255)"), ("windows", "windows"),
                       ("rate", "windows / s"), ("rtf", "real-time factor"), ("dropped", "dropped frames"),
                       ("gaps", "gaps"), ("heap_free", "heap free (bytes)"), ("heap_used", "heap used (bytes)")):
        table.add_row(label, str(s.get(key, "-")))
    table.add_row("detections", str(len(state["detections"])))
    counts = {}
    for d in state["detections"]:
        counts[d["label"]] = counts.get(d["label"], 0) + 1
    for label, n in counts.items():
        table.add_row(f"  {label}", str(n))
    for d in state["detections"][-8:]:
        where = f" at ({d['x']}, {d['y']})" if "x" in d else ""  # a detection model's object
        table.add_row(f"  t={d['t'] / 1000:.2f} s", f"{d['label']} ({d['score']}){where}")
    return table


def _plot(records, path, live=None):
    import matplotlib.pyplot as plt

    status = [r for r in records if r.get("ev") in ("status", "end")]
    dets = [r for r in records if r.get("ev") == "det"]
    fig = live or plt.figure(figsize=(9, 5))
    fig.clf()
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.plot([r["t"] / 1000 for r in status], [r.get("score", 0) for r in status], label="top score")
    for d in dets:
        top.axvline(d["t"] / 1000, color="tab:red", alpha=0.4)
        top.annotate(d["label"], (d["t"] / 1000, 250), fontsize=7, rotation=90, va="top")
    top.set_ylim(0, 256)
    top.set_ylabel("score (0-255)")
    bottom.plot([r["t"] / 1000 for r in status], [r.get("heap_free", 0) for r in status], label="heap free")
    bottom.set_ylabel("heap free (bytes)")
    bottom.set_xlabel("stream time (s)")
    if live is None:
        fig.savefig(path, dpi=100)
        plt.close(fig)
    else:
        plt.pause(0.01)


def handler(args):
    from rich.console import Console
    from rich.live import Live

    from midge_host.deploy.monitor import watch

    console = Console()
    state = {"detections": [], "status": {}, "name": None}
    interactive = args.plot and bool(os.environ.get("DISPLAY"))
    records = []
    figure = None
    if interactive:
        import matplotlib.pyplot as plt
        plt.ion()
        figure = plt.figure(figsize=(9, 5))

    with Live(_table(state), console=console, refresh_per_second=4, transient=False) as live:
        def on_record(record):
            records.append(record)
            ev = record.get("ev")
            if ev == "start":
                state["name"] = record.get("name")
            elif ev == "det":
                state["detections"].append(record)
            elif ev in ("status", "end"):
                state["status"] = record
                if figure is not None:
                    _plot(records, None, figure)
            live.update(_table(state))

        summary = watch(args.port, args.transport, args.seconds, args.root, args.attach, on_record)
    for line in summary.other[-5:]:
        console.print(line, style="dim", highlight=False, markup=False)
    if args.plot and not interactive:
        _plot(records, args.png)
        console.print(f"plot saved to {args.png}")
    if summary.ended:
        console.print("the app ended (its replay finished)")
    return 0
