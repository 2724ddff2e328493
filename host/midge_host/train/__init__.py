"""Training, quantization, evaluation and profiling of a project's model.

Modules (each states its contract in its docstring; docs/training.md is the
user guide, docs/artifacts.md the artifact format):

- ``data``: splits.json, raw windows and cached int8 features per side;
- ``zoo``: the Keras architectures; ``train``: `midge train`;
- ``quantize``: `midge quantize` (int8 .tflite + artifacts); ``artifacts``:
  meta.json, vectors.bin, labels.txt, model_card.md;
- ``pipeline``: the device pipeline under the unix port; ``evaluate``:
  `midge eval`; ``metrics``, ``scores``, ``plots``: its pieces;
- ``profile``: `midge profile` (memory and the latency cost model).

TensorFlow is imported only inside the functions that need it.
"""
