"""Datasets: import (formats, resampling, cutting, CSV/JSON, errors, resuming),
stats and split, through the CLI and the API."""

import json
import struct
import wave

import numpy as np
import pytest
from PIL import Image

from midge_host import cli
from midge_host import recordings
from midge_host.dataset import importer, split, stats, wav
from midge_host.dataset.layout import group_of, scan
from midge_host.dataset.resample import resample
from midge_host.errors import MidgeError
from midge_host.project import create_project


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_pcm(path, samples, rate, width=2):
    """A PCM WAV of integer ``samples`` (frames x channels) with ``width`` bytes per sample."""
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples[:, None]
    if width == 1:
        raw = (samples + 128).astype(np.uint8).tobytes()
    elif width == 3:
        v = samples.astype(np.int32).reshape(-1)
        raw = np.stack([v & 255, (v >> 8) & 255, (v >> 16) & 255], 1).astype(np.uint8).tobytes()
    else:
        raw = samples.astype(f"<i{width}").tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)


def write_float(path, samples, rate):
    """A 32-bit IEEE float mono WAV."""
    data = np.asarray(samples, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def tone(freq, seconds, rate, level=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return level * np.sin(2 * np.pi * freq * t)


@pytest.fixture
def mosquito(tmp_path):
    return create_project(tmp_path / "proj", "mosquito")


@pytest.fixture
def motion(tmp_path):
    return create_project(tmp_path / "motion", "motion")


def files(project, label):
    return sorted(p.name for p in (project.data_dir / label).iterdir())


# -- resampler ----------------------------------------------------------------

def test_resampler_quality_44k1_to_16k():
    rate = 44100
    y = resample(tone(1000, 2, rate), rate, 16000)
    assert len(y) == 32000
    ref = tone(1000, 2, 16000)
    inner = slice(2000, -2000)
    err = np.std(y[inner] - ref[inner]) / np.std(ref[inner])
    assert 20 * np.log10(err) < -90
    alias = resample(tone(9000, 2, rate), rate, 16000)
    assert 20 * np.log10(np.std(alias[inner]) / np.std(ref[inner])) < -90


def test_resampler_keeps_channels_and_identity():
    x = np.random.default_rng(0).standard_normal((1000, 2))
    assert np.array_equal(resample(x, 16000, 16000), x)
    assert resample(x, 8000, 16000).shape == (2000, 2)


# -- import: audio --------------------------------------------------------------

def test_import_44k1_stereo_resampled_and_mixed_down(mosquito, tmp_path, capsys):
    left = tone(550, 1, 44100, 0.4)
    stereo = np.stack([left, left], 1) * 32767
    write_pcm(tmp_path / "src" / "aedes_aegypti" / "a1.wav", stereo.astype(np.int16), 44100)
    code, out, err = run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src")
    assert code == 0, err
    assert "resampled 44100 Hz to 16000 Hz" in err and "mixed 2 channels down to mono" in err
    rec = recordings.read(mosquito.data_dir / "aedes_aegypti" / "a1.wav")
    samples = rec.samples[:, 0]
    assert (rec.rate, rec.samples.shape[1], len(samples)) == (16000, 1, 16000)
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) - 550) <= 1  # 1 Hz bins
    assert (tmp_path / "src" / "aedes_aegypti" / "a1.wav").is_file(), "sources are copied, never moved"


@pytest.mark.parametrize("kind", ["8-bit", "24-bit", "float"])
def test_import_8bit_24bit_and_float_wav(mosquito, tmp_path, kind):
    x = tone(600, 1, 16000, 0.5)
    src = tmp_path / "src" / f"{kind}.wav"
    if kind == "8-bit":
        write_pcm(src, np.rint(x * 127).astype(np.int16), 16000, width=1)
    elif kind == "24-bit":
        write_pcm(src, np.rint(x * 8388607).astype(np.int32), 16000, width=3)
    else:
        write_float(src, x, 16000)
    report = importer.import_sources(mosquito, [src], importer.Options(label="other"))
    assert any("to 16-bit PCM" in message for message in report.warnings)
    samples = recordings.read(mosquito.data_dir / "other" / f"{kind}.wav").samples[:, 0]
    tolerance = 300 if kind == "8-bit" else 1
    assert np.max(np.abs(samples - x * 32768)) <= tolerance


