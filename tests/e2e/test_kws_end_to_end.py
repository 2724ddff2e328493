"""Keyword spotting on the device code alone, against TFLM end to end.

Each reference clip goes through midge's micro_speech frontend and midge's
interpreter under the unix port (viper on and off); the int8 scores must equal
TFLM's frontend (audio_preprocessor_int8.tflite) followed by TFLM's
interpreter (micro_speech_quantized.tflite), and yes/no must be recognized.
"""

from pathlib import Path

import numpy as np
import pytest

from midge_host.tflm import run_tflm
from tests.dsp.ms_oracle import CLIPS, micro_speech_dir, oracle_features, read_wav

LABELS = ("silence", "unknown", "yes", "no")
SCRIPT = Path(__file__).with_name("kws_device.py")


@pytest.fixture(scope="module")
def clips(reference_dir):
    folder = micro_speech_dir(reference_dir)
    return {name: read_wav(folder / f"{name}_1000ms.wav") for name in CLIPS}


@pytest.fixture(scope="module")
def tflm_scores(reference_dir, clips):
    folder = micro_speech_dir(reference_dir)
    scores = {}
    for name, samples in clips.items():
        features = oracle_features(folder / "audio_preprocessor_int8.tflite", samples)
        assert features.shape == (49, 40)
        (out,) = run_tflm(folder / "micro_speech_quantized.tflite", [features.reshape(1, 1960)])
        scores[name] = out.reshape(-1).astype(int).tolist()
    return scores


def test_tflm_recognizes_yes_and_no(tflm_scores):
    assert LABELS[int(np.argmax(tflm_scores["yes"]))] == "yes"
    assert LABELS[int(np.argmax(tflm_scores["no"]))] == "no"


@pytest.mark.parametrize("viper", [True, False], ids=["viper", "plain"])
def test_device_pipeline_matches_tflm(run_mpy, reference_dir, clips, tflm_scores, tmp_path, viper):
    model = micro_speech_dir(reference_dir) / "micro_speech_quantized.tflite"
    samples = tmp_path / "samples.bin"
    scores = tmp_path / "scores.bin"
    samples.write_bytes(b"".join(clips[name].astype("<i2").tobytes() for name in CLIPS))
    lengths = [str(len(clips[name])) for name in CLIPS]
    run_mpy(path=SCRIPT, args=[str(model), str(samples), str(scores), *lengths],
            viper=viper, timeout=600).check()
    got = np.frombuffer(scores.read_bytes(), dtype=np.int8).reshape(len(CLIPS), 4)
    for row, name in zip(got, CLIPS):
        assert row.astype(int).tolist() == tflm_scores[name], name
    assert LABELS[int(np.argmax(got[CLIPS.index("yes")]))] == "yes"
    assert LABELS[int(np.argmax(got[CLIPS.index("no")]))] == "no"
