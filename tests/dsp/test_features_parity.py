"""Every feature extractor gives the same ints on the device (unix port with
viper, without viper, CPython) as the host's numpy mirror, over a corpus: white
and pink noise, tones, chirps, clipping, silence, level jumps and TFLM corner
cases (ms_oracle.synthetic_signals), plus the four real micro_speech clips
(reference_dir, ../shared/reference). The micro_speech kind matches TFLM's
audio preprocessor. The device side also runs on the 32-bit port
(`micropython32`) with 32-bit ints, as on boards.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from midge_host import features as host
from midge_host.unixport import run_micropython
from ms_oracle import CLIPS, micro_speech_dir, oracle_features, read_wav, synthetic_signals

SCRIPTS = Path(__file__).parent / "device_scripts"

AUDIO_CONFIGS = {
    "spectrogram": {"kind": "spectrogram"},
    "mfe": {"kind": "mfe"},
    "mfcc": {"kind": "mfcc"},
    "spectrogram_1024": {"kind": "spectrogram", "fft_length": 1024, "frame_ms": 64, "stride_ms": 32,
                         "pre_emphasis": 0.97, "noise_floor_db": -90},
    "mfe_64": {"kind": "mfe", "fft_length": 64, "frame_ms": 4, "stride_ms": 4, "num_filters": 12,
               "low_frequency": 300, "high_frequency": 6000, "noise_floor_db": -30, "window_ms": 500},
    "mfcc_512": {"kind": "mfcc", "fft_length": 512, "frame_ms": 30, "stride_ms": 15, "num_filters": 40,
                 "num_cepstral": 20, "scale_shift": 3, "pre_emphasis": 0, "noise_floor_db": -100},
}
MOTION_CONFIGS = {
    "motion": {"kind": "motion"},
    "motion_low_int8": {"kind": "motion", "filter": "low", "cutoff": 5, "output": "int8"},
    "motion_high": {"kind": "motion", "filter": "high", "cutoff": 0.7, "fft_length": 128,
                    "bands": [0, 1, 10, 50]},
    "motion_long": {"kind": "motion", "sample_rate": 62.5, "window_ms": 16384, "axes": 1,
                    "filter": "low", "cutoff": 20, "fft_length": 1024, "bands": [0, 0.5, 2, 8, 31.25]},
}


@pytest.fixture(scope="module")
def audio_clips(reference_dir):
    clips = dict(synthetic_signals())
    folder = micro_speech_dir(reference_dir)
    clips.update({name: read_wav(folder / f"{name}_1000ms.wav") for name in CLIPS})
    return clips


def motion_windows(fx, audio_clips):
    """IMU-like windows: 48 stretches spread over the whole audio corpus, as
    interleaved axes (so every kind of signal and every transition appears)."""
    signal = np.concatenate(list(audio_clips.values()))
    n = fx.window_samples
    return [signal[s:s + n] for s in np.linspace(0, len(signal) - n, 48).astype(int)]


def corpus(name, audio_clips):
    config = AUDIO_CONFIGS.get(name) or MOTION_CONFIGS[name]
    fx = host.extractor(config)
    if config["kind"] == "motion":
        return config, fx, motion_windows(fx, audio_clips)
    return config, fx, list(audio_clips.values())


def device_features(runner, config, fx, clips, tmp_path):
    windows = np.stack([np.asarray(c)[:fx.window_samples] for c in clips]).astype("<i2")
    windows.tofile(tmp_path / "samples.bin")
    (tmp_path / "config.json").write_text(json.dumps(config))
    code = (f"import sys\nsys.path.append({str(SCRIPTS)!r})\nimport features_batch\n"
            f"features_batch.run({str(tmp_path / 'config.json')!r}, {str(tmp_path / 'samples.bin')!r}, "
            f"{str(tmp_path / 'features.bin')!r}, {len(clips)})\n")
    runner(code=code, timeout=300).check()
    dtype = "<i4" if host.output_dtype(fx) == np.int32 else "i1"
    return np.fromfile(tmp_path / "features.bin", dtype=dtype).reshape(len(clips), *fx.shape)


def assert_same(got, want, label):
    bad = np.argwhere(got != want)
    assert got.shape == want.shape, label
    assert not len(bad), (f"{label}: {len(bad)} values differ; first at {tuple(bad[0])}: "
                          f"device {got[tuple(bad[0])]}, host {want[tuple(bad[0])]}")


@pytest.mark.parametrize("name", list(AUDIO_CONFIGS) + list(MOTION_CONFIGS))
def test_device_matches_host_mirror(device_python, name, audio_clips, tmp_path):
    config, fx, clips = corpus(name, audio_clips)
    want = host.extract(config, clips, engine="host")
    assert want.shape == (len(clips),) + fx.shape
    assert_same(device_features(device_python, config, fx, clips, tmp_path), want, name)


@pytest.mark.parametrize("name", ["spectrogram", "mfcc", "motion_low_int8"])
def test_engines_agree(name, audio_clips):
    config, _, clips = corpus(name, audio_clips)
    assert_same(host.extract(config, clips, engine="micropython"),
                host.extract(config, clips, engine="host"), name)


@pytest.mark.parametrize("engine", ["micropython", "host"])
def test_micro_speech_kind_matches_tflm(engine, reference_dir, audio_clips):
    model = micro_speech_dir(reference_dir) / "audio_preprocessor_int8.tflite"
    names = list(CLIPS) + ["white_loud", "maxabs_quirk"]
    clips = [audio_clips[n] for n in names]
    got = host.extract({"kind": "micro_speech"}, clips, engine=engine)
    for name, clip, features in zip(names, clips, got):
        assert_same(features, oracle_features(model, clip), name)


def test_default_shapes():
    assert host.extractor({"kind": "spectrogram"}).shape == (79, 65)  # 5135 features
    assert host.extractor({"kind": "mfe"}).shape == (99, 40)
    assert host.extractor({"kind": "mfcc"}).shape == (50, 13)
    assert host.extractor({"kind": "micro_speech"}).shape == (49, 40)
    assert host.extractor({"kind": "motion"}).shape == (1, 33)


@pytest.mark.parametrize("viper", [True, False])
@pytest.mark.parametrize("name", list(AUDIO_CONFIGS) + list(MOTION_CONFIGS))
def test_device_matches_host_on_a_32_bit_port(viper, name, audio_clips, tmp_path):
    def run32(code, timeout):
        return run_micropython(code=code, viper=viper, bits=32, timeout=timeout)

    config, fx, clips = corpus(name, audio_clips)
    assert_same(device_features(run32, config, fx, clips, tmp_path),
                host.extract(config, clips, engine="host"), name)