def test_import_16bit_mono_at_rate_is_bit_exact(mosquito, tmp_path):
    samples = np.random.default_rng(1).integers(-32768, 32767, 16000).astype(np.int16)
    write_pcm(tmp_path / "x.wav", samples, 16000)
    report = importer.import_sources(mosquito, [tmp_path / "x.wav"], importer.Options(label="other"))
    assert not report.warnings
    back = recordings.read(mosquito.data_dir / "other" / "x.wav").samples[:, 0]
    assert np.array_equal(back, samples)


def test_long_recording_is_cut_into_windows(mosquito, tmp_path):
    write_pcm(tmp_path / "long.wav", np.zeros(16000 * 3 + 4000, np.int16), 16000)
    report = importer.import_sources(mosquito, [tmp_path / "long.wav"], importer.Options(label="other"))
    names = files(mosquito, "other")
    assert names == [f"long__w{i:03d}.wav" for i in range(5)]  # 1 s windows every 0.5 s in 3.25 s
    assert report.cut == 1 and report.dropped_seconds == pytest.approx(0.25)
    assert {group_of(n) for n in names} == {"long"}


def test_cut_option_and_off(mosquito, tmp_path):
    write_pcm(tmp_path / "a.wav", np.zeros(16000 * 2, np.int16), 16000)
    write_pcm(tmp_path / "b.wav", np.ones(16000 * 2, np.int16), 16000)
    importer.import_sources(mosquito, [tmp_path / "a.wav"], importer.Options(label="other", cut="500"))
    importer.import_sources(mosquito, [tmp_path / "b.wav"], importer.Options(label="other", cut="off"))
    names = files(mosquito, "other")
    assert names == [f"a__w{i:03d}.wav" for i in range(4)] + ["b.wav"]
    with pytest.raises(MidgeError, match="expected auto, off, or WINDOW_MS"):
        importer.parse_cut(mosquito, "1s")


def test_import_is_resumable_and_never_overwrites(mosquito, tmp_path, capsys):
    for i in range(3):
        write_pcm(tmp_path / "src" / "other" / f"r{i}.wav", np.full(16000, i, np.int16), 16000)
    assert run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src")[0] == 0
    code, out, _ = run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src")
    assert code == 0 and "skipped 3 already imported" in out
    # same name, different content: a new name, the old file untouched
    write_pcm(tmp_path / "src2" / "r0.wav", np.full(16000, 9, np.int16), 16000)
    importer.import_sources(mosquito, [tmp_path / "src2" / "r0.wav"], importer.Options(label="other"))
    assert files(mosquito, "other") == ["r0-2.wav", "r0.wav", "r1.wav", "r2.wav"]
    assert recordings.read(mosquito.data_dir / "other" / "r0.wav").samples[0, 0] == 0
    # an identical file under another label is skipped with a warning (no leak across classes)
    report = importer.import_sources(mosquito, [tmp_path / "src" / "other" / "r1.wav"],
                                     importer.Options(label="background"))
    assert report.skipped == 1 and files(mosquito, "background") == []
    assert not list(mosquito.data_dir.rglob(".*.tmp")), "no temporaries left behind"


def test_a_killed_import_leaves_nothing_behind_on_the_rerun(mosquito, tmp_path, capsys):
    for i in range(2):
        write_pcm(tmp_path / "src" / "other" / f"r{i}.wav", np.full(16000, i, np.int16), 16000)
    assert run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src")[0] == 0
    index = mosquito.data_dir / importer.INDEX
    # killed between renaming r1.wav into place and appending its index record,
    # while writing a temporary of another output
    index.write_text(index.read_text().splitlines()[0] + "\n")
    (mosquito.data_dir / "other" / ".r2.wav.k3j9x.tmp").write_bytes(b"RIFF half")
    code, out, err = run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src")
    assert code == 0, err
    assert files(mosquito, "other") == ["r0.wav", "r1.wav"], "no -2 duplicate of r1"
    assert not list(mosquito.data_dir.rglob(".*.tmp")) and "removed unfinished files" in err
    assert len(index.read_text().splitlines()) == 2


