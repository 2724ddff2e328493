"""Projects: `midge new` from every template, --set overrides, and load_project's errors."""

import tomllib

import pytest

from midge_host import cli
from midge_host.errors import MidgeError
from midge_host.project import TEMPLATES, create_project, load_project
from midge_host.project.load import FILE_NAME


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_makes_a_valid_project(tmp_path, template, capsys):
    code, out, err = run_cli(capsys, "new", tmp_path / "p", "--template", template)
    assert code == 0, err
    project = load_project(tmp_path / "p")
    assert project.template == template and project.name == "p"
    assert (tmp_path / "p" / "README.md").is_file()
    assert "<group>__<name>" in (tmp_path / "p" / "data" / "README.md").read_text()
    for label in project.labels:
        assert (project.data_dir / label).is_dir()
    assert "created project p" in out


def test_expected_template_settings(tmp_path):
    mosquito = create_project(tmp_path / "m", "mosquito")
    assert mosquito.feature_config() == {
        "kind": "spectrogram", "frame_ms": 25, "stride_ms": 12.5, "fft_length": 128,
        "noise_floor_db": -52, "pre_emphasis": 0.0, "sample_rate": 16000, "window_ms": 1000}
    assert mosquito.window_samples == 16000 and mosquito.stride_samples == 8000
    kws = create_project(tmp_path / "k", "kws")
    assert kws.features == {"kind": "micro_speech"} and kws.model["name"] == "tiny_conv"
    motion = create_project(tmp_path / "mo", "motion")
    assert motion.feature_config()["axes"] == 6 and motion.sensor == "imu"
    anomaly = create_project(tmp_path / "a", "anomaly")
    assert anomaly.task == "anomaly" and anomaly.normal_label == "normal"
    person = create_project(tmp_path / "pe", "person")
    assert (person.input["width"], person.input["height"]) == (96, 96)


def test_written_toml_round_trips_with_comments(tmp_path):
    project = create_project(tmp_path / "p", "rainfall", ["model.params.dropout=0.5"])
    text = project.path.read_text()
    assert "# most passes over the training data" in text
    data = tomllib.loads(text)
    assert data["model"]["params"]["dropout"] == 0.5
    assert data["features"]["kind"] == "mfe"


def test_set_overrides_with_types(tmp_path):
    project = create_project(tmp_path / "p", "mosquito", [
        "training.epochs=5", "board=pico", "features.pre_emphasis=0.97",
        "labels=a,b,c", "quiet_labels=a", "model.params.filters=[8, 16]", "training.learning_rate=1e-4",
        "input.window_ms=500"])
    assert project.training["epochs"] == 5 and project.board == "pico"
    assert project.features["pre_emphasis"] == 0.97
    assert project.labels == ("a", "b", "c") and project.quiet_labels == ("a",)
    assert project.model["params"]["filters"] == [8, 16]
    assert project.training["learning_rate"] == 1e-4
    assert project.window_samples == 8000


@pytest.mark.parametrize("setting, message", [
    ("trainig.epochs=5", "unknown setting"),
    ("training.epochs=five", "must be an integer"),
    ("training.epochs=2.5", "must be an integer"),
    ("training.epochs=0", "must be >= 1"),
    ("board=pica", "unknown board 'pica'"),
    ("labels=a,b", "quiet_labels: 'background' is not one of labels"),
    ("features.fft_length=100", "features: FFT length must be one of"),
    ("training.validation_fraction=0.9", "below 1"),
    ("input.window_ms=0.01", "whole number of samples"),
    ("task=regression", "must be one of"),
    ("epochs", "is not key=value"),
])
def test_set_errors_are_clear(tmp_path, capsys, setting, message):
    code, _, err = run_cli(capsys, "new", tmp_path / "p", "--template", "mosquito", "--set", setting)
    assert code == 1
    assert message in err
    assert not (tmp_path / "p").exists(), "nothing is written when validation fails"


def test_unknown_setting_suggests_close_match(tmp_path, capsys):
    code, _, err = run_cli(capsys, "new", tmp_path / "p", "-t", "kws", "--set", "trainig.epochs=5")
    assert code == 1 and "did you mean training.epochs" in err


def test_new_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "keep.txt").write_text("mine")
    code, _, err = run_cli(capsys, "new", tmp_path / "p", "-t", "kws")
    assert code == 1 and "not an empty folder" in err
    assert (tmp_path / "p" / "keep.txt").read_text() == "mine"


