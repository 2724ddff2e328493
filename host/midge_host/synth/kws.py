"""Synthetic keyword clips spoken by espeak-ng (template "kws").

Each group is one voice (an espeak-ng English variant plus a voice variant,
e.g. ``en-us+f3``), so `midge data split` never tests on a voice it trained
on. Needs the ``espeak-ng`` and ``sox`` programs (Debian: apt-get install
espeak-ng sox).
"""

import shutil
import subprocess

import numpy as np

from midge_host import recordings
from midge_host.dataset import wav
from midge_host.errors import MidgeError
from midge_host.synth import signals

LABELS = ("silence", "unknown", "yes", "no")
DEFAULT_COUNT = 100
LANGUAGES = ("en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
             "en-029", "en-us-nyc")
VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
            "klatt", "klatt2", "klatt3", "croak")
VOICES = tuple(f"{lang}+{v}" if v else lang for lang in LANGUAGES for v in VARIANTS)
# Speech Commands words that are not keywords (none sounds like "yes" or "no").
UNKNOWN_WORDS = ("up", "down", "left", "right", "on", "off", "stop", "go", "zero", "one", "two",
                 "three", "four", "five", "six", "seven", "eight", "nine", "bed", "bird", "cat",
                 "dog", "happy", "house", "marvin", "sheila", "tree", "wow", "learn", "follow",
                 "forward", "backward", "visual")
DESCRIPTION = f"""
Keywords ("yes", "no") and unknown words (one of {len(UNKNOWN_WORDS)} Speech Commands
words such as "{'", "'.join(UNKNOWN_WORDS[:6])}") are spoken by espeak-ng with one of
{len(VOICES)} voices ({len(LANGUAGES)} English variants x {len(VARIANTS)} voice
variants: male, female, klatt, croak), at 130-200 words per minute and pitch
25-75, then resampled by sox to the project rate, 16-bit mono (no dither).
Leading and trailing silence is trimmed; the word is placed at a random
offset in the window over background noise (white/pink/brown mix, hum on
some clips) at 5-30 dB SNR; peak -20 to -1 dBFS. "silence" clips are
background noise alone at -70 to -25 dBFS peak. The group of a clip is its
voice (e.g. `en-us-f3`; `noise-NNN` for silence), so split keeps voices apart.
Voices are assigned to clips in a seeded random order, cycling through all
voices before reusing one.
"""


def check(project):
    """espeak-ng and sox must be installed."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise MidgeError(f"the kws synthetic set needs {' and '.join(missing)}, which is not installed",
                         hint="on Debian/Ubuntu: sudo apt-get install espeak-ng sox")


def counts(count):
    return {label: count or DEFAULT_COUNT for label in LABELS}


def voice_group(voice):
    """A voice as a group id: ``en-us+f3`` -> ``en-us-f3``."""
    return voice.replace("+", "-")


def jobs(project, label, n, seed):
    c = LABELS.index(label)
    if label == "silence":
        return [(f"noise-{i // 4:03d}", f"{label}-{i:04d}", (seed, c, i, None, None)) for i in range(n)]
    order = np.random.default_rng([seed, c]).permutation(len(VOICES))
    words = np.random.default_rng([seed, c, 1]).integers(0, len(UNKNOWN_WORDS), n)
    out = []
    for i in range(n):
        voice = VOICES[order[i % len(VOICES)]]
        word = label if label != "unknown" else UNKNOWN_WORDS[words[i]]
        out.append((voice_group(voice), f"{label}-{i:04d}", (seed, c, i, voice, word)))
    return out


def _speak(word, voice, speed, pitch, rate):
    """int16 samples of ``word`` from espeak-ng, resampled by sox."""
    spoken = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word],
                            capture_output=True, check=False)
    if spoken.returncode != 0 or not spoken.stdout:
        raise MidgeError(f"espeak-ng failed for voice {voice!r}: {spoken.stderr.decode().strip()}")
    converted = subprocess.run(["sox", "-D", "-t", "wav", "-", "-r", str(rate), "-c", "1", "-b", "16",
                                "-e", "signed-integer", "-t", "raw", "-"],
                               input=spoken.stdout, capture_output=True, check=False)
    if converted.returncode != 0:
        raise MidgeError(f"sox failed: {converted.stderr.decode().strip()}")
    return np.frombuffer(converted.stdout, dtype="<i2").astype(np.float64) / 32768


def _trim(x, rate):
    loud = np.flatnonzero(np.abs(x) > 0.02 * (np.max(np.abs(x)) or 1.0))
    if not len(loud):
        return x
    pad = int(0.01 * rate)
    return x[max(0, loud[0] - pad):loud[-1] + pad]


def _noise(n, rate, rng):
    mix = rng.dirichlet([1.0, 1.0, 0.7])
    noise = sum(w * signals.colored(n, rng, e) for w, e in zip(mix, (0, 1, 2)))
    if rng.random() < 0.25:
        noise = noise + rng.uniform(0.1, 0.8) * signals.hum(n, rate, rng)
    return noise


def render(project, job):
    seed, c, i, voice, word = job
    rate, n = project.sample_rate, project.window_samples
    rng = np.random.default_rng([seed, c, i, 2])
    noise = _noise(n, rate, rng)
    if word is None:
        return recordings.encode_wav(wav.to_int16(signals.to_peak(noise, signals.db(rng.uniform(-70, -25))))[0], rate)
    speech = _trim(_speak(word, voice, int(rng.integers(130, 201)), int(rng.integers(25, 76)), rate), rate)
    if len(speech) > n:
        start = (len(speech) - n) // 2
        speech = speech[start:start + n]
    x = np.zeros(n)
    at = int(rng.integers(0, n - len(speech) + 1))
    x[at:at + len(speech)] = speech
    x = signals.at_snr(x, noise, rng.uniform(5, 30), reference=signals.rms(speech))
    return recordings.encode_wav(wav.to_int16(signals.to_peak(x, signals.db(rng.uniform(-20, -1))))[0], rate)
