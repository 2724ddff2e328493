"""midge.dsp.micro_speech is bit-exact with audio_preprocessor_int8.tflite run by
the TFLM runtime, frame by frame, under the unix port (viper and plain) and
CPython: the four reference clips (reference_dir, ../shared/reference) and
synthetic signals. Each runner processes every clip in one process.

The 32-bit port (`micropython32`) checks both paths with 32-bit machine ints,
as on boards."""

from pathlib import Path

import numpy as np
import pytest

from midge_host.unixport import run_micropython
from ms_oracle import CLIPS, micro_speech_dir, oracle_features, read_wav, synthetic_signals

SCRIPTS = Path(__file__).parent / "device_scripts"


@pytest.fixture(scope="module")
def clips(reference_dir):
    folder = micro_speech_dir(reference_dir)
    found = {f"{name}_1000ms": read_wav(folder / f"{name}_1000ms.wav") for name in CLIPS}
    found.update(synthetic_signals())
    return found


@pytest.fixture(scope="module")
def expected(clips, reference_dir):
    model = micro_speech_dir(reference_dir) / "audio_preprocessor_int8.tflite"
    return {name: oracle_features(model, samples) for name, samples in clips.items()}


def device_features(runner, clips, tmp_path):
    samples = tmp_path / "samples.bin"
    features = tmp_path / "features.bin"
    np.concatenate(list(clips.values())).astype("<i2").tofile(samples)
    lengths = [len(x) for x in clips.values()]
    code = (
        f"import sys\nsys.path.append({str(SCRIPTS)!r})\n"
        "import micro_speech_features\n"
        f"micro_speech_features.run({str(samples)!r}, {str(features)!r}, {lengths!r})\n"
    )
    runner(code=code, timeout=300).check()
    return np.fromfile(features, dtype=np.int8).reshape(-1, 40)


def test_reference_clips_give_49_frames(expected):
    for name in CLIPS:
        assert expected[f"{name}_1000ms"].shape == (49, 40)


def test_frontend_matches_tflm_bit_for_bit(device_python, clips, expected, tmp_path):
    got = device_features(device_python, clips, tmp_path)
    assert len(got) == sum(len(v) for v in expected.values())
    offset = 0
    for name, want in expected.items():
        mine = got[offset:offset + len(want)]
        offset += len(want)
        bad = np.argwhere(mine != want)
        assert not len(bad), (
            f"{name}: {len(bad)} features differ; first at frame {bad[0][0]} channel {bad[0][1]}: "
            f"got {mine[tuple(bad[0])]}, TFLM {want[tuple(bad[0])]}"
        )


@pytest.mark.parametrize("viper", [True, False])
def test_frontend_matches_tflm_on_a_32_bit_port(viper, clips, expected, tmp_path):
    def run32(code, timeout):
        return run_micropython(code=code, viper=viper, bits=32, timeout=timeout)

    got = device_features(run32, clips, tmp_path)
    assert np.array_equal(got, np.concatenate(list(expected.values())))
