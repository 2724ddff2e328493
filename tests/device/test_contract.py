"""The host<->board contract modules of the device package (midge.meta,
midge.vectors, midge.recording, midge.app_config, midge.labels) under CPython,
the unix port with viper and without: the same answers, errors naming the key."""

import json

import pytest

META = {"format": 1, "name": "m", "task": "classification", "labels": ["aedes", "noise"],
        "quiet_labels": ["noise"], "sensor": "microphone", "sample_rate": 16000, "channels": 1,
        "window_samples": 16000, "stride_samples": 8000, "features": {"kind": "spectrogram"},
        "input": {"shape": [1, 79, 65], "scale": 1.0, "zero_point": 0},
        "output": {"shape": [1, 2], "scale": 0.00390625, "zero_point": -128}}

BAD_META = [
    ({"format": 2}, "format is 2; this midge reads format 1"),
    ({"labels": ["a", "a"]}, "labels lists 'a' twice"),
    ({"task": "regression"}, "task must be one of classification, anomaly"),
    ({"quiet_labels": ["silence"]}, "quiet_labels must list labels of the model"),
    ({"window_samples": 0}, "window_samples must be an integer >= 1"),
    ({"engine": "x"}, "engine is not a meta.json key"),
    ({"smoothing": {"detection_threshold": 200}}, "smoothing.detection_threshold must be an integer >= -128"),
    ({"input": {"shape": [1, 2], "scale": 1.0}}, "input.zero_point must be an integer"),
    ({"task": "anomaly", "quiet_labels": []}, "anomaly must be an object with threshold and score"),
]


def _check(runner, doc):
    code = f"""
import json
from midge import meta
try:
    meta.check(json.loads({json.dumps(doc)!r}), "m.json")
    print("ok")
except ValueError as err:
    print(err)
"""
    return runner(code=code).check().strip()


def test_meta_check_accepts_a_valid_doc(device_python):
    assert _check(device_python, META) == "ok"


@pytest.mark.parametrize("change, message", BAD_META, ids=[m for _, m in BAD_META])
def test_meta_check_names_the_key(change, message):
    from midge import meta
    doc = dict(META, **change)
    with pytest.raises(ValueError) as err:
        meta.check(doc, "m.json")
    assert str(err.value).startswith("m.json: meta.json: ") and message in str(err.value)


def test_meta_errors_are_the_same_on_every_runtime(device_python):
    doc = dict(META, labels=["a", "a"])
    assert _check(device_python, doc) == "m.json: meta.json: labels lists 'a' twice"


def test_labels_semantics():
    from midge import labels
    assert labels.decision_labels(META) == ("aedes", "noise")
    assert list(labels.reported(META)) == [1, 0]
    assert labels.reported_labels(META) == ["aedes"]
    anomaly = dict(META, task="anomaly")
    assert labels.decision_labels(anomaly) == ("normal", "anomaly") and labels.reported_labels(anomaly) == ["anomaly"]


def test_vectors_round_trip_and_truncation(device_python, tmp_path):
    path = tmp_path / "v.bin"
    code = f"""
from array import array
from midge import vectors
with open({str(path)!r}, "wb") as f:
    f.write(vectors.header(2, 3, 2, 1))
    for k in range(2):
        f.write(bytes(array("h", [k, -k, 300 + k]))); f.write(bytes([k, 255])); f.write(bytes([7]))
raw = array("h", [0, 0, 0]); x = bytearray(2); y = bytearray(1)
with open({str(path)!r}, "rb") as f:
    r = vectors.Reader(f, "v.bin")
    print(r.count, r.n_samples, r.n_input, r.n_output)
    for _ in range(r.count):
        r.readinto(raw, x, y)
        print(list(raw), list(x), list(y))
with open({str(path)!r}, "rb") as f:
    r = vectors.Reader(f, "v.bin")
    piece = array("h", [0, 0])
    r.read_samples(piece); a = list(piece); r.read_samples(piece, 1); r.read_expected(x, y)
    print(a + list(piece[:1]), list(x), list(y))
with open({str(path)!r}, "rb") as f:
    data = f.read()
with open({str(path)!r}, "wb") as f:
    f.write(data[:-1])
with open({str(path)!r}, "rb") as f:
    r = vectors.Reader(f, "v.bin")
    try:
        r.readinto(raw, x, y); r.readinto(raw, x, y)
    except ValueError as err:
        print(err)
"""
    assert device_python(code=code).check().splitlines() == [
        "2 3 2 1", "[0, 0, 300] [0, 255] [7]", "[1, -1, 301] [1, 255] [7]", "[0, 0, 300] [0, 255] [7]",
        "v.bin is truncated at vector 1 of 2"]


