"""Bounding boxes imported from Edge Impulse, Pascal VOC and YOLO labels: the same
boxes from each format, and bad input named by file and box."""

import json

import numpy as np
import pytest
from PIL import Image

from midge_host.dataset.boxes import Box, detect_format, read_boxes
from midge_host.errors import MidgeError

W, H = 160, 120
# (image, [(label, x, y, w, h)]) in pixels; the second image is a background example
TRUTH = [("a.png", [("cat", 10, 20, 30, 40), ("dog", 100, 60, 50, 50)]), ("b.png", [])]
CLASSES = ["cat", "dog"]


def _images(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, _ in TRUTH:
        Image.fromarray(np.zeros((H, W), np.uint8)).save(folder / name)


def write_edge_impulse(folder):
    _images(folder)
    doc = {"version": 1, "type": "bounding-box-labels",
           "boundingBoxes": {name: [{"label": l, "x": x, "y": y, "width": w, "height": h}
                                    for l, x, y, w, h in boxes] for name, boxes in TRUTH}}
    (folder / "bounding_boxes.labels").write_text(json.dumps(doc))


def write_voc(folder):
    _images(folder)
    for name, boxes in TRUTH:
        objects = "".join(f"<object><name>{l}</name><bndbox><xmin>{x + 1}</xmin><ymin>{y + 1}</ymin>"
                          f"<xmax>{x + w}</xmax><ymax>{y + h}</ymax></bndbox></object>" for l, x, y, w, h in boxes)
        (folder / name).with_suffix(".xml").write_text(
            f"<annotation><filename>{name}</filename><size><width>{W}</width><height>{H}</height>"
            f"</size>{objects}</annotation>")


def write_yolo(folder, names_file="classes.txt"):
    _images(folder)
    if names_file == "data.yaml":
        (folder / "data.yaml").write_text("path: .\nnames:\n  0: cat\n  1: dog\nnc: 2\n")
    else:
        (folder / names_file).write_text("\n".join(CLASSES) + "\n")
    for name, boxes in TRUTH:
        lines = [f"{CLASSES.index(l)} {(x + w / 2) / W:.6f} {(y + h / 2) / H:.6f} {w / W:.6f} {h / H:.6f}"
                 for l, x, y, w, h in boxes]
        (folder / name).with_suffix(".txt").write_text("\n".join(lines) + "\n")


WRITERS = {"edge-impulse": write_edge_impulse, "voc": write_voc, "yolo": write_yolo}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_every_format_gives_the_same_boxes(fmt, tmp_path):
    WRITERS[fmt](tmp_path)
    assert detect_format(tmp_path) == fmt
    items = read_boxes(tmp_path)
    assert [(i.image.name, i.width, i.height, i.boxes) for i in items] == [
        (name, W, H, [Box(*b) for b in boxes]) for name, boxes in TRUTH]


def test_yolo_names_from_data_yaml_inline_and_block(tmp_path):
    write_yolo(tmp_path / "map", "data.yaml")
    assert read_boxes(tmp_path / "map")[0].boxes[1].label == "dog"
    write_yolo(tmp_path / "inline", "classes.txt")
    (tmp_path / "inline/classes.txt").unlink()
    (tmp_path / "inline/data.yaml").write_text("names: ['cat', 'dog']  # two\n")
    assert read_boxes(tmp_path / "inline")[0].boxes[0].label == "cat"
    write_yolo(tmp_path / "block", "classes.txt")
    (tmp_path / "block/classes.txt").unlink()
    (tmp_path / "block/data.yaml").write_text("names:\n  - cat\n  - dog\n")
    assert [b.label for b in read_boxes(tmp_path / "block")[0].boxes] == ["cat", "dog"]


def test_boxes_are_clipped_to_the_image(tmp_path):
    write_edge_impulse(tmp_path)
    doc = json.loads((tmp_path / "bounding_boxes.labels").read_text())
    doc["boundingBoxes"]["a.png"] = [{"label": "cat", "x": -5, "y": 100, "width": 20, "height": 40}]
    (tmp_path / "bounding_boxes.labels").write_text(json.dumps(doc))
    assert read_boxes(tmp_path)[0].boxes == [Box("cat", 0, 100, 15, 20)]


def _edit(path, old, new):
    path.write_text(path.read_text().replace(old, new, 1))


BAD = [
    ("edge-impulse", lambda d: _edit(d / "bounding_boxes.labels", '"y": 60', '"y": "sixty"'),
     r"bounding_boxes.labels: a.png: box 1: y is 'sixty', not a number"),
    ("edge-impulse", lambda d: _edit(d / "bounding_boxes.labels", '"label": "cat"', '"label": ""'),
     r"bounding_boxes.labels: a.png: box 0: the box has no label"),
    ("edge-impulse", lambda d: (d / "b.png").unlink(), r"bounding_boxes.labels: b.png: image b.png not found"),
    ("voc", lambda d: _edit(d / "a.xml", "<xmax>40</xmax>", "<xmax>5</xmax>"),
     r"a.xml: object 0: the box \(10, 20\)-\(5, 60\) has no area inside the 160x120 image"),
    ("voc", lambda d: (d / "a.xml").write_text((d / "a.xml").read_text().replace("bndbox", "box")),
     r"a.xml: object 0: no <bndbox>"),
    ("voc", lambda d: _edit(d / "a.xml", "</annotation>", ""), r"a.xml: not XML"),
    ("yolo", lambda d: _edit(d / "a.txt", "1 ", "7 "), r"a.txt: line 2: class '7' is not one of the 2 classes"),
    ("yolo", lambda d: _edit(d / "a.txt", "0 ", "0 1.5 "), r"a.txt: line 1: expected 'class cx cy w h'"),
    ("yolo", lambda d: (d / "classes.txt").unlink(), r"YOLO labels need their class names"),
]


@pytest.mark.parametrize("fmt, damage, message", BAD, ids=[m for _, _, m in BAD])
def test_bad_labels_name_the_file_and_box(fmt, damage, message, tmp_path):
    WRITERS[fmt](tmp_path)
    damage(tmp_path)
    with pytest.raises(MidgeError, match=message):
        read_boxes(tmp_path, fmt)


def test_a_folder_without_labels_says_which_formats_it_reads(tmp_path):
    _images(tmp_path)
    with pytest.raises(MidgeError, match="no bounding boxes found"):
        detect_format(tmp_path)


def test_the_project_s_box_store_round_trips_and_names_a_bad_entry(tmp_path):
    from midge_host.dataset.boxes import STORE, dominant, load_store, save_store
    assert load_store(tmp_path) == {}  # no boxes yet: every image is background
    boxes = {"circle/b.png": [Box("circle", 1, 2, 10, 11), Box("square", 30, 0, 8, 8)], "square/a.png": []}
    save_store(tmp_path, boxes)
    assert load_store(tmp_path) == boxes
    assert len((tmp_path / STORE).read_text().splitlines()) == 4  # one image per line
    labels = ["background", "circle", "square"]
    assert dominant(boxes["circle/b.png"], labels) == "circle"  # a tie goes to the first label
    assert dominant([], labels) == "background"
    doc = json.loads((tmp_path / STORE).read_text())
    doc["boxes"]["circle/b.png"][1] = ["square", 30, 0, 0, 8]
    (tmp_path / STORE).write_text(json.dumps(doc))
    with pytest.raises(MidgeError, match=r"circle/b.png: box 1 is not \[label, x, y, w, h\]"):
        load_store(tmp_path)
    (tmp_path / STORE).write_text("{")
    with pytest.raises(MidgeError, match="not JSON"):
        load_store(tmp_path)


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_import_into_a_detection_project_crops_the_boxes_with_the_image(fmt, tmp_path):
    # 160x120 -> the centre 120x120 -> 96x96: x - 20, then x 0.8; a box the crop cuts is clipped
    from midge_host.dataset.boxes import load_store
    from midge_host.dataset.importer import Options, import_sources
    from midge_host.project import create_project, load_project
    create_project(tmp_path / "p", "objects", ['labels=["background", "cat", "dog"]'])
    project = load_project(tmp_path / "p")
    WRITERS[fmt](tmp_path / "labelled")
    report = import_sources(project, [tmp_path / "labelled"], Options())
    assert report.imported == 2 and sorted(report.warnings) == ["resized 160x120 to 96x96"]
    assert load_store(project.data_dir) == {"cat/a.png": [Box("cat", 0, 16, 16, 32), Box("dog", 64, 48, 32, 40)]}
    assert (project.data_dir / "background/b.png").is_file()  # no boxes: a background example
    assert import_sources(project, [tmp_path / "labelled"], Options()).skipped == 2  # nothing twice


def test_import_refuses_a_box_of_a_class_the_project_lacks(tmp_path):
    from midge_host.dataset.importer import Options, import_sources
    from midge_host.project import create_project, load_project
    create_project(tmp_path / "p", "objects", ['labels=["background", "cat"]'])
    write_voc(tmp_path / "labelled")
    with pytest.raises(MidgeError, match=r"a.png: box 1 is labelled 'dog', not one of the project's classes \(cat\)"):
        import_sources(load_project(tmp_path / "p"), [tmp_path / "labelled"], Options())


def test_stats_count_the_boxes_and_name_images_that_need_them(tmp_path):
    from midge_host.dataset.boxes import save_store
    from midge_host.dataset.stats import compute
    from midge_host.project import create_project, load_project
    create_project(tmp_path / "p", "objects", ['labels=["background", "cat", "dog"]'])
    project = load_project(tmp_path / "p")
    for name in ("cat/a.png", "dog/b.png", "background/c.png"):
        (project.data_dir / name).parent.mkdir(exist_ok=True)
        Image.fromarray(np.zeros((96, 96), np.uint8)).save(project.data_dir / name)
    save_store(project.data_dir, {"cat/a.png": [Box("cat", 1, 1, 9, 9), Box("cat", 40, 40, 9, 9)],
                                  "cat/gone.png": [Box("cat", 1, 1, 9, 9)]})
    result = compute(project)
    assert result.objects == {"cat": 3, "dog": 0}
    text = "\n".join(result.warnings)
    assert "boxes.json has boxes for 1 image not in data/, e.g. cat/gone.png" in text
    assert "images in class folders without boxes (they train as background): 1, e.g. dog/b.png" in text
    assert "classes without a single box: dog" in text
