"""`midge eval DIR`: float, int8 (TFLM) and device-pipeline metrics on the test
split; DIR/build/report.md, metrics.json and plots (``midge_host.train.evaluate``)."""

from rich.console import Console
from rich.table import Table

from midge_host.commands.ui import add_verbose, progress, quiet_tensorflow, say
from midge_host.extras import require_tensorflow
from midge_host.project import load_project


def register(subparsers):
    """Add `midge eval` to the CLI's sub-parsers."""
    p = subparsers.add_parser("eval", help="evaluate float, int8 and device pipeline on the test split",
                              description="Accuracy, per-class precision/recall/F1 and confusion matrices "
                                          "for the float model, the int8 model under TFLM and the device "
                                          "pipeline (which must equal TFLM exactly).")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    add_verbose(p)
    p.set_defaults(func=handler)


def handler(args):
    """Evaluate; print a table."""
    require_tensorflow("eval")
    project = load_project(args.dir)
    from midge_host.train.evaluate import ENGINES, evaluate
    with quiet_tensorflow(args.verbose), progress("device pipeline") as bar:
        task = bar.add_task("device", total=None, info="")
        doc = evaluate(project, say=say, progress=lambda done: bar.update(task, completed=done))
    anomaly = project.task == "anomaly"
    detection = project.task == "detection"
    table = Table(title=f"{project.name}: {doc['count']} test {'images' if detection else 'windows'}")
    columns = ("precision", "recall", "F1") if detection else ("accuracy", "AUC" if anomaly else "macro F1")
    for col in ("engine",) + columns:
        table.add_column(col, justify="left" if col == "engine" else "right")
    for name in ENGINES:
        m = doc["engines"][name]
        if detection:
            table.add_row(name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
        else:
            table.add_row(name, f"{100 * m['accuracy']:.2f} %", f"{m['auc' if anomaly else 'macro_f1']:.4f}")
    console = Console()
    (console if console.is_terminal else Console(width=200)).print(table)
    print("device pipeline equals int8 TFLM on every test window (features and outputs)")
    print(f"wrote {project.dir / 'build' / 'report.md'}, metrics.json")
    return 0
