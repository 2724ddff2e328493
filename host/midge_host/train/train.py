"""`midge train`: features -> a Keras model from the zoo, trained with early stopping.

Contract: ``train(project, say=print, epoch=None) -> dict`` (the training
record, also written to ``build/training.json``).

- Uses splits.json (made first when missing), features through the host path
  (``data.load_side``), labels in midge.toml order. Motion features with
  "output": "int32" get an int8 map fitted on the training windows
  (``data.int8_map``); the config with the map is the record's
  ``feature_config``, which quantize, eval and the board use.
- Classification trains on every class of the train side; an empty class is a
  MidgeError. Anomaly trains the autoencoder on the normal class only and
  records the float model's threshold (``threshold_percentile`` of the
  normal validation scores; the int8 threshold that ships is chosen again on
  the int8 model by ``quantize``).
- Deterministic for a seed: ``keras.utils.set_random_seed(training.seed)``
  and TensorFlow's deterministic ops.
- Early stopping on validation loss (training loss without a validation side)
  after ``training.patience`` epochs without improvement (0: never), keeping
  the best weights. ``epoch(done, total, logs)`` is called after every epoch.
- A camera project's ``training.augment`` ("flip", "shift") puts Keras'
  random layers before the model while it trains (seeded; a new draw every
  batch); the saved model is the model alone. Detection trains each cell on
  its target class (``train.detection.targets``) with object cells weighted
  by ``model.params.object_weight``; its "flip" adds mirrored copies.
- Writes ``build/model.keras``, ``build/training.json`` and
  ``build/curves.png`` (loss and accuracy per epoch).
"""

import json
import time
from datetime import datetime, timezone

import numpy as np

from midge_host import __version__
from midge_host.files import write_atomic
from midge_host.errors import MidgeError
from midge_host.train import data, plots, zoo
from midge_host.train.scores import float_scores

MIN_TRAIN = 2


def train(project, say=print, epoch=None):
    """Train the project's model (see the module docstring); return the record."""
    params = zoo.resolve(project.model["name"], project.model["params"])
    zoo.check_task(project.model["name"], project.task)
    split = data.ensure_split(project, say)
    trained = _trained_labels(project)
    config = data.base_config(project)
    if config.get("output") == "int32":
        raw = data.load_side(project, split, "train", config)
        data.check_classes(project, raw, trained)
        keep = np.isin(raw.y, [project.labels.index(lb) for lb in trained])
        config = dict(config, int8_map=data.int8_map(raw.x[keep]))
    sides = {s: data.load_side(project, split, s, config) for s in ("train", "validation") if s in split["sides"]}
    for side in sides.values():
        keep = np.isin(side.y, [project.labels.index(lb) for lb in trained])
        side.files = [f for f, k in zip(side.files, keep) if k]
        side.x, side.y = side.x[keep], side.y[keep]
    data.check_classes(project, sides["train"], trained)
    if len(sides["train"]) < MIN_TRAIN:
        raise MidgeError(f"only {len(sides['train'])} training sample(s)",
                         hint="add data (`midge data import` or `midge data synth`)")

    import keras
    import tensorflow as tf
    keras.utils.set_random_seed(project.training["seed"])
    tf.config.experimental.enable_op_determinism()

    shape = data.input_shape(project)
    model = zoo.build(project.model["name"], project.model["params"], shape, len(project.labels),
                      project.task)
    anomaly = project.task == "anomaly"
    smoothing = zoo.label_smoothing(params)
    if anomaly:
        loss, metrics = "mse", []
    elif smoothing:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
        metrics = [keras.metrics.CategoricalAccuracy(name="accuracy")]
    else:
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    augment = project.training.get("augment", ())
    detection = project.task == "detection"
    trainer = model if detection else _augmented(keras, model, shape, augment, project.training["seed"])
    trainer.compile(optimizer=keras.optimizers.Adam(project.training["learning_rate"]), loss=loss, metrics=metrics)
    classes = len(project.labels) if smoothing and not anomaly else 0
    val = sides.get("validation")
    if detection:
        x, y, w = _cells(project, sides["train"], params, augment)
        validation = _cells(project, val, params, ()) if val is not None and len(val) else None
    else:
        x, y = _xy(sides["train"], anomaly, classes)
        w = None
        validation = _xy(val, anomaly, classes) if val is not None and len(val) else None
    monitor = "val_loss" if validation else "loss"
    callbacks = [_EpochCallback(project.training["epochs"], epoch)]
    if project.training["patience"]:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=project.training["patience"],
                                                       restore_best_weights=True))
    started = time.monotonic()
    history = trainer.fit(x, y, sample_weight=w, validation_data=validation, epochs=project.training["epochs"],
                          batch_size=project.training["batch_size"], shuffle=True, verbose=0,
                          callbacks=callbacks)
    seconds = time.monotonic() - started
    out = data.build_dir(project)
    model.save(out / "model.keras")
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    losses = hist[monitor]
    record = {
        "model": project.model["name"], "params": params, "task": project.task,
        "input_shape": list(shape), "labels": list(project.labels), "trained_labels": trained,
        "feature_config": config,
        "counts": {name: _counts(project, side) for name, side in sides.items()},
        "epochs_run": len(losses), "best_epoch": int(np.argmin(losses)) + 1, "monitor": monitor,
        "history": hist, "seconds": round(seconds, 2), "parameters": int(model.count_params()),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "midge_version": __version__,
    }
    if anomaly:
        ref = val if validation else sides["train"]
        scores = float_scores(model, ref.x)
        record["float_threshold"] = float(np.percentile(scores, params["threshold_percentile"]))
        record["threshold_side"] = ref.name
    plots.curves(hist, out / "curves.png", f"{project.name}: {project.model['name']}")
    write_atomic(out / "training.json", json.dumps(record, indent=1) + "\n")
    return record


