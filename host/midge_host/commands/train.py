"""`midge train DIR`: features -> a Keras model, with early stopping.

Writes DIR/build/model.keras, training.json and curves.png
(``midge_host.train.train``). TensorFlow is imported inside the handler.
"""

from midge_host.commands.ui import add_verbose, progress, quiet_tensorflow, say
from midge_host.extras import require_tensorflow
from midge_host.project import load_project


def register(subparsers):
    """Add `midge train` to the CLI's sub-parsers."""
    p = subparsers.add_parser("train", help="train the project's model on its data",
                              description="Extract features (bit-exact with the board), then train the "
                                          "model from [model] with the [training] settings.")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    add_verbose(p)
    p.set_defaults(func=handler)


def handler(args):
    """Train; print a one-line summary."""
    require_tensorflow("train")
    project = load_project(args.dir)
    from midge_host.train.train import train
    with quiet_tensorflow(args.verbose), progress("training") as bar:
        task = bar.add_task("train", total=project.training["epochs"], info="")

        def epoch(done, total, logs):
            info = "  ".join(f"{k} {v:.4f}" for k, v in logs.items() if "loss" in k or "acc" in k)
            bar.update(task, completed=done, info=info)
        record = train(project, say=say, epoch=epoch)
    best = record["best_epoch"] - 1
    hist = record["history"]
    shown = "  ".join(f"{k} {v[best]:.4f}" for k, v in hist.items())
    print(f"trained {record['model']} ({record['parameters']:,} parameters) on "
          f"{sum(record['counts']['train'].values())} windows: {record['epochs_run']} epochs in "
          f"{record['seconds']:.1f} s, best epoch {record['best_epoch']}: {shown}")
    print(f"wrote {project.dir / 'build' / 'model.keras'}, training.json, curves.png")
    return 0