def test_group_regex_prefixes_names(mosquito, tmp_path):
    write_pcm(tmp_path / "0a7c2a8d_nohash_1.wav", np.zeros(16000, np.int16), 16000)
    importer.import_sources(mosquito, [tmp_path / "0a7c2a8d_nohash_1.wav"],
                            importer.Options(label="other", group=r"^([0-9a-f]+)_nohash"))
    assert files(mosquito, "other") == ["0a7c2a8d__0a7c2a8d_nohash_1.wav"]
    with pytest.raises(MidgeError, match="does not match its name"):
        write_pcm(tmp_path / "zz.wav", np.ones(16000, np.int16), 16000)
        importer.import_sources(mosquito, [tmp_path / "zz.wav"],
                                importer.Options(label="other", group=r"^([0-9a-f]+)_nohash"))


def test_unreadable_wav_is_a_clear_error_or_skipped(mosquito, tmp_path, capsys):
    bad = tmp_path / "src" / "other" / "broken.wav"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"this is not audio")
    code, _, err = run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src")
    assert code == 1
    assert "broken.wav: not a WAV file (no RIFF/WAVE header)" in err and "--skip-bad" in err
    write_pcm(tmp_path / "src" / "other" / "good.wav", np.zeros(16000, np.int16), 16000)
    code, out, err = run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src", "--skip-bad")
    assert code == 0 and "skipped unreadable files" in err
    assert files(mosquito, "other") == ["good.wav"]


def test_unknown_label_and_unlabelled_folder(mosquito, tmp_path, capsys):
    write_pcm(tmp_path / "src" / "x.wav", np.zeros(16000, np.int16), 16000)
    code, _, err = run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src", "--label", "othr")
    assert code == 1 and "label 'othr' is not one of" in err and "did you mean 'other'" in err
    code, _, err = run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "src")
    assert code == 1 and "pass --label" in err


def test_mixed_sample_rates_are_resampled_with_a_warning(mosquito, tmp_path):
    write_pcm(tmp_path / "s" / "a.wav", np.zeros(8000, np.int16), 8000)
    write_pcm(tmp_path / "s" / "b.wav", np.zeros(48000, np.int16), 48000)
    report = importer.import_sources(mosquito, [tmp_path / "s"], importer.Options(label="other"))
    assert any("mixed sample rates (8000, 48000 Hz)" in m for m in report.warnings)
    assert {wav.info(p).rate for p in (mosquito.data_dir / "other").iterdir()} == {16000}


def test_ei_json_audio(mosquito, tmp_path):
    doc = {"protected": {"ver": "v1", "alg": "none"}, "signature": "0",
           "payload": {"device_type": "phone", "interval_ms": 0.0625,
                       "sensors": [{"name": "audio", "units": "wav"}],
                       "values": [int(v) for v in tone(500, 1, 16000, 0.3) * 32767]}}
    (tmp_path / "clip.json").write_text(json.dumps(doc))
    importer.import_sources(mosquito, [tmp_path / "clip.json"], importer.Options(label="other"))
    rec = recordings.read(mosquito.data_dir / "other" / "clip.wav")
    assert rec.rate == 16000 and len(rec.samples) == 16000


# -- import: IMU ----------------------------------------------------------------

def ei_csv(path, rows, rate=100, header="timestamp,accX,accY,accZ,gyrX,gyrY,gyrZ"):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [header]
    for i in range(rows):
        lines.append(f"{i * 1000 / rate:g}," + ",".join(f"{0.1 * k + i * 0.001:.4f}" for k in range(6)))
    path.write_text("\n".join(lines) + "\n")


def test_import_ei_csv(motion, tmp_path):
    ei_csv(tmp_path / "wave.1.csv", 200)
    importer.import_sources(motion, [tmp_path / "wave.1.csv"], importer.Options(label="wave"))
    text = (motion.data_dir / "wave" / "wave.1.csv").read_text().splitlines()
    assert text[0] == "timestamp_ms,ax,ay,az,gx,gy,gz"
    g = 32768 / (4 * 9.80665)  # counts per m/s^2 at accel_full_scale_g = 4
    dps = 32768 / 500  # counts per deg/s at gyro_full_scale_dps = 500
    expected = [0, round(0.1 * g), round(0.2 * g), round(0.3 * dps), round(0.4 * dps), round(0.5 * dps)]
    assert text[1] == "0," + ",".join(map(str, expected)) and len(text) == 201
    assert text[2].startswith("10,")