def test_vectors_host_reader_is_the_device_format(tmp_path):
    import numpy as np

    from midge_host.train.artifacts import read_vectors, write_vectors
    w = np.arange(12, dtype=np.int16).reshape(2, 6)
    x = np.array([[1, -2], [3, -4]], np.int8)
    y = np.array([[5], [-6]], np.int8)
    write_vectors(tmp_path / "v.bin", w, x, y)
    from midge import vectors
    assert vectors.parse_header((tmp_path / "v.bin").read_bytes()) == (2, 6, 2, 1)
    got = read_vectors(tmp_path / "v.bin")
    assert all(np.array_equal(a, b) for a, b in zip(got, (w, x, y)))


def test_csv_recording_round_trip_and_errors(device_python):
    code = """
from midge import recording
print(recording.csv_header(["ax", "ay"]), end="")
for i in range(3):
    print(recording.csv_row(i, 62.5, [i, -i]), end="")
print(recording.parse_csv_header("timestamp_ms,ax,ay\\n"))
print(recording.parse_csv_header("ax,ay"))
print(recording.parse_csv_row("16,1,-2\\n", True, ["ax", "ay"], 3))
for line in ("16,1\\n", "16,1.5,2\\n", "16,x,2\\n", "16,1,40000\\n", "16,nan,2\\n"):
    try:
        recording.parse_csv_row(line, True, ["ax", "ay"], 4)
    except ValueError as err:
        print(err)
"""
    assert device_python(code=code).check().splitlines() == [
        "timestamp_ms,ax,ay", "0,0,0", "16,1,-1", "32,2,-2",
        "(True, ['ax', 'ay'])", "(False, ['ax', 'ay'])", "(16.0, [1, -2])",
        "line 4 has 2 columns, the header has 3",
        "line 4, column 'ax': 1.5 is not an int16 count",
        "line 4, column 'ax': 'x' is not a number",
        "line 4, column 'ay': 40000 is not an int16 count",
        "line 4, column 'ax': nan is not a sample value"]


def test_wav_header_round_trip(device_python, tmp_path):
    path = tmp_path / "a.wav"
    code = f"""
from midge import recording
with open({str(path)!r}, "wb") as f:
    f.write(recording.wav_header(8000, 1, 4)); f.write(bytes([1, 0, 255, 255]))
with open({str(path)!r}, "rb") as f:
    print(recording.parse_wav_header(f), f.read())
"""
    assert device_python(code=code).check().strip() == "(8000, 1, 16, 4) b'\\x01\\x00\\xff\\xff'"
    import wave
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (8000, 1, 2, 2)


BAD_CONF = [
    ({"engines": "midge"}, "unknown key 'engines'"),
    ({"engine": "tflm"}, "'engine' must be one of auto, midge, openmv, got 'tflm'"),
    ({"responders": [{"kind": "log", "path": "/l", "max_byte": 10}]}, "unknown key responders[0] (log).max_byte"),
    ({"responders": [{"kind": "serial", "predictions": "yes"}]}, "responders[0] (serial).predictions must be true"),
    ({"responders": [{"kind": "lorawan"}]}, "the lorawan responder needs 'interval_s'"),
    ({"sensor": {"source": "replay", "path": "a.wav", "realtim": True}}, "unknown key sensor.realtim"),
    ({"sensor": {"source": "replay", "path": "a.csv"}}, "sensor.sample_rate is required to replay a CSV"),
    ({"board": "pico", "sensor": {"source": "board", "sck": -1}}, "sensor.sck must be a pin number or name"),
    ({"responders": [{"kind": "serial"}, {"kind": "serial"}]}, "responders list 'serial' 2 times"),
    ({"weights": "rom"}, "'weights' must be one of ram, flash, got 'rom'"),
]


@pytest.mark.parametrize("change, message", BAD_CONF, ids=[m for _, m in BAD_CONF])
def test_app_config_names_the_bad_key(change, message):
    from midge import app_config
    conf = dict({"model": "/m.tflite", "meta": "/meta.json", "board": "sim"}, **change)
    with pytest.raises(ValueError) as err:
        app_config.check(conf)
    assert message in str(err.value)
