"""midge.features on the device side: build() from config dicts with clear
ValueErrors, the shapes it reports, and zero heap growth per window in the
steady state under the unix port (viper and plain) for every kind."""

import json
from array import array
from pathlib import Path

import pytest

from midge.features import KINDS, build

SCRIPTS = Path(__file__).parent / "device_scripts"


@pytest.mark.parametrize("viper", [True, False])
@pytest.mark.parametrize("config", [
    {"kind": "spectrogram"}, {"kind": "mfe"}, {"kind": "mfcc"}, {"kind": "micro_speech"},
    {"kind": "motion"}, {"kind": "motion", "filter": "high", "cutoff": 1, "output": "int8"},
], ids=lambda c: "-".join(str(v) for v in c.values()))
def test_process_allocates_nothing(run_mpy, viper, config):
    code = (f"import sys\nsys.path.append({str(SCRIPTS)!r})\nimport features_alloc\n"
            f"features_alloc.run({json.dumps(config)!r}, 3)\n")
    fields = run_mpy(code=code, viper=viper).check().split()
    assert fields[:2] == ["alloc", "0"], fields


BAD = [
    ("not a dict", "a feature config is a dict"),
    ({"kind": "fft"}, "feature kind must be one of spectrogram, mfe, mfcc, motion, micro_speech"),
    ({"kind": "mfe", "num_cepstral": 13}, "unknown mfe parameter 'num_cepstral'"),
    ({"kind": "spectrogram", "fft_length": 100}, "FFT length must be one of"),
    ({"kind": "spectrogram", "frame_ms": 25.03}, "frame_ms of 25.03 ms is not a whole number of samples"),
    ({"kind": "spectrogram", "frame_ms": 2000}, "frame_ms 2000 is longer than window_ms 1000"),
    ({"kind": "spectrogram", "noise_floor_db": 3}, "noise_floor_db must be an int in -120..-1"),
    ({"kind": "mfe", "pre_emphasis": 1.5}, "pre_emphasis must be a number in 0..1"),
    ({"kind": "mfe", "num_filters": 128, "fft_length": 256}, "mel filter 0 of 128 is empty"),
    ({"kind": "mfe", "low_frequency": 4000, "high_frequency": 3000}, "high_frequency 3000 must be above"),
    ({"kind": "mfcc", "num_cepstral": 40}, "num_cepstral must be an int in 1..32"),
    ({"kind": "motion", "filter": "band"}, "filter must be 'none', 'low' or 'high'"),
    ({"kind": "motion", "filter": "low", "cutoff": 60}, "cutoff 60 Hz must be between 0.005 and 0.45"),
    ({"kind": "motion", "bands": [0.1, 0.5]}, "band 0.1..0.5 Hz holds no FFT bin"),
    ({"kind": "motion", "window_ms": 20000}, "motion windows hold 2..1024 samples per axis"),
    ({"kind": "motion", "sample_rate": 62.5, "window_ms": 1000}, "window_ms of 1000 ms is not a whole number"),
    ({"kind": "motion", "output": "float"}, "output must be 'int32' or 'int8'"),
    ({"kind": "micro_speech", "sample_rate": 8000}, "micro_speech runs at 16000 Hz"),
]


@pytest.mark.parametrize("config, message", BAD, ids=[m.split()[0] + str(i) for i, (_, m) in enumerate(BAD)])
def test_bad_configs_are_clear_value_errors(config, message):
    with pytest.raises(ValueError) as err:
        build(config)
    assert message in str(err.value)


def test_errors_read_the_same_on_the_unix_port(device_python):
    code = ("from midge.features import build\n"
            f"for config in {[c for c, _ in BAD]!r}:\n"
            "    try:\n        build(config)\n    except ValueError as e:\n        print(e)\n")
    lines = device_python(code=code).check().splitlines()
    assert len(lines) == len(BAD)
    for line, (_, message) in zip(lines, BAD):
        assert message in line


def test_config_is_complete_and_rebuilds_the_same_extractor():
    for kind in KINDS:
        fx = build({"kind": kind})
        again = build(json.loads(json.dumps(fx.config)))
        assert again.config == fx.config and again.shape == fx.shape
        assert len(fx.new_output()) == fx.frame_count * fx.feature_count


def test_process_checks_lengths():
    fx = build({"kind": "mfe"})
    with pytest.raises(ValueError, match="window must be 16000 int16 samples, got 10"):
        fx.process(array("h", bytes(20)), fx.new_output())
    with pytest.raises(ValueError, match="output must hold 3960 int8 values, got 3"):
        fx.process(array("h", bytes(32000)), array("b", bytes(3)))