def test_import_csv_in_counts(motion, tmp_path):
    ei_csv(tmp_path / "c.csv", 200)
    importer.import_sources(motion, [tmp_path / "c.csv"], importer.Options(label="wave", units="counts"))
    assert (motion.data_dir / "wave" / "c.csv").read_text().splitlines()[1] == "0,0,0,0,0,0,0"


def test_import_long_csv_at_another_rate(motion, tmp_path):
    ei_csv(tmp_path / "idle.csv", 500, rate=50)  # 10 s at 50 Hz
    report = importer.import_sources(motion, [tmp_path / "idle.csv"], importer.Options(label="idle"))
    assert any("resampled 50 Hz to 100 Hz" in m for m in report.warnings)
    names = files(motion, "idle")
    assert names[0] == "idle__w000.csv" and len(names) == 17  # 2 s windows every 0.5 s in 10 s
    rows = (motion.data_dir / "idle" / names[0]).read_text().splitlines()
    assert len(rows) == 201 and rows[2].startswith("10,")


def test_csv_with_missing_columns_is_a_clear_error(motion, tmp_path, capsys):
    ei_csv(tmp_path / "x.csv", 50, header="timestamp,accX,accY,accZ,magX,magY,magZ")
    code, _, err = run_cli(capsys, "data", "import", motion.dir, tmp_path / "x.csv", "--label", "idle")
    assert code == 1
    assert "x.csv: no column for gx, gy, gz (its columns: timestamp, accX" in err
    assert "--map" in err
    code, _, err = run_cli(capsys, "data", "import", motion.dir, tmp_path / "x.csv", "--label", "idle",
                           "--map", "gx=magX", "--map", "gy=magY", "--map", "gz=magZ")
    assert code == 0, err


