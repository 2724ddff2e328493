"""The ready models in models/ (tools/build_models.py): every one deploys with
`midge deploy --model NAME` to the emulated board of its own board profile, verifies
bit-exact there and runs its sample recording to the end (`midge monitor`); `midge models`
lists them; models/README.md is the index their files give; and a rebuild of one gives
byte-identical deploy files."""

import importlib.util
import json
import re

import pytest

from midge_host.cli import main
from midge_host.deploy import replay_frames
from midge_host.deploy.artifacts import load_build
from midge_host.models import list_models, rows, write_index
from midge_host.paths import REPO_ROOT, models_dir
from midge_host.recordings import read as read_recording
from midge_host.sim import SimBoard

pytestmark = pytest.mark.slow

NAMES = ("kws", "motion", "anomaly", "mosquito", "rainfall", "person", "objects")


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, f"midge {' '.join(map(str, argv))} failed:\n{out}\n{err}"
    return out, err


def test_every_template_has_a_ready_model():
    models = {m.name: m for m in list_models()}
    assert sorted(models) == sorted(NAMES)
    for name, model in models.items():
        assert model.meta["name"] == name and model.meta["synthetic"] is True
        card = (model.folder / "model_card.md").read_text()
        assert "Trained on SYNTHETIC data" in card and "Metrics (test split)" in card and "Size and board fit" in card
        assert model.metrics["device_equals_tflm"] is True
        assert model.board in [b for b, *_ in model.fit()], "profiled on its own board"
        assert model.sample is not None


def test_models_readme_is_the_index(tmp_path):
    for model in list_models():
        target = tmp_path / model.name
        target.mkdir()
        for path in model.folder.iterdir():
            (target / path.name).write_bytes(path.read_bytes())
    write_index(tmp_path)
    assert (tmp_path / "README.md").read_text() == (models_dir() / "README.md").read_text()


def test_midge_models_lists_and_shows(capsys):
    out, _ = cli(capsys, "models")
    for row in rows(list_models()):
        assert row[0] in out and row[4] in out
    out, _ = cli(capsys, "models", "objects", "--json")
    doc = json.loads(out)
    assert doc["task"] == "detection" and doc["board"] == "openmv_h7_plus"
    assert main(["models", "nonesuch"]) == 1
    assert "choose one of" in capsys.readouterr().err


def _windows(model):
    """Windows the app makes from its sample recording."""
    meta = model.meta
    if meta["sensor"] == "camera":
        return len(replay_frames(load_build(model.folder), model.sample))
    frames = len(read_recording(model.sample).samples)
    return (frames - meta["window_samples"]) // meta["stride_samples"] + 1


@pytest.mark.parametrize("name", NAMES)
def test_ready_model_on_its_emulated_board(name, tmp_path, capsys):
    model = next(m for m in list_models() if m.name == name)
    with SimBoard(board=model.board, flash_dir=tmp_path / "flash") as sim:
        _, err = cli(capsys, "deploy", "--model", name, "--port", sim.port, "--fast")
        assert f"deployed for {model.board}" in err
        done, total = map(int, re.search(r"(\d+)/(\d+) vectors bit-exact", err).groups())
        assert done == total > 0, err
        out, _ = cli(capsys, "monitor", "--port", sim.port, "--seconds", 120)
        assert "the app ended" in out, out
        assert re.search(rf"windows\s+│\s+{_windows(model)}\s+│", out), out


@pytest.mark.parametrize("name", ["person", "objects"])
def test_camera_model_on_the_other_camera_board(name, tmp_path, capsys):
    """The camera models on the XIAO ESP32S3 Sense (deploy --board), its sample replayed to the end."""
    model = next(m for m in list_models() if m.name == name)
    with SimBoard(board="xiao_esp32s3_sense", flash_dir=tmp_path / "flash") as sim:
        _, err = cli(capsys, "deploy", "--model", name, "--board", "xiao_esp32s3_sense", "--port", sim.port, "--fast")
        assert "deployed for xiao_esp32s3_sense" in err
        done, total = map(int, re.search(r"(\d+)/(\d+) vectors bit-exact", err).groups())
        assert done == total > 0, err
        out, _ = cli(capsys, "monitor", "--port", sim.port, "--seconds", 120)
        assert "the app ended" in out and re.search(rf"windows\s+│\s+{_windows(model)}\s+│", out), out


@pytest.mark.skipif(REPO_ROOT is None or importlib.util.find_spec("tensorflow") is None,
                    reason="rebuilding needs a checkout and TensorFlow")
def test_rebuilding_a_model_gives_the_same_bytes(tmp_path):
    """Two rebuilds on one machine give the same deploy files. models/ was built on another
    machine: a CPU's float arithmetic (its SIMD paths) can change the trained weights, and only
    files that follow from them may differ from the shipped ones."""
    spec = importlib.util.spec_from_file_location("build_models", REPO_ROOT / "tools" / "build_models.py")
    build_models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_models)
    first = build_models.build("motion", work=tmp_path / "a", full=False)
    second = build_models.build("motion", work=tmp_path / "b", full=False)
    assert [f for f in build_models.DEPLOY_FILES if (first / f).read_bytes() != (second / f).read_bytes()] == []
    assert set(build_models.differences("motion", first)) <= {"model.tflite", "vectors.bin"}
