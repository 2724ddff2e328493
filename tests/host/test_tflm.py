"""The TFLite-Micro oracle (midge_host.tflm) on TFLM's own example models.

Reads ../shared/reference/tflm (the `reference_dir` fixture skips when it is absent);
the checks that need no particular model's numbers run on the example-model fixtures,
which fall back to the generated models of the same ops and shapes.
"""

import struct
import wave

import numpy as np
import pytest

from midge_host.errors import MidgeError
from midge_host.tflm import TflmModel, read_model, run_tflm, tflm_arena_bytes

PERSON_INDEX, NOT_A_PERSON_INDEX = 1, 0  # person_detection/model_settings.h


@pytest.fixture(scope="module")
def tflm_dir(reference_dir):
    return reference_dir / "tflm"


def read_bmp_bytes(path):
    """The pixel bytes of an 8-bit BMP, top row first, as TFLM's generate_cc_arrays.py
    (PIL's ``tobytes()``) stores them."""
    data = path.read_bytes()
    offset, = struct.unpack_from("<I", data, 10)
    width, height = struct.unpack_from("<ii", data, 18)
    bits, = struct.unpack_from("<H", data, 28)
    assert bits == 8 and width % 4 == 0, "an 8-bit BMP without row padding"
    rows = np.frombuffer(data, np.uint8, width * abs(height), offset).reshape(abs(height), width)
    return rows[::-1] if height > 0 else rows  # positive height: rows stored bottom-up


def quantize(values, detail):
    q = detail["quantization_parameters"]
    return np.clip(np.round(values / q["scales"][0]) + q["zero_points"][0], -128, 127).astype(np.int8)


def dequantize(values, detail):
    q = detail["quantization_parameters"]
    return (values.astype(np.float64) - q["zero_points"][0]) * q["scales"][0]


def test_hello_world_is_a_sine(tflm_dir):
    model = TflmModel(tflm_dir / "hello_world" / "hello_world_int8.tflite")
    x = np.linspace(0, 2 * np.pi, 50)
    y, = model.run(quantize(x, model.inputs[0])[:, None])
    assert y.shape == (50, 1) and y.dtype == np.int8
    assert np.abs(dequantize(y[:, 0], model.outputs[0]) - np.sin(x)).max() < 0.15


def test_batch_accepts_samples_with_or_without_the_batch_dimension(hello_world_model):
    path = hello_world_model
    x = np.arange(-128, 128, 16, dtype=np.int8)
    short, = run_tflm(path, x[:, None])
    full, = run_tflm(path.read_bytes(), x[:, None, None])
    np.testing.assert_array_equal(short, full)


def test_person_detect_scores_the_two_images(tflm_dir):
    """As person_detection_test.cc does, the BMP bytes are copied into the int8 input
    unchanged. (person.bmp holds int8 pixels stored as bytes; no_person.bmp plain 0..255
    gray, which the model scores right either way.)"""
    folder = tflm_dir / "person_detection"
    images = np.stack([read_bmp_bytes(folder / name) for name in ("person.bmp", "no_person.bmp")])
    scores, = run_tflm(folder / "person_detect.tflite", images.view(np.int8)[..., None], reset_between=True)
    assert scores.shape == (2, 2)
    person, no_person = scores.astype(int)
    assert person[PERSON_INDEX] - person[NOT_A_PERSON_INDEX] > 50
    assert no_person[NOT_A_PERSON_INDEX] - no_person[PERSON_INDEX] > 50


def test_state_carries_over_until_reset(tflm_dir):
    """The micro_speech audio preprocessor keeps a noise estimate between invocations."""
    folder = tflm_dir / "micro_speech"
    with wave.open(str(folder / "yes_30ms.wav")) as wav:
        frame = np.frombuffer(wav.readframes(480), np.int16)
    frames = np.stack([frame] * 3)
    path = folder / "audio_preprocessor_int8.tflite"
    carried, = run_tflm(path, frames)
    independent, = run_tflm(path, frames, reset_between=True)
    assert carried.shape == (3, 40) and carried.dtype == np.int8
    assert not np.array_equal(carried[0], carried[2])
    assert all(np.array_equal(independent[0], row) for row in independent)
    np.testing.assert_array_equal(carried[0], independent[0])


@pytest.mark.parametrize("name", ["hello_world_model", "person_detect_model", "micro_speech_model"])
def test_arena_bytes_is_enough_and_below_1mb(request, name):
    path = request.getfixturevalue(name)
    arena = tflm_arena_bytes(path)
    assert 0 < arena < 1 << 20
    model = TflmModel(path, arena_size=arena)
    zeros = [np.zeros((1,) + tuple(d["shape"]), d["dtype"]) for d in model.inputs]
    model.run(zeros)


def test_arena_bytes_exceeds_the_recorded_total(tflm_dir):
    """print_allocations() reports 1504 bytes for hello_world; Prepare's temporaries need more."""
    assert tflm_arena_bytes(tflm_dir / "hello_world" / "hello_world_int8.tflite") > 1504


def test_missing_and_corrupt_models_are_clear_errors(tmp_path, hello_world_model):
    with pytest.raises(MidgeError, match="not found"):
        run_tflm(tmp_path / "absent.tflite", np.zeros((1, 1), np.int8))
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"this is not a model" * 10)
    with pytest.raises(MidgeError, match="not a TFLite model"):
        TflmModel(junk)
    data = hello_world_model.read_bytes()
    with pytest.raises(MidgeError, match="corrupt"):
        read_model(data[: len(data) // 2])
    with pytest.raises(MidgeError, match="not a TFLite model"):
        tflm_arena_bytes(b"")


def test_bad_inputs_are_clear_errors(hello_world_model):
    model = TflmModel(hello_world_model)
    with pytest.raises(MidgeError, match=r"takes \(1, 1\)"):
        model.run(np.zeros((4, 2), np.int8))
    with pytest.raises(MidgeError, match="outside the int8 range"):
        model.run(np.array([[300]]))
    with pytest.raises(MidgeError, match="float64 given"):
        model.run(np.zeros((1, 1)))
    with pytest.raises(MidgeError, match="1 inputs, 2 given"):
        model.run([np.zeros((1, 1), np.int8)] * 2)