def _rewrite(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("old, new, message", [
    ('epochs = 60\n', "", "training.epochs: missing key"),
    ("epochs = 60", 'epochs = "60"', "training.epochs: must be an integer, got '60'"),
    ('board = "xiao_esp32s3_sense"', 'board = "nosuchboard"', "board: unknown board 'nosuchboard'"),
    ("batch_size = 32", "batch_size = 32\nbatchsize = 3", "training.batchsize: unknown key (did you mean"),
    ('kind = "spectrogram"', 'kind = "motion"', "a microphone project uses"),
    ("fft_length = 128", "fft_length = 128\nsample_rate = 8000", "features.sample_rate: comes from input"),
    ('labels = ["', 'labels = ["bad label", "', "is not a usable folder name"),
    ("sample_rate = 16000", "sample_rate = [1]", "input.sample_rate: must be an integer"),
    ('name = "mosquito_cnn1d"', 'name = "resnet"', "model.name: must be one of"),
    ("epochs = 60", "epochs = = 60", "not valid TOML"),
])
def test_load_project_errors_name_file_and_key(tmp_path, old, new, message):
    create_project(tmp_path / "p", "mosquito")
    _rewrite(tmp_path / "p" / FILE_NAME, old, new)
    with pytest.raises(MidgeError) as err:
        load_project(tmp_path / "p")
    assert message in err.value.message
    assert str(tmp_path / "p" / FILE_NAME) in err.value.message


def test_load_project_without_midge_toml(tmp_path):
    with pytest.raises(MidgeError, match="is not a midge project") as err:
        load_project(tmp_path)
    assert "midge new" in err.value.hint


def test_load_project_accepts_the_toml_path(tmp_path):
    create_project(tmp_path / "p", "person")
    assert load_project(tmp_path / "p" / FILE_NAME).dir == tmp_path / "p"


def test_anomaly_needs_its_normal_label(tmp_path):
    create_project(tmp_path / "p", "anomaly")
    _rewrite(tmp_path / "p" / FILE_NAME, 'normal_label = "normal"', 'normal_label = "healthy"')
    with pytest.raises(MidgeError, match="normal_label: 'healthy' is not one of labels"):
        load_project(tmp_path / "p")


def test_changing_the_model_takes_that_models_parameters(tmp_path, capsys):
    project = create_project(tmp_path / "p", "motion", ["model.name=frame_cnn", "model.params.context=5"])
    assert project.model == {"name": "frame_cnn", "params": {"filters": [16, 16], "context": 5, "dropout": 0.2,
                                                            "label_smoothing": 0.1}}
    code, _, err = run_cli(capsys, "new", tmp_path / "q", "-t", "motion", "--set", "model.params.hidden=8",
                           "--set", "model.name=mlp")
    assert code == 0, err
    assert load_project(tmp_path / "q").model["params"]["hidden"] == [8]


def test_a_bad_model_parameter_is_an_error_of_every_command(tmp_path, capsys):
    create_project(tmp_path / "p", "motion")
    path = tmp_path / "p" / FILE_NAME
    path.write_text(path.read_text().replace("[model.params]", "[model.params]\nkernel_size = 3"))
    code, _, err = run_cli(capsys, "data", "stats", tmp_path / "p")
    assert code == 1 and "model.params.kernel_size: not a parameter of mlp" in err, err


def test_the_readme_follows_the_settings(tmp_path):
    create_project(tmp_path / "p", "motion", ["input.window_ms=1000", "model.name=frame_cnn", "board=pico"])
    readme = (tmp_path / "p" / "README.md").read_text()
    assert "1000 ms every 500 ms at 100 Hz (100 samples)" in readme
    assert "`frame_cnn` (filters [16, 16], context 3" in readme and "`pico`" in readme
    assert "`motion`" in readme and ": 1 x 66 int8" in readme


def test_a_band_above_nyquist_says_so(tmp_path):
    with pytest.raises(MidgeError) as err:
        create_project(tmp_path / "p", "motion", ["input.sample_rate=10", "input.window_ms=6000",
                                                  "input.stride_ms=1000"])
    assert "band 8.0..16.0 Hz lies above sample_rate / 2 (5.0 Hz)" in str(err.value)
    assert "longer fft_length" not in str(err.value)
