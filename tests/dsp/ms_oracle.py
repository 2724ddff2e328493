"""Host side of the micro_speech parity tests: the oracle (TFLM running
``audio_preprocessor_int8.tflite``), the reference clips, and seeded synthetic
signals that stress the frontend's integer corners."""

import wave
from pathlib import Path

import numpy as np

FRAME = 480
STRIDE = 320
CLIPS = ("yes", "no", "noise", "silence")


def micro_speech_dir(reference_dir):
    return Path(reference_dir) / "tflm" / "micro_speech"


def read_wav(path):
    """int16 mono samples of a 16 kHz wav file."""
    with wave.open(str(path)) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
            raise ValueError(f"{path}: expected 16 kHz mono int16")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def frames_of(samples):
    """Number of 480-sample frames at a 320-sample stride."""
    return 0 if len(samples) < FRAME else (len(samples) - FRAME) // STRIDE + 1


def oracle_features(model_path, samples):
    """(frames, 40) int8 from a fresh TFLM interpreter fed frame by frame."""
    from tflite_micro import runtime

    interpreter = runtime.Interpreter.from_file(str(model_path))
    out = np.zeros((frames_of(samples), 40), dtype=np.int8)
    for f in range(len(out)):
        frame = samples[f * STRIDE:f * STRIDE + FRAME].astype(np.int16).reshape(1, FRAME)
        interpreter.set_input(frame, 0)
        interpreter.invoke()
        out[f] = interpreter.get_output(0).reshape(-1)
    return out


def _clip16(x):
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def _pink(rng, n):
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    spectrum[0] = 0
    x = np.fft.irfft(spectrum, n)
    return x / np.abs(x).max()


def synthetic_signals(seconds=1.0, seed=1234):
    """Name -> int16 signal: noise, tones, chirps, clipping, silence and corner cases."""
    rng = np.random.default_rng(seed)
    n = int(16000 * seconds)
    t = np.arange(n) / 16000
    signals = {
        "silence": np.zeros(n, np.int16),
        "lsb_noise": rng.integers(-1, 2, n).astype(np.int16),
        "white_quiet": _clip16(rng.standard_normal(n) * 30),
        "white_loud": _clip16(rng.standard_normal(n) * 8000),
        "white_full_scale": rng.integers(-32768, 32768, n).astype(np.int16),
        "pink": _clip16(_pink(rng, n) * 20000),
        "tone_1k": _clip16(10000 * np.sin(2 * np.pi * 1000 * t)),
        "tone_quiet_300": _clip16(40 * np.sin(2 * np.pi * 300 * t)),
        "tone_full_7k": _clip16(32767 * np.sin(2 * np.pi * 7000 * t)),
        "chirp": _clip16(20000 * np.sin(2 * np.pi * (50 * t + (7900 - 50) * t * t / (2 * seconds)))),
        "clipped_sine": _clip16(np.clip(90000 * np.sin(2 * np.pi * 440 * t), -32768, 32767)),
        "square_1k_full": np.where(np.sin(2 * np.pi * 1000 * t) >= 0, 32767, -32768).astype(np.int16),
        "nyquist_full": np.tile(np.array([-32768, 32767], np.int16), n // 2),
        "dc_min": np.full(n, -32768, np.int16),
        "impulses": np.where(np.arange(n) % 97 == 0, -32768, 0).astype(np.int16),
        "bursts": _clip16(np.where((t * 4) % 1 < 0.5, 25000, 3) * rng.standard_normal(n)),
        # A new level every 10 ms, 2**0 .. 2**15: every auto-scale shift occurs.
        "random_levels": _clip16(np.repeat(2.0 ** rng.uniform(0, 15, n // 160 + 1), 160)[:n]
                                 * rng.standard_normal(n)),
    }
    # A -32768 at each frame's window peak, then small values: TFLM's MaxAbs16
    # keeps the smaller later peak (int16 -(-32768) wraps) and the auto-scale
    # shift wraps the big sample.
    quirk = rng.integers(-3, 4, n).astype(np.int16)
    quirk[240:n - FRAME:STRIDE] = -32768
    signals["maxabs_quirk"] = quirk
    return signals
