"""A short soak (tools/soak.py): the deployed app on the emulated board replays
five minutes of looped audio as fast as it can; no window lost, no heap growth.
The checks are also run on doctored copies of the records, to show each fails
when its fault is there. The full hour: ``python tools/soak.py`` (docs/benchmarks.md)."""

import copy

import pytest

from tools.soak import analyse, run_app

pytestmark = pytest.mark.slow

MINUTES, LOOP_S, STATUS_S = 5, 20, 5

REWINDS = """
import gc
from array import array
from midge.sensors.replay import WavReplay

def measure(path, reads):
    r = WavReplay(path, realtime=False, loop=True)
    buf = array('h', bytearray(2 * r.block))
    for _ in range(40):
        r.readinto(buf)
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()  # locals only from here: nothing else allocates
    for _ in range(reads):
        r.readinto(buf)
    grown = gc.mem_alloc() - before
    gc.enable()
    return grown, r.done

print('grown %%d done %%s' %% measure(%r, %d))
"""


@pytest.fixture(scope="module")
def soaked(tmp_path_factory):
    meta, per_loop, records, wall = run_app(tmp_path_factory.mktemp("soak"), MINUTES, LOOP_S, STATUS_S)
    return meta, per_loop, records, wall


def _analyse(soaked, records=None):
    meta, per_loop, real, wall = soaked
    return analyse(records if records is not None else real, meta, per_loop, MINUTES, STATUS_S, wall)


def test_five_minutes_of_audio_no_lost_windows_no_heap_growth(soaked):
    result = _analyse(soaked)
    assert result["ok"], result
    meta = soaked[0]
    assert result["windows"] == (MINUTES * 60 * meta["sample_rate"] - meta["window_samples"]) \
        // meta["stride_samples"] + 1
    assert result["loops"] > 10 and result["detections"] > 20 and result["heap_samples"] >= 50
    assert 0 < result["rtf_app"] < 0.1 and result["windows_per_s"] > 100


def test_a_leak_fails_the_heap_check(soaked):
    records = copy.deepcopy(soaked[2])
    for k, r in enumerate(x for x in records if x.get("ev") == "status"):
        r["heap_used"] += 32 * (k // 10)  # 32 bytes more every 10 status lines (e.g. per loop rewind)
    checks = _analyse(soaked, records)["checks"]
    assert not checks["heap"] and checks["windows"] and checks["aligned"]


def test_a_lost_window_fails_the_count_and_alignment_checks(soaked):
    meta = soaked[0]
    stride_ms = meta["stride_samples"] * 1000 // meta["sample_rate"]
    records = copy.deepcopy(soaked[2])
    end = next(r for r in records if r.get("ev") == "end")
    for r in records:  # a window lost half way: everything after it one stride early
        if r.get("t", 0) > end["t"] // 2:
            r["t"] -= stride_ms
    end["windows"] -= 1
    checks = _analyse(soaked, records)["checks"]
    assert not checks["windows"] and not checks["aligned"] and checks["heap"]


def test_drops_and_gaps_fail_the_drop_check(soaked):
    records = copy.deepcopy(soaked[2])
    status = [r for r in records if r.get("ev") == "status"]
    status[len(status) // 2]["gaps"] = 1
    assert not _analyse(soaked, records)["checks"]["no_drops"]


@pytest.mark.parametrize("viper", [True, False], ids=["viper", "plain"])
def test_looped_wav_replay_allocates_nothing_per_rewind(run_mpy, tmp_path, viper):
    from tests.app.project import synthetic_audio, write_wav

    wav = tmp_path / "short.wav"
    write_wav(wav, synthetic_audio(0.5, 8000), 8000)  # 4000 frames: a rewind every 8 blocks of 512
    out = run_mpy(code=REWINDS % (str(wav), 400), viper=viper, heapsize="256K").check()
    assert out.split() == ["grown", "0", "done", "False"], out
