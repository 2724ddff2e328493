"""Model outputs turned into decisions: class predictions and anomaly scores.

The anomaly score ``mse_int`` is defined on the int8 model input ``x`` (the
features) and the int8 reconstruction ``r`` (the model's output, scale 1/128,
zero point 0, so on the same grid as ``x``), both of ``n`` values:

    mse_int = (sum over i of (x[i] - r[i])**2) // n        (integer floor division)

A window is anomalous when ``mse_int > threshold``. The float model's score is
the same formula on real numbers, ``mean((x - 128 * y)**2)`` for its tanh
output ``y``, so both live in the same units.
"""

import numpy as np


def mse_int(x, r):
    """mse_int per row of int8 arrays ``x`` (inputs) and ``r`` (reconstructions)."""
    x = np.asarray(x).reshape(len(x), -1).astype(np.int64)
    r = np.asarray(r).reshape(len(r), -1).astype(np.int64)
    return ((x - r) ** 2).sum(axis=1) // x.shape[1]


def float_scores(model, x):
    """The float autoencoder's score per sample of int8 features ``x``."""
    y = model.predict(x.astype(np.float32), batch_size=64, verbose=0)
    flat = x.reshape(len(x), -1).astype(np.float64)
    return ((flat - 128.0 * y.reshape(len(y), -1)) ** 2).mean(axis=1)
