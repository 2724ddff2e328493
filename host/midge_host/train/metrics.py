"""Classification and anomaly metrics in numpy (no scikit-learn).

- ``classification(y_true, y_pred, labels) -> dict``: accuracy, the confusion
  matrix (rows true, columns predicted) and per-class precision, recall, F1
  and support. A class never predicted has precision 0; never present, recall 0.
- ``roc(y_true, scores) -> (fpr, tpr, auc)``: ROC over every threshold
  (``y_true`` 1 = anomaly, higher score = more anomalous); AUC by the
  trapezoid rule, ties handled by grouping equal scores.
"""

import numpy as np


def classification(y_true, y_pred, labels):
    """Metrics dict (see the module docstring)."""
    n = len(labels)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    per_class = {}
    for k, label in enumerate(labels):
        tp = int(matrix[k, k])
        predicted = int(matrix[:, k].sum())
        actual = int(matrix[k, :].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
    total = int(matrix.sum())
    return {"accuracy": float(np.trace(matrix) / total) if total else 0.0,
            "confusion": matrix.tolist(), "labels": list(labels), "per_class": per_class,
            "count": total}


def roc(y_true, scores):
    """(fpr, tpr, auc) arrays/float (see the module docstring)."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[last]
    fp = np.cumsum(~y)[last]
    tpr = np.r_[0.0, tp / max(1, y.sum())]
    fpr = np.r_[0.0, fp / max(1, (~y).sum())]
    return fpr, tpr, float(np.trapezoid(tpr, fpr))
