"""`midge features` and `midge plot`, and midge_host.recordings' input checks: every
bad recording is a `midge:` error naming the file and the problem, with a hint."""

import json
import struct
import wave

import numpy as np
import pytest

from midge_host import cli, recordings
from midge_host.errors import MidgeError
from midge_host.features import extract


def write_wav(path, samples, rate=16000, channels=1, width=2):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples).astype(f"<i{width}" if width > 1 else "u1").tobytes())
    return path


def write_float_wav(path, seconds=1.0, rate=16000):
    data = np.zeros(int(rate * seconds), "<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


@pytest.fixture
def tone(tmp_path):
    t = np.arange(16000) / 16000
    return write_wav(tmp_path / "tone.wav", 8000 * np.sin(2 * np.pi * 1000 * t))


def run_cli(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


BAD_WAVS = [
    ("stereo", lambda p: write_wav(p, np.zeros(32000), channels=2), "2 channels; midge reads mono", "sox"),
    ("8bit", lambda p: write_wav(p, np.full(16000, 128), width=1), "8-bit samples", "sox"),
    ("float", lambda p: write_float_wav(p), "a float WAV", "sox"),
    ("rate", lambda p: write_wav(p, np.zeros(44100), rate=44100), "sampled at 44100 Hz, the feature config "
                                                                   "expects 16000 Hz", "-r 16000"),
    ("short", lambda p: write_wav(p, np.zeros(8000)), "0.500 s long, shorter than one 1.000 s window", "record"),
    ("notwav", lambda p: p.write_text("hello"), "not a WAV file", ".wav"),
]


@pytest.mark.parametrize("name, make, message, hint", BAD_WAVS, ids=[b[0] for b in BAD_WAVS])
def test_bad_wavs_are_clear_errors(name, make, message, hint, tmp_path, capsys):
    path = tmp_path / f"{name}.wav"
    make(path)
    code, _, err = run_cli(["features", "--frontend", "micro_speech", path, "--out", tmp_path / "f.npz"], capsys)
    assert code == 1
    assert f"midge: {path}: {message}" in err
    assert "midge: hint:" in err and hint in err


BAD_CSVS = [
    ("nan", "t,x,y,z\n0,1,2,3\n1,4,nan,6\n", "line 3, column 'y': nan is not a sample value"),
    ("missing", "t,x,y,z\n0,1,2,3\n1,4,5\n", "line 3 has 3 columns, the header has 4"),
    ("fraction", "x,y,z\n1,2,3.5\n", "line 2, column 'z': 3.5 is not an int16 count"),
    ("text", "x,y,z\n1,two,3\n", "line 2, column 'y': 'two' is not a number"),
    ("columns", "t,x,y\n0,1,2\n", "2 data columns, the feature config reads 3"),
    ("empty", "", "empty CSV"),
]


@pytest.mark.parametrize("name, text, message", BAD_CSVS, ids=[b[0] for b in BAD_CSVS])
def test_bad_csvs_are_clear_errors(name, text, message, tmp_path):
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    with pytest.raises(MidgeError) as err:
        recordings.read_input(path, 100, 3, 1)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


def test_other_file_types_and_missing_paths(tmp_path):
    (tmp_path / "a.mp3").write_bytes(b"ID3")
    with pytest.raises(MidgeError, match="unsupported file type .mp3"):
        recordings.read_input(tmp_path / "a.mp3", 16000, 1, 1)
    with pytest.raises(MidgeError, match="no such file or folder"):
        recordings.collect_inputs([tmp_path / "nope.wav"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(MidgeError, match="no .wav or .csv files in this folder"):
        recordings.collect_inputs([tmp_path / "empty"])


def test_features_writes_an_npz_from_files_and_folders(tone, tmp_path, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    write_wav(folder / "b.wav", np.zeros(16000))
    write_wav(folder / "a.wav", np.zeros(20000))  # longer: its first second is used
    config = tmp_path / "mfe.json"
    config.write_text(json.dumps({"kind": "mfe", "num_filters": 32}))
    out = tmp_path / "out" / "features.npz"
    code, stdout, err = run_cli(["features", config, tone, folder, "--out", out], capsys)
    assert code == 0, err
    assert "1 of 3 files are longer than one window" in err
    assert f"{out}: 3 x 99 x 32 int8 mfe features" in stdout
    data = np.load(out)
    assert data["features"].shape == (3, 99, 32) and data["features"].dtype == np.int8
    assert list(data["files"]) == [str(tone), str(folder / "a.wav"), str(folder / "b.wav")]
    saved = json.loads(str(data["config"]))
    assert saved["kind"] == "mfe" and saved["num_filters"] == 32 and saved["fft_length"] == 256
    assert np.array_equal(data["features"][0], extract(saved, [recordings.read(tone).samples[:, 0]])[0])


@pytest.mark.parametrize("engine", ["micropython", "host"])
def test_features_engines_and_meta_json_config(engine, tone, tmp_path, capsys):
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"labels": ["a"], "features": {"kind": "spectrogram"}}))
    out = tmp_path / f"{engine}.npz"
    code, _, err = run_cli(["features", meta, tone, "--out", out, "--engine", engine], capsys)
    assert code == 0, err
    features = np.load(out)["features"]
    assert features.shape == (1, 79, 65)
    peak_bin = int(np.argmax(features[0].astype(int).sum(axis=0)))
    assert peak_bin == 8  # 1000 Hz / (16000 Hz / 128)


def test_features_micro_speech_shortcut(reference_dir, tmp_path, capsys):
    clip = reference_dir / "tflm" / "micro_speech" / "yes_1000ms.wav"
    out = tmp_path / "ms.npz"
    code, stdout, _ = run_cli(["features", "--frontend", "micro_speech", clip, "--out", out], capsys)
    assert code == 0 and "1 x 49 x 40 int8 micro_speech" in stdout
    assert json.loads(str(np.load(out)["config"])) == {"kind": "micro_speech", "sample_rate": 16000,
                                                       "window_ms": 1000}


def test_motion_features_from_csv(tmp_path, capsys):
    rng = np.random.default_rng(1)
    rows = ["timestamp,ax,ay,az"] + [f"{i * 10},{x},{y},{z}" for i, (x, y, z)
                                     in enumerate(rng.integers(-2000, 2000, (250, 3)))]
    (tmp_path / "walk.csv").write_text("\n".join(rows) + "\n")
    config = tmp_path / "motion.json"
    config.write_text(json.dumps({"kind": "motion", "output": "int8"}))
    code, stdout, err = run_cli(["features", config, tmp_path / "walk.csv", "--out", tmp_path / "m.npz"], capsys)
    assert code == 0, err
    assert np.load(tmp_path / "m.npz")["features"].shape == (1, 1, 33)
    code, stdout, err = run_cli(["plot", "features", tmp_path / "m.npz", "--out", tmp_path / "m.png"], capsys)
    assert code == 0 and "motion 1 x 33" in stdout, err


def test_features_config_errors(tone, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "mfe", "fft_lenght": 256}))
    code, _, err = run_cli(["features", bad, tone, "--out", tmp_path / "x.npz"], capsys)
    assert code == 1 and "midge: bad feature config: unknown mfe parameter 'fft_lenght'" in err
    bad.write_text("{not json")
    code, _, err = run_cli(["features", bad, tone, "--out", tmp_path / "x.npz"], capsys)
    assert code == 1 and f"midge: {bad}: not a JSON feature config" in err
    code, _, err = run_cli(["features", tmp_path / "absent.json", tone, "--out", tmp_path / "x.npz"], capsys)
    assert code == 1 and "no such feature config" in err


