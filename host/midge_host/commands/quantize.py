"""`midge quantize DIR`: the trained model -> int8 model.tflite, labels.txt,
meta.json, vectors.bin and model_card.md in DIR/build/ (``midge_host.train.quantize``)."""

from midge_host.commands.ui import add_verbose, quiet_tensorflow, say
from midge_host.extras import require_tensorflow
from midge_host.project import load_project


def register(subparsers):
    """Add `midge quantize` to the CLI's sub-parsers."""
    p = subparsers.add_parser("quantize", help="convert the trained model to int8 for the board",
                              description="Full-integer int8 conversion with a representative set from the "
                                          "training data; refuses ops midge's interpreter lacks.")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    add_verbose(p)
    p.set_defaults(func=handler)


def handler(args):
    """Quantize; print what was written."""
    require_tensorflow("quantize")
    project = load_project(args.dir)
    from midge_host.train.quantize import quantize
    with quiet_tensorflow(args.verbose):
        meta = quantize(project, say=say)
    build = project.dir / "build"
    size = (build / "model.tflite").stat().st_size
    extra = f", anomaly threshold {meta['anomaly']['threshold']:.4g} (mse_int)" if "anomaly" in meta else ""
    print(f"int8 model: {size:,} bytes, input {meta['input']['shape']} scale {meta['input']['scale']:g} "
          f"zero point {meta['input']['zero_point']}{extra}")
    print(f"wrote {build}/model.tflite, labels.txt, meta.json, vectors.bin, model_card.md")
    return 0
