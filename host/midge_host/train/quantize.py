"""`midge quantize`: the trained Keras model -> a full-integer int8 .tflite and
the artifacts the board loads (``artifacts``).

Contract: ``quantize(project, say=print) -> dict`` (the meta.json written).

- Full-integer int8 (TFLITE_BUILTINS_INT8, int8 input and output) via
  ``model.export`` (a signature with batch 1, so no shape arithmetic is left
  in the graph) + ``TFLiteConverter.from_saved_model`` with a representative
  set of up to REPRESENTATIVE training windows (seeded).
- **Input contract**: the board writes the extractor's int8 output straight
  into the model's input, so the int8 input values must be the feature values:
  the converted model is the trained one without its ``Rescaling(1/128)``
  (``zoo.build(..., int8_input=False)``, same weights, fed the values / 128),
  so its input quantization is scale 1/128, zero point 0, and no MUL op
  rescales the input on the board. The representative set spans the full int8
  range (one training window with an element set to -128 and one to 127), and
  the result is checked: anything else is a MidgeError, never a silent rescale.
- Anomaly models must also have an int8 output of scale 1/128 and zero point
  0 (tanh), so ``mse_int`` compares input and reconstruction on one grid.
- Every op must run on midge's interpreter (checked with midge's own reader,
  ``modelinfo.describe``); otherwise a MidgeError names the op and nothing is
  written.
- Anomaly threshold: ``threshold_percentile`` of ``mse_int`` over the normal
  validation windows (training windows without a validation side) under TFLM.
- vectors.bin: up to VECTORS test windows (classes in turn) with their host
  features and TFLM outputs.
"""

import tempfile
from pathlib import Path

import numpy as np

from midge_host.batch import run as run_engine, specs
from midge_host.errors import MidgeError
from midge_host.files import write_atomic
from midge_host.modelinfo import describe
from midge_host.train import artifacts, data, zoo
from midge_host.train.scores import mse_int
from midge_host.train.train import load_record

REPRESENTATIVE = 300
VECTORS = 5
INPUT = (1 / 128, 0)
SOFTMAX_OUTPUT = (1 / 256, -128)
TANH_OUTPUT = (1 / 128, 0)


def unit_input_twin(project, model):
    """``model`` without its input Rescaling(1/128): the same weights, taking values / 128."""
    twin = zoo.build(project.model["name"], project.model["params"], tuple(model.input.shape[1:]),
                     model.output.shape[-1], project.task, int8_input=False)
    twin.set_weights(model.get_weights())
    return twin


