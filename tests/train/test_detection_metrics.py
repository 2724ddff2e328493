"""Object detection scoring on the host (midge_host.train.detection): training
targets from boxes, and centroid precision / recall / F1 with each box matched
once, on hand-made cases whose answers are counted by hand."""

import numpy as np
import pytest

from midge_host.dataset.boxes import Box, save_store
from midge_host.errors import MidgeError
from midge_host.project import create_project, load_project
from midge_host.train import detection

LABELS = ["background", "circle", "square"]


def test_a_centroid_in_a_box_of_its_class_counts_once_the_rest_are_errors():
    boxes = [[Box("circle", 0, 0, 16, 16), Box("square", 40, 40, 20, 20), Box("circle", 70, 0, 10, 10)], []]
    objects = [[(1, 8, 8, 90),     # circle in the circle box: TP
                (1, 9, 9, 10),     # a second circle in the same box: FP (the box is taken), row "no box"
                (1, 50, 50, 30)],  # a circle in the square box: FP, confusion square -> circle
               [(2, 5, 5, 50)]]    # a square on an empty image: FP, confusion (no box) -> square
    m = detection.score(objects, boxes, LABELS)
    # square box and second circle box missed: FN 2; TP 1, FP 3
    assert (m["precision"], m["recall"]) == (0.25, pytest.approx(1 / 3))
    assert m["f1"] == pytest.approx(2 * 0.25 * (1 / 3) / (0.25 + 1 / 3))
    assert m["confusion"] == [[0, 1, 1], [1, 1, 0], [1, 1, 0]]  # rows: true box; columns: detected
    assert m["classes"]["circle"] == {"tp": 1, "fp": 2, "fn": 1, "f1": pytest.approx(0.4)}
    assert detection.score([[]], [[]], LABELS)["f1"] == 1.0  # nothing to find, nothing found


def test_targets_mark_the_cell_of_each_box_centre_and_refuse_unknown_labels(tmp_path):
    create_project(tmp_path / "p", "objects")
    project = load_project(tmp_path / "p")
    data = project.data_dir
    files = [data / "circle/a.png", data / "background/b.png"]
    save_store(data, {"circle/a.png": [Box("circle", 0, 0, 16, 16), Box("square", 90, 88, 6, 8)]})
    found, cells = detection.targets(project, files)
    assert cells.shape == (2, 12, 12) and found[1] == []
    assert cells[0, 1, 1] == project.labels.index("circle") and cells[0, 11, 11] == project.labels.index("square")
    assert np.count_nonzero(cells) == 2
    assert detection.weights(cells, 10)[0, 1, 1] == 10 and detection.weights(cells, 10)[0, 0, 0] == 1
    save_store(data, {"circle/a.png": [Box("bolt", 0, 0, 16, 16)]})
    with pytest.raises(MidgeError, match="circle/a.png: box label 'bolt' is not one of the project's classes"):
        detection.targets(project, files)


def test_float_probabilities_go_on_the_int8_output_grid():
    assert detection.to_int8([0.0, 0.5, 0.6, 1.0]).tolist() == [-128, 0, 26, 127]