def _augmented(keras, model, shape, augment, seed):
    """``model`` behind the random layers ``augment`` names (itself when none)."""
    if not augment:
        return model
    from keras import layers
    inputs = keras.Input(shape)
    x = inputs
    if "flip" in augment:
        x = layers.RandomFlip("horizontal", seed=seed, name="augment_flip")(x)
    if "shift" in augment:
        x = layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed, name="augment_shift")(x)
    return keras.Model(inputs, model(x), name="augmented")


def _cells(project, side, params, augment):
    """(images, per-cell targets, per-cell loss weights) of a detection side;
    "flip" in ``augment`` adds every image mirrored, its targets mirrored too
    ("shift" would move objects off their cells: a MidgeError)."""
    from midge_host.train import detection
    if "shift" in augment:
        raise MidgeError("training.augment: shift is for classification; a detection model's targets are "
                         "tied to the cells", hint='use augment = ["flip"] or []')
    _, cells = detection.targets(project, side.files)
    x = side.x.astype(np.float32)
    if "flip" in augment:
        x = np.concatenate([x, x[:, :, ::-1]])
        cells = np.concatenate([cells, cells[:, :, ::-1]])
    return x, cells, detection.weights(cells, params["object_weight"])


def _trained_labels(project):
    return [project.normal_label] if project.task == "anomaly" else list(project.labels)


def _xy(side, anomaly, classes=0):
    """Inputs and targets: the reconstruction target for anomaly, one-hot labels
    when ``classes`` (label smoothing), else the label indices."""
    x = side.x.astype(np.float32)
    if anomaly:
        return x, x.reshape(len(x), -1) / 128.0
    if classes:
        return x, np.eye(classes, dtype=np.float32)[side.y]
    return x, side.y


def _counts(project, side):
    return {label: int(np.sum(side.y == k)) for k, label in enumerate(project.labels)}


def load_record(project):
    """build/training.json, or MidgeError telling the user to train first."""
    path = project.dir / "build" / "training.json"
    if not path.is_file() or not (project.dir / "build" / "model.keras").is_file():
        raise MidgeError(f"{project.dir} has no trained model (build/model.keras)",
                         hint=f"run `midge train {project.dir}` first")
    record = json.loads(path.read_text(encoding="utf-8"))
    trained_config = {k: v for k, v in record["feature_config"].items() if k != "int8_map"}
    if trained_config != data.base_config(project) or record["model"] != project.model["name"]:
        raise MidgeError(f"midge.toml changed since {project.dir}/build/model.keras was trained "
                         "(features or model)", hint=f"run `midge train {project.dir}` again")
    return record


class _EpochCallback:
    """Keras callback adapter calling ``epoch(done, total, logs)`` after each epoch."""

    def __new__(cls, total, epoch):
        import keras

        class Callback(keras.callbacks.Callback):
            def on_epoch_end(self, index, logs=None):
                if epoch:
                    epoch(index + 1, total, dict(logs or {}))
        return Callback()
