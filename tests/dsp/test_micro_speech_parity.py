"""midge.dsp.micro_speech is bit-exact with audio_preprocessor_int8.tflite run by
the TFLM runtime, frame by frame, under the unix port (viper and plain) and
CPython: the four reference clips (reference_dir, ../shared/reference) and
synthetic signals. Each runner processes every clip in one process.

Set MIDGE_UNIX32 to a 32-bit unix-port build (e.g. ports/unix built with
CROSS_COMPILE=i686-linux-gnu-) to also check viper with 32-bit machine ints,
as on boards."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from midge_host.unixport import RunResult, unixport_env
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
    executable = os.environ.get("MIDGE_UNIX32")
    if not executable:
        pytest.skip("MIDGE_UNIX32 (a 32-bit MicroPython unix port) not set")

    def run32(code, timeout):
        proc = subprocess.run([executable, "-c", code], capture_output=True, timeout=timeout,
                              env=unixport_env(viper=viper))
        return RunResult(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    got = device_features(run32, clips, tmp_path)
    assert np.array_equal(got, np.concatenate(list(expected.values())))
