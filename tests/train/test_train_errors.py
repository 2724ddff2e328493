"""Bad input gives clear MidgeErrors. (A trained model that does not fit its board: test_templates.py.)"""

import re
import shutil

import numpy as np
import pytest

from midge_host.cli import main
from midge_host import recordings
from midge_host.errors import MidgeError
from midge_host.project import create_project, load_project
from midge_host.synth import synthesize
from midge_host.train import data


def _project(tmp_path, template, count=6, **kw):
    folder = tmp_path / template
    create_project(folder, template, kw.get("settings", ()))
    project = load_project(folder)
    synthesize(project, count=count, seed=3)
    return project


def _windows(project):
    split = data.ensure_split(project, say=lambda _: None)
    return data.load_side(project, split, "train", data.base_config(project))


def test_empty_class(tmp_path):
    project = _project(tmp_path, "mosquito", count=12)
    shutil.rmtree(project.data_dir / "other")
    (project.data_dir / "other").mkdir()
    with pytest.raises(MidgeError, match="class 'other' has no samples"):
        _windows(project)


def test_unreadable_wav(tmp_path):
    project = _project(tmp_path, "mosquito", count=12)
    bad = sorted((project.data_dir / "other").iterdir())[0]
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(MidgeError, match=bad.name):
        data.features(project, [bad], data.base_config(project))


def test_mixed_sample_rates(tmp_path):
    project = _project(tmp_path, "mosquito", count=12)
    odd = sorted((project.data_dir / "other").iterdir())[0]
    odd.write_bytes(recordings.encode_wav(np.zeros(8000, np.int16), 8000))
    with pytest.raises(MidgeError, match="mixed sample rates"):
        data.features(project, [odd], data.base_config(project))


def test_csv_missing_column(tmp_path):
    project = _project(tmp_path, "motion", count=10)
    csv = sorted((project.data_dir / "idle").iterdir())[0]
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n")
    with pytest.raises(MidgeError, match=csv.name):
        data.features(project, [csv], data.base_config(project))


def test_too_little_data_to_split(tmp_path):
    project = _project(tmp_path, "mosquito", count=4)
    with pytest.raises(MidgeError, match="too little data to split"):
        data.ensure_split(project, say=lambda _: None)


def test_quantize_before_train(tmp_path, capsys):
    project = _project(tmp_path, "motion", count=10)
    assert main(["quantize", str(project.dir)]) == 1
    assert "midge train" in capsys.readouterr().err


def test_frame_cnn_parameters():
    from midge_host.train import zoo
    assert zoo.label_smoothing(zoo.resolve("frame_cnn", {})) == 0.1
    assert zoo.label_smoothing(zoo.resolve("ds_cnn", {})) == 0.0
    with pytest.raises(MidgeError, match="model.params.label_smoothing"):
        zoo.label_smoothing(zoo.resolve("frame_cnn", {"label_smoothing": 0.7}))
    with pytest.raises(MidgeError, match="model.params.label_smoothing: not a parameter of ds_cnn"):
        zoo.resolve("ds_cnn", {"label_smoothing": 0.1})
    with pytest.raises(MidgeError, match="model.params.context"):
        zoo.build("frame_cnn", {"context": 60}, (50, 32), 4, "classification")
    model = zoo.build("frame_cnn", {"filters": [8, 4]}, (50, 32), 4, "classification")
    assert model.output_shape == (1, 4) and model.get_layer("conv0").output.shape == (1, 48, 1, 8)


TENSORFLOW_NOISE = r"^([IWE]\d{4} |WARNING: All log messages|.*oneDNN|fully_quantize: )"


@pytest.mark.slow
def test_tensorflow_logs_stay_off_the_terminal_unless_verbose(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    project = _project(tmp_path, "motion", count=15, settings=["training.epochs=2"])
    midge = str(Path(sys.executable).with_name("midge"))
    for command in ("train", "quantize", "eval"):
        proc = subprocess.run([midge, command, str(project.dir)], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        noise = [line for line in proc.stderr.splitlines() if re.match(TENSORFLOW_NOISE, line)]
        assert not noise, (command, noise)
    proc = subprocess.run([midge, "quantize", str(project.dir), "--verbose"], capture_output=True, text=True,
                          timeout=600)
    # which lines TensorFlow prints depends on the CPU (oneDNN's, absl's); the converter's own always comes
    assert proc.returncode == 0 and re.search(TENSORFLOW_NOISE, proc.stderr, re.M), proc.stderr
