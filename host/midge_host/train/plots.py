"""PNG plots for training and evaluation reports (matplotlib, Agg backend).

- ``curves(history, path, title)``: loss (and accuracy) per epoch, train and validation.
- ``confusion(matrix, labels, path, title)``: a confusion matrix with counts.
- ``roc(fpr, tpr, auc, path, title)``: an ROC curve.
- ``detections(images, objects, boxes, labels, path, title)``: grayscale
  images with their true boxes (outlines) and detected objects (a cross at
  the centroid, its label), one colour per class.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def curves(history, path, title):
    """Training curves from a Keras history dict to ``path``."""
    metrics = [m for m in ("loss", "accuracy") if m in history]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        epochs = range(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], label="train")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion(matrix, labels, path, title, axes=("true", "predicted"), columns=None):
    """Confusion matrix (rows: ``axes[0]`` ``labels``, columns: ``axes[1]``
    ``columns`` or ``labels``) to ``path``."""
    n = len(labels)
    fig, ax = plt.subplots(figsize=(1.2 * n + 2.5, 1.1 * n + 2))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), columns or labels, rotation=45, ha="right")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel(axes[1])
    ax.set_ylabel(axes[0])
    top = max(1, int(matrix.max()))
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(int(matrix[i][j])), ha="center", va="center",
                    color="white" if matrix[i][j] > top / 2 else "black")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def roc(fpr, tpr, auc, path, title):
    """ROC curve to ``path``."""
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot(fpr, tpr, label=f"AUC {auc:.3f}")
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def detections(images, objects, boxes, labels, path, title):
    """See the module docstring (``objects``: per image [(class, x, y, score)];
    ``boxes``: per image [Box])."""
    from matplotlib.patches import Rectangle
    colours = plt.get_cmap("tab10")
    cols = min(4, len(images)) or 1
    rows = max(1, -(-len(images) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.8 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, found, truth in zip(axes.flat, images, objects, boxes):
        ax.imshow(img, cmap="gray", vmin=0, vmax=255)
        for b in truth:
            k = labels.index(b.label) if b.label in labels else 0
            ax.add_patch(Rectangle((b.x - 0.5, b.y - 0.5), b.w, b.h, fill=False, lw=1.2, color=colours(k)))
        for k, x, y, _ in found:
            ax.plot([x], [y], "x", color=colours(k), markersize=8, mew=2)
            ax.text(x + 2, y - 2, labels[k], color=colours(k), fontsize=7)
        ax.set_title(f"{len(found)} found, {len(truth)} true", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