def test_csv_with_bad_values_or_time(motion, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,accX,accY,accZ,gyrX,gyrY,gyrZ\n0,1,2,3,4,5,6\n10,1,x,3,4,5,6\n")
    with pytest.raises(MidgeError, match=r"row 3, column accY: 'x' is not a number"):
        importer.import_sources(motion, [path], importer.Options(label="idle"))
    path.write_text("timestamp,accX,accY,accZ,gyrX,gyrY,gyrZ\n10,1,2,3,4,5,6\n0,1,2,3,4,5,6\n")
    with pytest.raises(MidgeError, match="timestamps must increase"):
        importer.import_sources(motion, [path], importer.Options(label="idle"))


def test_ei_json_imu(motion, tmp_path):
    doc = {"payload": {"interval_ms": 10, "sensors": [{"name": n, "units": "m/s2"} for n in
                                                      ("accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ")],
                       "values": [[i, 0, 9.8, 0, 0, 0] for i in range(200)]}}
    (tmp_path / "lift.json").write_text(json.dumps(doc))
    importer.import_sources(motion, [tmp_path / "lift.json"], importer.Options(label="lift"))
    assert files(motion, "lift") == ["lift.csv"]


# -- import: images ---------------------------------------------------------------

def test_import_images_to_96x96_grayscale(tmp_path):
    person = create_project(tmp_path / "person", "person")
    Image.new("RGB", (320, 240), (200, 30, 30)).save(tmp_path / "p.jpg")
    report = importer.import_sources(person, [tmp_path / "p.jpg"], importer.Options(label="person"))
    assert "converted RGB to grayscale" in report.warnings and "resized 320x240 to 96x96" in report.warnings
    with Image.open(person.data_dir / "person" / "p.png") as img:
        assert img.size == (96, 96) and img.mode == "L"


# -- stats ----------------------------------------------------------------------

def _fill(project, label, groups, per_group, seconds=1.0, rate=16000):
    for g in range(groups):
        for c in range(per_group):
            write_pcm(project.data_dir / label / f"g{g}__c{c}.wav", np.zeros(int(seconds * rate), np.int16), rate)


def test_stats_table_and_imbalance_warning(mosquito, capsys):
    _fill(mosquito, "aedes_aegypti", 4, 5)
    _fill(mosquito, "aedes_albopictus", 3, 1)
    _fill(mosquito, "other", 3, 1)
    _fill(mosquito, "background", 3, 1, seconds=0.5)
    code, out, err = run_cli(capsys, "data", "stats", mosquito.dir)
    assert code == 0
    assert "aedes_aegypti" in out and "20" in out and "16000" in out
    assert "classes are imbalanced: 'aedes_aegypti' has 20 files, 'aedes_albopictus' has 3" in err
    assert "clips shorter than one window (1000 ms): 3 files" in err


def test_stats_warns_about_empty_classes_rates_and_strays(mosquito, capsys):
    _fill(mosquito, "aedes_aegypti", 3, 1)
    _fill(mosquito, "other", 3, 1, rate=8000)
    (mosquito.data_dir / "mystery").mkdir()
    (mosquito.data_dir / "other" / "notes.txt").write_text("x")
    result = stats.compute(mosquito)
    text = "\n".join(result.warnings)
    assert "empty classes: aedes_albopictus, background" in text
    assert "mixed sample rates: 8000 Hz (3 files), 16000 Hz (3 files)" in text
    assert "not labels (ignored): mystery" in text and "files of other types" in text


def test_stats_with_no_data_is_an_error(mosquito, capsys):
    code, _, err = run_cli(capsys, "data", "stats", mosquito.dir)
    assert code == 1 and "no samples in" in err and "midge data synth" in err


# -- split ----------------------------------------------------------------------

def test_split_writes_splits_json(mosquito, capsys):
    for label in mosquito.labels:
        _fill(mosquito, label, 6, 3)
    code, out, err = run_cli(capsys, "data", "split", mosquito.dir, "--seed", "3")
    assert code == 0, err
    doc = json.loads(mosquito.splits_path.read_text())
    assert set(doc["sides"]) == {"train", "validation", "test"} and doc["seed"] == 3
    listed = [f for side in doc["sides"].values() for f in side["files"]]
    assert len(listed) == len(set(listed)) == 72
    assert all(f.startswith("data/") for f in listed)
    for side in doc["counts"].values():
        assert all(n > 0 for n in side.values()), "every class on every side"


@pytest.mark.parametrize("seed", range(12))
def test_split_never_puts_a_group_on_two_sides(tmp_path, seed):
    rng = np.random.default_rng(seed)
    project = create_project(tmp_path / "p", "kws")
    voices = [f"v{i}" for i in range(int(rng.integers(4, 12)))]
    for label in project.labels:
        for voice in voices:
            for c in range(int(rng.integers(0, 4))):
                path = project.data_dir / label / f"{voice}__{label}{c}.wav"
                path.write_bytes(b"")
        for extra in range(3):  # guarantee each class has at least 3 groups
            (project.data_dir / label / f"{voices[extra]}__{label}x.wav").write_bytes(b"")
    result = split.make_split(project, seed=seed)
    owner = {}
    for side, samples in result.files.items():
        for s in samples:
            assert owner.setdefault(s.group, side) == side, f"group {s.group} on two sides"
    assert sum(len(v) for v in result.files.values()) == len(scan(project).samples)
    again = split.make_split(project, seed=seed)
    assert {k: [s.path for s in v] for k, v in again.files.items()} == \
           {k: [s.path for s in v] for k, v in result.files.items()}, "deterministic for a seed"


def test_split_too_little_data(mosquito, capsys):
    for label in mosquito.labels:
        _fill(mosquito, label, 3, 2)
    for path in (mosquito.data_dir / "other").glob("g2__*"):
        path.unlink()
    code, _, err = run_cli(capsys, "data", "split", mosquito.dir)
    assert code == 1
    assert "too little data to split: class 'other' has 2 group(s)" in err
    assert "validation_fraction" in err


def test_split_empty_class_is_an_error(mosquito):
    _fill(mosquito, "aedes_aegypti", 3, 1)
    with pytest.raises(MidgeError, match="class 'aedes_albopictus' has no samples"):
        split.make_split(mosquito)


def test_anomaly_split_puts_faults_in_test_only(tmp_path):
    project = create_project(tmp_path / "a", "anomaly")
    for label in project.labels:
        for g in range(5):
            (project.data_dir / label / f"{label}-run{g}__c0.csv").write_text("")
    result = split.make_split(project)
    for side in ("train", "validation"):
        assert {s.label for s in result.files[side]} == {"normal"}
    assert {s.label for s in result.files["test"]} == set(project.labels)


def test_import_split_pins_files_to_a_side_that_every_split_keeps(mosquito, tmp_path, capsys):
    """A dataset's own test set survives `midge data split`: --split is recorded per file."""
    for k, label in enumerate(mosquito.labels):
        _fill(mosquito, label, 5, 1)
        write_pcm(tmp_path / "official" / label / f"t__{label}.wav", np.full(16000, k, np.int16), 16000)
    code, _, err = run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "official", "--split", "test")
    assert code == 0, err
    for seed in range(4):
        assert run_cli(capsys, "data", "split", mosquito.dir, "--seed", seed)[0] == 0
        doc = json.loads(mosquito.splits_path.read_text())
        test = doc["sides"]["test"]["files"]
        assert all(f"data/{label}/t__{label}.wav" in test for label in mosquito.labels), (seed, test)