def convert(model, samples):
    """int8 .tflite bytes of Keras ``model`` calibrated on float32 ``samples``."""
    import tensorflow as tf
    with tempfile.TemporaryDirectory(prefix="midge-export-") as tmp:
        # a fixed batch of 1 in the signature: the converter folds the shape arithmetic
        # Keras' Flatten / Reshape emit (SHAPE, STRIDED_SLICE, PACK) into constants
        spec = tf.TensorSpec((1,) + tuple(model.input.shape[1:]), tf.float32)
        model.export(tmp, verbose=False, input_signature=[spec])
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([x[None]] for x in samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        return converter.convert()


def representative(x, seed):
    """Up to REPRESENTATIVE windows of int8 features ``x`` as float32, the first
    a copy holding -128 and 127 so the input range is exactly the int8 grid."""
    rng = np.random.default_rng(seed)
    pick = rng.permutation(len(x))[:REPRESENTATIVE]
    samples = x[pick].astype(np.float32)
    full = samples[0].copy().reshape(-1)
    full[0], full[-1] = -128.0, 127.0
    return np.concatenate([full.reshape((1,) + samples.shape[1:]), samples])


def check_model(path, task):
    """(input Spec, output Spec) after checking ops and quantization; MidgeError otherwise."""
    info = describe(path, tflm_arena=False)
    for op in info["ops"]:
        if not op["supported"]:
            raise MidgeError(f"the converted model uses {op['name']} v{op['version']} (operator "
                             f"{op['index']}), which midge's interpreter does not run: {op['reason']}",
                             hint="use a zoo architecture or layers whose ops docs/interpreter.md lists")
    inputs, outputs = specs(path)
    if len(inputs) != 1 or len(outputs) != 1:
        raise MidgeError(f"the converted model has {len(inputs)} inputs and {len(outputs)} outputs; "
                         "midge models have one of each")
    inp, out = inputs[0], outputs[0]
    if inp.dtype != np.int8 or (inp.scale, inp.zero_point) != INPUT:
        raise MidgeError(f"the converted model's input is {np.dtype(inp.dtype).name} with scale "
                         f"{inp.scale!r}, zero point {inp.zero_point}; the feature contract needs int8, "
                         "scale 1/128, zero point 0 (the extractor's int8 values fed unchanged)",
                         hint="this is a bug in midge's conversion; please report it")
    want = TANH_OUTPUT if task == "anomaly" else SOFTMAX_OUTPUT
    if (out.scale, out.zero_point) != want:
        raise MidgeError(f"the converted model's output has scale {out.scale!r}, zero point "
                         f"{out.zero_point}; expected {want[0]!r}, {want[1]} "
                         f"({'tanh' if task == 'anomaly' else 'softmax'} output)")
    return inp, out


def _vector_picks(side, count):
    order = []
    by_class = [list(np.nonzero(side.y == k)[0]) for k in sorted(set(side.y.tolist()))]
    while len(order) < min(count, len(side)):
        for members in by_class:
            if members and len(order) < count:
                order.append(members.pop(0))
    return order


def quantize(project, say=print):
    """Quantize and write the artifacts (see the module docstring)."""
    record = load_record(project)
    import keras
    build = data.build_dir(project)
    model = keras.models.load_model(build / "model.keras")
    split = data.ensure_split(project, say)
    config = record["feature_config"]
    train = data.load_side(project, split, "train", config)
    trained = [project.labels.index(lb) for lb in record["trained_labels"]]
    train_x = train.x[np.isin(train.y, trained)]
    blob = convert(unit_input_twin(project, model), representative(train_x, project.training["seed"]) / 128)
    with tempfile.TemporaryDirectory(prefix="midge-quantize-") as tmp:
        candidate = Path(tmp) / "model.tflite"
        candidate.write_bytes(blob)
        inp, out = check_model(candidate, project.task)
        write_atomic(build / "model.tflite", blob)
    path = build / "model.tflite"
    threshold = None
    if project.task == "anomaly":
        ref = data.load_side(project, split, "validation", config) if "validation" in split["sides"] else train
        ref_x = ref.x[np.isin(ref.y, trained)]
        (recon,) = run_engine("tflm", path, [ref_x.reshape((len(ref_x),) + inp.shape)], [out])
        pct = zoo.resolve(project.model["name"], project.model["params"])["threshold_percentile"]
        threshold = float(np.percentile(mse_int(ref_x, recon), pct))
    test = data.load_side(project, split, "test", config) if "test" in split["sides"] else train
    picks = _vector_picks(test, VECTORS)
    vx = test.x[picks]
    (vy,) = run_engine("tflm", path, [vx.reshape((len(vx),) + inp.shape)], [out])
    if project.sensor == "camera":
        windows = vx.reshape(len(picks), -1).astype(np.int16) + 128  # the pixels (midge.dsp.image: x = pixel - 128)
    else:
        windows = np.stack([data.read_window(project, test.files[i]) for i in picks])
    artifacts.write_vectors(build / "vectors.bin", windows, vx, vy)
    write_atomic(build / "labels.txt", "".join(f"{lb}\n" for lb in project.labels))
    synthetic = (project.data_dir / "SYNTHETIC.md").is_file()
    doc = artifacts.meta(project, config, inp, out, threshold, synthetic)
    artifacts.write_json(build / "meta.json", doc)
    artifacts.write_model_card(project)
    return doc
