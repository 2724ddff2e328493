"""`midge profile`'s latency cost model: which per-MAC figure each board takes, and the
seam with tools/bench_thumb.py's table (midge_host.train.profile)."""

import importlib.util

import pytest

from midge_host.boards import load_board
from midge_host.paths import REPO_ROOT
from midge_host.train import profile


@pytest.mark.parametrize("board, core", [
    ("pico", "Cortex-M0+"), ("pico_w", "Cortex-M0+"), ("pico2", "Cortex-M33"),
    ("nano33_ble_sense", "Cortex-M4"), ("openmv_h7_plus", "Cortex-M7"), ("nicla_vision", "Cortex-M7"),
    ("openmv_rt1062", "Cortex-M7"), ("xiao_esp32s3_sense", None), ("esp32_generic", None), ("sim", None),
])
def test_cortex_m_boards_take_the_asm_estimate_of_their_core(board, core):
    assert profile.thumb_core(load_board(board)) == core


def _bench_thumb():
    spec = importlib.util.spec_from_file_location("bench_thumb", REPO_ROOT / "tools" / "bench_thumb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_profile_reads_the_cycles_bench_thumb_writes(tmp_path, monkeypatch):
    bench = _bench_thumb()
    ways = {"viper": 40.0, "asm": 4.0, "viper armv6m": 41.0, "asm armv6m": 7.0}
    rows = [dict(name="small_like", whole=True, macs=5_000, n=3, **ways,
                 cycles={"Cortex-M4": 6.5, "Cortex-M33": 6.25, "Cortex-M7": 4.5, "Cortex-M0+": 11.0}),
            dict(name="big_like", whole=True, macs=5_000_000, n=3, **ways,
                 cycles={"Cortex-M4": 5.5, "Cortex-M33": 5.25, "Cortex-M7": 4.0, "Cortex-M0+": 10.0})]
    (tmp_path / "thumb.md").write_text(bench.table(rows, quick=True))
    monkeypatch.setattr(profile, "BENCH_DIR", tmp_path)
    figures, source = profile.thumb_figures()
    assert figures == {"small_like": (5_000, rows[0]["cycles"]), "big_like": (5_000_000, rows[1]["cycles"])}
    assert source.endswith("thumb.md (make bench)")
    # the nearest benchmark model by MACs, the board's core
    per_mac, basis = profile.mac_cycles(load_board("pico2"), 3_000_000, 40.0)
    assert per_mac == 5.25 and basis.startswith("like big_like in tools/bench_thumb.py") and "Cortex-M33" in basis
    assert profile.mac_cycles(load_board("pico"), 8_000, 40.0)[0] == 11.0
    # not a Cortex-M: x64 viper instructions per MAC x the core's CPI
    xiao = load_board("xiao_esp32s3_sense")
    assert profile.mac_cycles(xiao, 8_000, 40.0) == (40.0 * profile.cpi(xiao), "viper, x64 instr/MAC x CPI")


def test_without_a_bench_run_the_recorded_figures_apply(tmp_path, monkeypatch):
    monkeypatch.setattr(profile, "BENCH_DIR", tmp_path)
    figures, source = profile.thumb_figures()
    assert figures == profile.DEFAULT_THUMB and "defaults" in source
    assert set(profile.DEFAULT_THUMB) >= {"micro_speech_like", "person_detect_like", "ds_cnn_like"}
    for macs, costs in profile.DEFAULT_THUMB.values():
        assert set(costs) == {"Cortex-M0+", "Cortex-M4", "Cortex-M33", "Cortex-M7"}
        assert costs["Cortex-M7"] < costs["Cortex-M4"] < costs["Cortex-M0+"]


def test_a_cortex_m_board_counts_the_model_itself(tmp_path):
    """With the ARM Thumb test bed the profile counts the user's model as the board's
    package runs it (viper fallbacks and every other op included), once per mpy arch."""
    from midge_host import modelgen, thumbcount
    problem = thumbcount.missing()
    if problem:
        pytest.skip(problem)
    model = tmp_path / "conv.tflite"
    model.write_bytes(modelgen.build_model("conv"))
    cache = {}
    pico, basis = profile.mac_cycles(load_board("pico"), 64_160, 40.0, model, cache)
    assert basis == "this model in the ARM Thumb test bed, armv6m package, costed for a Cortex-M0+"
    pico_w, _ = profile.mac_cycles(load_board("pico_w"), 64_160, 40.0, model, cache)
    nano, basis = profile.mac_cycles(load_board("nano33_ble_sense"), 64_160, 40.0, model, cache)
    assert basis.endswith("armv7emsp package, costed for a Cortex-M4")
    assert pico_w == pico and sorted(cache) == ["armv6m", "armv7emsp"]
    # the DSP kernels on an M4 take fewer cycles than the Thumb-1 ones on an M0+, and both
    # far fewer than viper's 40 x64 instructions per MAC
    assert 1 < nano < pico < 30


def test_the_recorded_figures_are_those_in_docs_benchmarks(tmp_path, monkeypatch):
    (tmp_path / "thumb.md").write_text((REPO_ROOT / "docs" / "benchmarks.md").read_text())
    monkeypatch.setattr(profile, "BENCH_DIR", tmp_path)
    assert profile.thumb_figures()[0] == profile.DEFAULT_THUMB
