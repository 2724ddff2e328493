"""`midge infer MODEL.tflite --input X.npy --output Y.npy [--engine ENGINE] [--quantize]`.

Runs N samples through the model and saves the outputs: ``micropython`` (default) runs
midge's device interpreter under the unix port, ``cpython`` the same code in-process,
``tflm`` the TFLite-Micro runtime; the three agree bit for bit.

Inputs: one .npy per model input (``--input`` repeated, in order) or one .npz (arrays
named after the inputs, else taken in order). Each holds N samples, each of the input's
shape, that shape less a leading batch dimension of 1, or flat. Integer inputs need
arrays of their exact type; ``--quantize`` quantizes float arrays with the input's scale
and zero point. Output: a .npy of shape (N,) + the output's shape less a leading batch
dimension of 1, or a .npz holding every output (required for several outputs).
"""

import zipfile
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress

from midge_host import batch
from midge_host.errors import MidgeError
from midge_host.modelinfo import model_path


def register(subparsers):
    """Add `midge infer` to the CLI's sub-parsers."""
    parser = subparsers.add_parser(
        "infer", help="run a batch of inputs through a model",
        description="Run N samples through a .tflite model with midge (unix port or CPython) "
                    "or TFLite-Micro, and save the outputs.")
    parser.add_argument("model", metavar="MODEL", help="a .tflite file")
    parser.add_argument("--input", "-i", action="append", required=True, metavar="X.npy",
                        help="N samples of a model input (.npy; repeat per input), or one .npz")
    parser.add_argument("--output", "-o", required=True, metavar="Y.npy",
                        help="where to save the outputs (.npy, or .npz for every output)")
    parser.add_argument("--engine", choices=batch.ENGINES, default="micropython",
                        help="what runs the model (default: micropython, the unix port)")
    parser.add_argument("--quantize", action="store_true",
                        help="quantize float inputs with the input's scale and zero point")
    parser.set_defaults(func=handler)


def handler(args):
    """Run the batch and save it; return 0 (errors are MidgeErrors)."""
    path = model_path(args.model)
    inputs, outputs = batch.specs(path)
    samples = batch.conform(_read_inputs(args.input, inputs), inputs, quantize=args.quantize)
    target = Path(args.output)
    if target.suffix not in (".npy", ".npz"):
        raise MidgeError(f"output {target} must end in .npy or .npz")
    if target.suffix == ".npy" and len(outputs) != 1:
        raise MidgeError(f"the model has {len(outputs)} outputs; a .npy holds one",
                         hint="give an --output ending in .npz")
    n = len(samples[0]) if samples else 0
    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal or n < 2) as bar:
        task = bar.add_task(f"{args.engine}: {path.name}", total=n)
        results = batch.run(args.engine, path, samples, outputs,
                            progress=lambda done: bar.update(task, completed=done))
    results = [_drop_batch(r) for r in results]
    try:
        if target.suffix == ".npy":
            np.save(target, results[0])
        else:
            np.savez(target, **{spec.name or f"output_{k}": r
                                for k, (spec, r) in enumerate(zip(outputs, results))})
    except OSError as exc:
        raise MidgeError(f"cannot write {target}: {exc.strerror}") from None
    console.print(f"{n} samples through {args.engine}: outputs {[tuple(r.shape) for r in results]} "
                  f"saved to {target}", highlight=False)
    return 0


def _read_inputs(names, inputs):
    """The arrays given: one per .npy, or every array of one .npz (by input name, else in order)."""
    if len(names) == 1 and names[0].endswith(".npz"):
        archive = _load(names[0])
        by_name = [spec.name for spec in inputs]
        keys = by_name if set(by_name) <= set(archive.files) else archive.files
        return [archive[key] for key in keys]
    return [_load(name) for name in names]


def _load(name):
    try:
        return np.load(name, allow_pickle=False)
    except FileNotFoundError:
        raise MidgeError(f"input file not found: {name}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        raise MidgeError(f"cannot read {name}: not a NumPy .npy or .npz file of numbers",
                         hint="save arrays with numpy.save or numpy.savez") from None


def _drop_batch(result):
    """(N, 1, ...) as (N, ...): the batch dimension of 1 of each sample dropped."""
    return result.reshape(result.shape[:1] + result.shape[2:]) if result.ndim > 1 and result.shape[1] == 1 else result