@pytest.mark.parametrize("kind, size", [("spectrogram", (79, 65)), ("mfe", (99, 40)), ("mfcc", (50, 13))])
def test_plot_kinds_write_pngs(kind, size, tone, tmp_path, capsys):
    out = tmp_path / f"{kind}.png"
    code, stdout, err = run_cli(["plot", kind, tone, "--out", out], capsys)
    assert code == 0, err
    assert f"{kind} {size[0]} x {size[1]}" in stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_features_from_npz(tone, tmp_path, capsys):
    npz = tmp_path / "f.npz"
    assert run_cli(["features", "--frontend", "micro_speech", tone, "--out", npz], capsys)[0] == 0
    code, stdout, err = run_cli(["plot", "features", npz, "--out", tmp_path / "f.png"], capsys)
    assert code == 0, err
    assert "micro_speech 49 x 40" in stdout and (tmp_path / "f.png").stat().st_size > 5000
    code, _, err = run_cli(["plot", "features", npz, "--index", "3", "--out", tmp_path / "g.png"], capsys)
    assert code == 1 and "--index 3 outside 0..0" in err
    code, _, err = run_cli(["plot", "features", tone, "--out", tmp_path / "g.png"], capsys)
    assert code == 1 and "not a features .npz" in err


def test_plot_config_kind_must_match(tone, tmp_path, capsys):
    config = tmp_path / "mfcc.json"
    config.write_text(json.dumps({"kind": "mfcc"}))
    code, _, err = run_cli(["plot", "mfe", tone, "--config", config, "--out", tmp_path / "p.png"], capsys)
    assert code == 1 and "a 'mfcc' config, not 'mfe'" in err


def test_imu_csv_with_the_dataset_header_drops_its_time_column(tmp_path):
    from midge_host.recordings import read

    path = tmp_path / "lift.csv"
    path.write_text("timestamp_ms,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n10,7,8,9,10,11,12\n")
    rec = read(path)
    assert rec.samples.tolist() == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]
    assert rec.names == ["ax", "ay", "az", "gx", "gy", "gz"] and rec.rate == 100