def test_a_group_pinned_to_two_sides_is_an_error(mosquito, tmp_path, capsys):
    for label in mosquito.labels:
        _fill(mosquito, label, 4, 1)
    write_pcm(tmp_path / "a" / "spk__one.wav", np.full(16000, 1, np.int16), 16000)
    write_pcm(tmp_path / "b" / "spk__two.wav", np.full(16000, 2, np.int16), 16000)
    run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "a", "--label", "other", "--split", "train")
    run_cli(capsys, "data", "import", mosquito.dir, tmp_path / "b", "--label", "other", "--split", "test")
    code, _, err = run_cli(capsys, "data", "split", mosquito.dir)
    assert code == 1 and "group 'spk' is kept on two sides" in err


@pytest.mark.parametrize("damage, message", [
    (lambda doc: doc["sides"]["test"]["files"].append(doc["sides"]["train"]["files"][0]), "is on two sides"),
    (lambda doc: doc["sides"]["train"]["files"].append("data/other/gone.wav"), "which no longer exists"),
    (lambda doc: doc["sides"].update(holdout={"files": [], "groups": []}), "unknown side 'holdout'"),
    (lambda doc: doc["sides"]["train"]["files"].append("splits.json"), "is not a sample of data/<label>/"),
])
def test_splits_json_is_checked(mosquito, capsys, damage, message):
    from midge_host.train.data import ensure_split
    for label in mosquito.labels:
        _fill(mosquito, label, 4, 1)
    assert run_cli(capsys, "data", "split", mosquito.dir)[0] == 0
    doc = json.loads(mosquito.splits_path.read_text())
    damage(doc)
    mosquito.splits_path.write_text(json.dumps(doc))
    with pytest.raises(MidgeError, match=message):
        ensure_split(mosquito, say=lambda _: None)


def test_new_samples_join_the_split_without_moving_the_old_ones(mosquito, capsys):
    from midge_host.train.data import ensure_split
    for label in mosquito.labels:
        _fill(mosquito, label, 5, 2)
    assert run_cli(capsys, "data", "split", mosquito.dir)[0] == 0
    before = json.loads(mosquito.splits_path.read_text())["sides"]
    write_pcm(mosquito.data_dir / "other" / "new__c0.wav", np.zeros(16000, np.int16), 16000)
    write_pcm(mosquito.data_dir / "other" / "g1__c9.wav", np.zeros(16000, np.int16), 16000)  # an old group
    said = []
    after = ensure_split(mosquito, say=said.append)["sides"]
    assert said and "2 sample(s) in data/ are not in splits.json" in said[0]
    for side, s in before.items():
        assert set(s["files"]) <= set(after[side]["files"]), side
    g1_side = next(side for side, s in before.items() if "data/other/g1__c0.wav" in s["files"])
    assert "data/other/g1__c9.wav" in after[g1_side]["files"]
    assert any("data/other/new__c0.wav" in s["files"] for s in after.values())
