"""midge.nn is bit-exact with TFLite-Micro on the reference models in
../shared/reference, under CPython and the unix port (viper on and off)."""

import numpy as np
import pytest

from nn_support import KINDS, assert_same, read_bmp_int8


@pytest.mark.parametrize("kind", KINDS)
def test_hello_world_int8_every_input(kind, reference_dir, tmp_path):
    model = reference_dir / "tflm/hello_world/hello_world_int8.tflite"
    assert_same(kind, model, [np.arange(-128, 128, dtype=np.int8).reshape(256, 1, 1)], tmp_path)


@pytest.mark.parametrize("kind", KINDS)
def test_hello_world_float(kind, reference_dir, tmp_path):
    model = reference_dir / "tflm/hello_world/hello_world_float.tflite"
    rng = np.random.default_rng(7)
    x = np.concatenate([np.linspace(0, 2 * np.pi, 100), rng.uniform(-10, 10, 100)])
    assert_same(kind, model, [x.astype(np.float32).reshape(-1, 1, 1)], tmp_path)


@pytest.mark.parametrize("kind", KINDS)
def test_micro_speech_random_inputs(kind, reference_dir, tmp_path):
    model = reference_dir / "tflm/micro_speech/micro_speech_quantized.tflite"
    rng = np.random.default_rng(1234)
    records = [rng.integers(-128, 128, size=(1, 1960), dtype=np.int8) for _ in range(36)]
    records += [np.full((1, 1960), v, np.int8) for v in (-128, 0, 127)]
    smooth = np.clip(np.cumsum(rng.integers(-9, 10, size=(1, 1960)), axis=1), -128, 127)
    records.append(smooth.astype(np.int8))
    assert_same(kind, model, [np.stack(records)], tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_person_detect_images(kind, reference_dir, tmp_path):
    base = reference_dir / "tflm/person_detection"
    person = read_bmp_int8(base / "person.bmp")
    nobody = read_bmp_int8(base / "no_person.bmp")
    noise = np.random.default_rng(5).integers(-128, 128, size=person.shape, dtype=np.int8)
    (got,), _ = assert_same(kind, base / "person_detect.tflite", [np.stack([person, nobody, noise])], tmp_path)
    no_person_score, person_score = got[0].ravel()
    assert person_score > no_person_score
    no_person_score, person_score = got[1].ravel()
    assert no_person_score > person_score
