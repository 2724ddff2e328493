"""Synthetic data: every template's generator gives the right classes, counts and
formats, is deterministic for a seed, names groups for the split, and its classes
differ the way they should."""

import hashlib
import shutil

import numpy as np
import pytest
from PIL import Image

from midge_host import cli
from midge_host import recordings
from midge_host.dataset import imu, split
from midge_host.dataset.layout import scan
from midge_host.errors import MidgeError
from midge_host.project import TEMPLATES, create_project
from midge_host.synth import synthesize

COUNT = 12  # 3 groups per class: enough to split
needs_espeak = pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")),
                                  reason="espeak-ng and sox are not installed (apt-get install espeak-ng sox)")


def params(templates):
    return [pytest.param(t, marks=needs_espeak) if t == "kws" else t for t in templates]


def digests(project):
    return {p.relative_to(project.data_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(project.data_dir.rglob("*")) if p.is_file() and p.suffix != ".md"}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One synthesized project per template (seed 7), shared by the tests below."""
    root = tmp_path_factory.mktemp("synth")
    cache = {}

    def get(template):
        if template not in cache:
            project = create_project(root / template, template)
            synthesize(project, count=COUNT, seed=7)
            cache[template] = project
        return cache[template]
    return get


@pytest.mark.parametrize("template", params(TEMPLATES))
def test_classes_counts_and_formats(made, template):
    project = made(template)
    by_label = scan(project).by_label(project.labels)
    for label, samples in by_label.items():
        expected = COUNT if template != "anomaly" or label == "normal" else 5
        assert len(samples) == expected, label
        for sample in samples:
            assert "__" in sample.path.name and sample.group == sample.path.name.split("__")[0]
    sample = by_label[project.labels[-1]][0].path
    if project.sensor == "microphone":
        rec = recordings.read(sample)
        assert (rec.rate, len(rec.samples)) == (project.sample_rate, project.window_samples)
    elif project.sensor == "imu":
        trace = imu.read(sample, project.input["columns"])
        assert trace.values.shape == (project.window_samples, len(project.input["columns"]))
        assert trace.rate == pytest.approx(project.sample_rate)
    else:
        with Image.open(sample) as img:
            assert img.size == (96, 96) and img.mode == "L"
    manifest = (project.data_dir / "SYNTHETIC.md").read_text()
    assert "synthetic" in manifest and "| seed | 7 |" in manifest


@pytest.mark.parametrize("template", params(TEMPLATES))
def test_deterministic_for_a_seed(made, tmp_path, template):
    again = create_project(tmp_path / "again", template)
    synthesize(again, count=COUNT, seed=7)
    assert digests(again) == digests(made(template))
    other = create_project(tmp_path / "other", template)
    synthesize(other, count=COUNT, seed=8)
    assert digests(other) != digests(made(template))


@pytest.mark.parametrize("template", params(TEMPLATES))
def test_synthetic_sets_split_by_group(made, template):
    result = split.make_split(made(template))
    owner = {}
    for side, samples in result.files.items():
        for s in samples:
            assert owner.setdefault(s.group, side) == side


def _dominant(path, lo=140, hi=760):
    x = recordings.read(path).samples[:, 0]
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64)))
    freqs = np.fft.rfftfreq(len(x), 1 / 16000)
    band = (freqs >= lo) & (freqs <= hi)
    return freqs[band][np.argmax(spectrum[band])]


def test_mosquito_species_have_distinct_wingbeat_frequencies(tmp_path):
    project = create_project(tmp_path / "m", "mosquito")
    synthesize(project, count=16, seed=1)
    by_label = scan(project).by_label(project.labels)
    median = {label: np.median([_dominant(s.path) for s in by_label[label]])
              for label in ("aedes_aegypti", "aedes_albopictus", "other")}
    assert 450 <= median["aedes_aegypti"] <= 600
    assert 550 <= median["aedes_albopictus"] <= 700
    assert median["aedes_albopictus"] > median["aedes_aegypti"] + 40
    assert median["other"] < 460


@needs_espeak
def test_keywords_are_speech_over_noise(made):
    project = made("kws")
    by_label = scan(project).by_label(project.labels)

    def contrast(path):  # loudest 50 ms frame over the median frame, in dB
        x = recordings.read(path).samples[:, 0]
        frames = x[:len(x) // 800 * 800].astype(np.float64).reshape(-1, 800)
        energy = np.mean(frames ** 2, axis=1) + 1e-9
        return 10 * np.log10(energy.max() / np.median(energy))
    silence = np.median([contrast(s.path) for s in by_label["silence"]])
    for label in ("yes", "no", "unknown"):
        assert np.median([contrast(s.path) for s in by_label[label]]) > silence + 6, label
    voices = {s.group for s in by_label["yes"]}
    assert len(voices) == COUNT and all(v.startswith("en") for v in voices)


def test_motion_classes_move_differently(made):
    project = made("motion")
    per_unit = np.array(imu.scales(project.input))  # int16 counts per m/s^2 or deg/s

    def si(path):
        return imu.read(path, project.input["columns"]).values / per_unit
    spread = {}
    for label, samples in scan(project).by_label(project.labels).items():
        spread[label] = np.median([np.std(si(s.path)[:, 3]) for s in samples])  # deg/s
    assert spread["idle"] < 1 < spread["wave"]
    for sample in scan(project).samples:
        if sample.label not in ("idle", "lift"):
            continue
        accel = si(sample.path)[:, :3]
        assert np.median(np.linalg.norm(accel, axis=1)) == pytest.approx(9.81, abs=2.5)


def test_vibration_imbalance_raises_the_running_speed_component(made):
    project = made("anomaly")

    def radial_rms(path):
        v = imu.read(path, project.input["columns"]).values
        return np.std(v - v.mean(axis=0))
    by_label = scan(project).by_label(project.labels)
    normal = np.median([radial_rms(s.path) for s in by_label["normal"]])
    assert np.median([radial_rms(s.path) for s in by_label["imbalance"]]) > 2 * normal


def test_vibration_faults_show_where_the_features_look(made):
    project = made("anomaly")
    rate = project.sample_rate

    def spectrum(path):  # mean amplitude spectrum over the axes, 1 Hz bins
        v = imu.read(path, project.input["columns"]).values
        return np.abs(np.fft.rfft(v - v.mean(axis=0), axis=0)).mean(axis=1) / len(v)

    by_label = scan(project).by_label(project.labels)
    freqs = np.fft.rfftfreq(rate, 1 / rate)
    band = lambda path, lo, hi: float(np.sum(spectrum(path)[(freqs >= lo) & (freqs < hi)] ** 2))
    median = lambda label, f: float(np.median([f(s.path) for s in by_label[label]]))
    # looseness: harmonics up to 10x (the running speed is 20-35 Hz)
    assert median("looseness", lambda p: band(p, 75, 300)) > 3 * median("normal", lambda p: band(p, 75, 300))
    # bearing: impacts ringing the housing resonance (300-450 Hz)
    assert median("bearing", lambda p: band(p, 300, 500)) > 10 * median("normal", lambda p: band(p, 300, 500))


def test_rain_gets_louder_and_denser_with_intensity(made):
    project = made("rainfall")

    def above_500hz(path):  # where wind and traffic are weak and drops ring
        x = recordings.read(path).samples[:, 0]
        spectrum = np.fft.rfft(x / 32768.0)
        spectrum[np.fft.rfftfreq(len(x), 1 / project.sample_rate) < 500] = 0
        return np.fft.irfft(spectrum, len(x))

    def level(path):  # dBFS
        return 10 * np.log10(np.mean(above_500hz(path) ** 2) + 1e-15)

    def transients(path):  # 10 ms frames 10 dB above the clip's median frame
        energy = np.mean(above_500hz(path).reshape(-1, project.sample_rate // 100) ** 2, axis=1) + 1e-15
        return int(np.sum(energy > 10 * np.median(energy)))
    by_label = scan(project).by_label(project.labels)
    medians = [np.median([level(s.path) for s in by_label[label]]) for label in project.labels]
    assert all(b > a + 6 for a, b in zip(medians, medians[1:])), medians  # no fixed level per clip
    assert (np.median([transients(s.path) for s in by_label["low_rain"]])
            > np.median([transients(s.path) for s in by_label["no_rain"]]) + 3)


def test_refuses_a_filled_data_folder_unless_forced(made, tmp_path):
    project = create_project(tmp_path / "p", "rainfall")
    synthesize(project, count=2, seed=0)
    with pytest.raises(MidgeError, match="already has samples"):
        synthesize(project, count=2, seed=0)
    assert synthesize(project, count=2, seed=0, force=True)["high_rain"] == 2


def test_labels_must_match_the_generator(tmp_path):
    project = create_project(tmp_path / "p", "mosquito", ["labels=a,b", "quiet_labels=a"])
    with pytest.raises(MidgeError, match="synthetic set has classes"):
        synthesize(project, count=2)


def test_cli_seconds_and_count(tmp_path, capsys):
    create_project(tmp_path / "p", "motion")
    assert cli.main(["data", "synth", str(tmp_path / "p"), "--seconds", "4", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "wrote 8 synthetic files" in out  # 2 s windows: 2 per class
    create_project(tmp_path / "q", "person")
    assert cli.main(["data", "synth", str(tmp_path / "q"), "--seconds", "4"]) == 1
    assert "use --count for images" in capsys.readouterr().err
