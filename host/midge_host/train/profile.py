"""`midge profile`: will the model fit a board, and how fast will it run there?

Contract: ``profile(project, boards, clip=None) -> dict`` (also
``build/profile.json``), after ``midge quantize``.

**Memory** is measured on a 32-bit MicroPython with the board's code, as the
deployed app (``midge_host.deploy.heap``): Cortex-M boards on the ARM Thumb
test bed under qemu-arm with .mpy for their arch, others on the emulated
board's i386 port with x86 code; once per such pair among the boards asked
for. The files `midge deploy` writes,
the app replaying ``clip`` (default: the first recording of the test split),
run under ``-X heapsize=N`` with N found by bisection to 1 KiB. Reported:
``run_bytes``, the smallest heap in which the app builds and runs the whole
clip; ``load_bytes``, the smallest in which it builds (its peak while
loading); and, for the curious, what the built app holds, by part
(``in_use``: the model's bytes in RAM (the file, or with weights in flash the
largest op's weights), the tensor arena, the window buffer, and the rest:
midge's code, per-op and feature tables, objects). Boards with and without
PSRAM are measured apart (deploy keeps the weights in flash on the latter).
Headroom is ``1 - run_bytes / heap_bytes``; a board "fits" with
at least ``HEADROOM`` (15 %): heaps fragment, and sensor drivers, Wi-Fi and
the board's own firmware take their share. The deployed files' bytes for the
board's arch are compared with its flash.

**Latency** per window is an estimate from a cost model:

    cycles  = MACs x cycles_per_MAC(board) + new samples x instr_per_sample x CPI(core)
    latency = cycles / clock_hz

New samples are a window's, or only a stride's where the app computes the features
frame by frame as samples arrive (``midge.framestream.can_stream``: the spectral
kinds, mono, the stride a whole number of frames), so each frame's row is computed
once, not once per window that spans it.

``cycles_per_MAC`` on a Cortex-M board that runs midge's asm_thumb kernels
(``midge.fast.asm_variant`` of its mpy arch: the DSP kernels on a Cortex-M4, M7
or M33, the armv6m ones on a Cortex-M0+) is counted: the model's invokes run in
the ARM Thumb test bed with the device package compiled for the board's arch
(``midge_host.thumbcount``, about 2 M MACs against 0 invokes), their instruction
mix costed with the core's instruction timings (``midge_host.thumbcycles``), so
ops that fall back to viper and every other op are in it. Without the test bed
it is the estimate of the ``tools/bench_thumb.py`` model nearest in MACs, read
from out/bench/thumb.md when present, else docs/benchmarks.md's
(``DEFAULT_THUMB``). On other boards it is instr_per_MAC x CPI(core), with
``instr_per_MAC`` the x64 instruction count of midge's viper kernels measured by
``make bench`` (callgrind; out/bench/nn.md, else ``DEFAULT_NN``).
``instr_per_sample`` is the x64 count of the viper feature paths (out/bench/dsp.md,
else ``DEFAULT_DSP``) on every board. Per MAC figures are those of the benchmark
model whose MAC count is nearest (log scale) to this model's; instr_per_sample
that of the benchmark's default config of the same feature kind, per input
sample. ``CPI`` converts x64 instructions into board cycles (an assumption per
core type, docs/training.md). The real-time factor is latency / stride (below 1:
keeps up). Camera models have no stride: their factor is None.

Verdict per board: "fits", "too big" (under 15 % heap headroom, or the files
over the flash) or "too slow" (real-time factor >= 1).
"""

import json
import math
from pathlib import Path

from midge_host.boards import load_board
from midge_host.deploy.target import ARCH_BY_ID
from midge_host.deploy import weights_for
from midge_host.deploy.artifacts import load_build
from midge_host.deploy.heap import app_heap, files_bytes, in_use, measured_with
from midge_host.errors import MidgeError
from midge_host.modelinfo import describe
from midge_host.paths import REPO_ROOT
from midge_host.thumbcycles import core_of
from midge_host.train import artifacts

BENCH_DIR = REPO_ROOT / "out" / "bench" if REPO_ROOT else None
"""Where `make bench` writes its figures in a checkout (none when midge is installed)."""
HEADROOM = 0.15
"""The share of a board's heap the app must leave free to "fit"."""
DEFAULT_NN = {  # model: (MACs, instr/MAC midge viper), docs/benchmarks.md, 2026-11-22
    "hello_world_int8": (288, 80.6),
    "micro_speech_quantized": (336000, 63.1),
    "person_detect": (7157888, 33.4),
    "suite: keras_kws": (8352, 92.0),
    "suite: depthwise": (4680, 103.9),
}
DEFAULT_DSP = {  # kind: instructions per window (viper) of its default config, docs/benchmarks.md
    "micro_speech": 23.28e6, "spectrogram": 11.90e6, "mfe": 30.94e6, "mfcc": 16.83e6, "motion": 1.69e6,
}
DEFAULT_THUMB = {  # model: (MACs, {core: est. cycles/MAC, asm_thumb kernels}), docs/benchmarks.md, 2026-12-03
    "micro_speech_like": (336000, {"Cortex-M4": 5.37, "Cortex-M33": 5.37, "Cortex-M7": 4.28, "Cortex-M0+": 9.47}),
    "person_detect_like": (7157888, {"Cortex-M4": 5.89, "Cortex-M33": 5.89, "Cortex-M7": 4.64, "Cortex-M0+": 11.16}),
    "ds_cnn_like": (2656768, {"Cortex-M4": 5.54, "Cortex-M33": 5.54, "Cortex-M7": 4.38, "Cortex-M0+": 10.62}),
    "op spec: dense": (4608, {"Cortex-M4": 9.84, "Cortex-M33": 9.84, "Cortex-M7": 7.48, "Cortex-M0+": 14.23}),
    "op spec: conv": (64160, {"Cortex-M4": 8.25, "Cortex-M33": 8.25, "Cortex-M7": 6.29, "Cortex-M0+": 12.22}),
    "op spec: depthwise": (4680, {"Cortex-M4": 17.53, "Cortex-M33": 17.53, "Cortex-M7": 12.82, "Cortex-M0+": 26.52}),
}
BENCH_SAMPLES = {"micro_speech": 16000, "spectrogram": 16000, "mfe": 16000, "mfcc": 16000, "motion": 600}
"""Input samples per window of each kind's default config (1 s at 16 kHz; motion 2 s x 100 Hz x 3 axes)."""
CPI = (  # (substring of the board's "core", board cycles per x64 instruction)
    ("Cortex-M0+", 2.5),
    ("Cortex-M7", 1.0),
    ("Cortex-M33", 1.8),
    ("Cortex-M4", 1.8),
    ("Xtensa", 2.0),
)
EDGE_IMPULSE_MOSQUITO = {"ram_bytes": 17100, "flash_bytes": 69300,
                         "latency_ms": {"Cortex-M4 at 64 MHz": 133, "Cortex-M7 at 480 MHz": 27}}
"""Edge Impulse's published figures for its int8 mosquito-wingbeat model (reference only)."""

def _table(path, key):
    """Rows of the first Markdown table in ``path`` whose header holds ``key``, as dicts."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and key in line:
            head = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(head, [c.strip() for c in row.strip("|").split("|")])))
            return rows
    return []


def _number(text):
    text = text.replace(",", "")
    scale = 1e6 if text.endswith(" M") else 1
    try:
        return float(text.rstrip(" M")) * scale
    except ValueError:
        return None


def _shown(path):
    """``path`` relative to the checkout where it is inside it."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def bench_figures():
    """({model: (MACs, instr/MAC)}, {kind: instr/window}, source text)."""
    nn, dsp, sources = dict(DEFAULT_NN), dict(DEFAULT_DSP), []
    if BENCH_DIR is None:
        return nn, dsp, "docs/benchmarks.md (defaults)"
    nn_md, dsp_md = BENCH_DIR / "nn.md", BENCH_DIR / "dsp.md"
    if nn_md.is_file():
        measured = {r["model"]: (_number(r["MACs"]), _number(r["instr/MAC midge"]))
                    for r in _table(nn_md, "instr/MAC midge")}
        measured = {k: v for k, v in measured.items() if v[0] and v[1]}
        if measured:
            nn, sources = measured, sources + [_shown(nn_md)]
    if dsp_md.is_file():
        measured = {r["extractor"]: _number(r["instructions /window"])
                    for r in _table(dsp_md, "instructions /window")}
        measured = {k: v for k, v in measured.items() if k in DEFAULT_DSP and v}
        if measured:
            dsp.update(measured)
            sources.append(_shown(dsp_md))
    source = (" and ".join(sources) + " (make bench)") if sources else "docs/benchmarks.md (defaults)"
    if sources and len(sources) < 2:
        source += ", other figures from docs/benchmarks.md"
    return nn, dsp, source


def thumb_figures():
    """({model: (MACs, {core: cycles/MAC})}, source text): out/bench/thumb.md's estimates, else
    DEFAULT_THUMB."""
    md = BENCH_DIR / "thumb.md" if BENCH_DIR is not None else None
    if md is not None and md.is_file():
        measured = {}
        for row in _table(md, "cycles/MAC"):
            costs = {key.replace(" cycles/MAC", ""): _number(value) for key, value in row.items()
                     if key.endswith(" cycles/MAC")}
            macs = _number(row.get("MACs", ""))
            if macs and costs and all(costs.values()):
                measured[row["model"]] = (macs, costs)
        if measured:
            return measured, f"{_shown(md)} (make bench)"
    return dict(DEFAULT_THUMB), "docs/benchmarks.md (defaults)"


def _nearest(figures, macs):
    """The benchmark model of ``figures`` ({model: (MACs, ...)}) nearest ``macs`` on a log scale."""
    return min(figures, key=lambda m: abs(math.log(max(figures[m][0], 1)) - math.log(max(macs, 1))))


def cost_model(macs, kind):
    """(instr per MAC, benchmark model used, instr per sample, source)."""
    nn, dsp, source = bench_figures()
    name = _nearest(nn, macs)
    per_sample = dsp[kind] / BENCH_SAMPLES[kind] if kind in dsp else 0.0
    return nn[name][1], name, per_sample, source


def _asm_variant(board):
    """The asm_thumb kernels ``board`` runs (the device's ``midge.fast.asm_variant``), or None."""
    from midge.fast import asm_variant
    return asm_variant(ARCH_BY_ID.index(board.mpy_arch) if board.mpy_arch in ARCH_BY_ID else 0)


def thumb_core(board):
    """The Cortex-M core whose asm_thumb estimate applies to ``board``, or None: the core
    must run the asm kernels its figures were costed from (DSP ones on an M4/M7/M33, the
    armv6m ones on an M0+)."""
    core = core_of(board.core)
    variant = _asm_variant(board)
    if core == "Cortex-M0+":
        return core if variant == "armv6m" else None
    return core if core and variant == "armv7emsp" else None


COUNT_MACS = 2_000_000
"""MACs (invokes x the model's) a test bed count of the model runs, at least one invoke."""


def _measured(model, board, macs, cache):
    """{core: cycles/MAC} of ``model`` as ``board``'s package runs it in the ARM Thumb test bed
    (cached per mpy arch in ``cache``), or None where instructions cannot be counted here."""
    from midge_host import thumbcount
    if thumbcount.missing():
        return None
    if board.mpy_arch not in cache:
        # the test bed picks the DSP kernels by itself; the Thumb-1 ones need asking for
        asm = "armv6m" if _asm_variant(board) == "armv6m" else None
        n = max(1, COUNT_MACS // max(macs, 1))
        cache[board.mpy_arch] = thumbcount.per_mac_cycles(model, n, asm=asm, arch=board.mpy_arch)[1]
    return cache[board.mpy_arch]


def mac_cycles(board, macs, per_mac, model=None, cache=None):
    """(cycles per MAC on ``board``, how it was found) for a model of ``macs`` MACs.

    A Cortex-M board that runs the asm_thumb kernels: ``model`` (a .tflite path) counted in
    the ARM Thumb test bed with the board's package (``_measured``), else, without the test
    bed or a model, the nearest benchmark model of ``thumb_figures``. Other boards:
    ``per_mac`` (x64 viper instructions per MAC) x CPI."""
    core = thumb_core(board)
    if core is not None:
        measured = _measured(model, board, macs, cache if cache is not None else {}) if model else None
        if measured is not None:
            return measured[core], (f"this model in the ARM Thumb test bed, {board.mpy_arch} package, "
                                    f"costed for a {core}")
        figures, source = thumb_figures()
        name = _nearest(figures, macs)
        if core in figures[name][1]:
            return figures[name][1][core], f"like {name} in tools/bench_thumb.py, {source}, for a {core}"
    factor = cpi(board)
    return (per_mac * factor if factor else None), "viper, x64 instr/MAC x CPI"


def new_samples(meta):
    """Samples whose features a window costs: a stride's when the app streams its
    features frame by frame (as ``midge.app_build`` decides), else the whole window's."""
    from midge.app_pipeline import extractor
    from midge.framestream import can_stream
    if meta["sensor"] != "camera" and can_stream(extractor(meta), meta["stride_samples"]):
        return meta["stride_samples"]
    return meta["window_samples"] * meta["channels"]


def cpi(board):
    """Board cycles per x64 instruction for the board's core (None if unknown, e.g. the host)."""
    for needle, value in CPI:
        if needle in board.core:
            return value
    return None


def default_clip(project):
    """The first recording (a camera project: image) of the project's test split."""
    path = project.dir / "splits.json"
    try:
        files = json.loads(path.read_text())["sides"]["test"]["files"]
    except (OSError, ValueError, KeyError, TypeError):
        files = []
    for name in files:
        if (project.dir / name).is_file():
            return project.dir / name
    raise MidgeError(f"{project.dir} has no test recording to replay for the memory measurement",
                     hint="pass --clip FILE (a recording at the model's rate), or run `midge train` first")


def profile(project, boards, clip=None, progress=None):
    """Profile the quantized model on ``boards`` (names); see the module docstring."""
    build = project.dir / "build"
    meta = artifacts.read_json(build / "meta.json")
    if meta is None or not (build / "model.tflite").is_file():
        raise MidgeError(f"{project.dir} has no quantized model (build/model.tflite)",
                         hint=f"run `midge quantize {project.dir}` first")
    deployed = load_build(project.dir)
    clip = Path(clip) if clip is not None else default_clip(project)
    if clip is not None and not clip.is_file():
        raise MidgeError(f"clip {clip} not found")
    info = describe(build / "model.tflite", tflm_arena=False)
    profiles = [load_board(name) for name in boards]
    # per board: the interpreter, in words, and where the deployed app keeps the weights
    basis = [(measured_with(board)[2], weights_for(board)) for board in profiles]
    heaps = {}  # basis -> app_heap's figures, one bisection each
    for board, key in zip(profiles, basis):
        if key not in heaps:
            heaps[key] = app_heap(deployed, board, clip, progress)
    heap = heaps[basis[0]]
    parts = in_use(deployed, profiles[0], clip) if clip is not None else None
    kind = meta["features"]["kind"]
    per_mac, bench_model, per_sample, source = cost_model(info["macs"], kind)
    samples = new_samples(meta)
    stride_s = meta["stride_samples"] / meta["sample_rate"] if meta["stride_samples"] else None
    rows, counted = [], {}
    for board, key in zip(profiles, basis):
        measured = heaps[key]
        needed = measured["run_bytes"] or measured["load_bytes"]
        factor = cpi(board)
        per_mac_cycles, mac_basis = mac_cycles(board, info["macs"], per_mac, build / "model.tflite", counted)
        latency = None
        if factor and per_mac_cycles and board.clock_hz:
            cycles = info["macs"] * per_mac_cycles + samples * per_sample * factor
            latency = cycles / board.clock_hz * 1000
        rtf = latency / 1000 / stride_s if latency is not None and stride_s else None
        files = files_bytes(deployed, board.mpy_arch)
        headroom = 1 - needed / board.heap_bytes
        reasons = []
        if headroom < HEADROOM:
            reasons.append(f"the app needs {needed:,} B of heap, the board has {board.heap_bytes:,} B "
                           f"({headroom:.0%} headroom; fitting takes {HEADROOM:.0%})")
        if board.flash_bytes and files["total"] > board.flash_bytes:
            reasons.append(f"the deployed files ({files['total']:,} B) exceed the flash ({board.flash_bytes:,} B)")
        verdict = "too big" if reasons else "fits"
        if not reasons and rtf is not None and rtf >= 1:
            verdict = "too slow"
            reasons.append(f"{latency:.0f} ms per window, a window arrives every {1000 * stride_s:.0f} ms")
        rows.append({"board": board.name, "core": board.core, "clock_hz": board.clock_hz, "cpi": factor,
                     "cycles_per_mac": per_mac_cycles, "mac_basis": mac_basis,
                     "heap_bytes": board.heap_bytes, "ram_bytes": needed, "headroom": headroom,
                     "measured_with": measured["measured_with"],
                     "files_bytes": files, "board_flash_bytes": board.flash_bytes,
                     "latency_ms": latency, "rtf": rtf, "verdict": verdict, "reasons": reasons})
    doc = {"model_bytes": info["bytes"], "arena_bytes": info["arena"]["midge"], "macs": info["macs"],
           "heap": dict(heap, clip=str(clip) if clip else None),
           "heaps": [dict(h, clip=str(clip) if clip else None) for h in heaps.values()], "in_use": parts, "window_samples": samples,
           "cost_model": {"instr_per_mac": per_mac, "bench_model": bench_model,
                          "instr_per_sample": per_sample, "source": source},
           "boards": rows}
    if project.model["name"] == "mosquito_cnn1d":
        doc["reference"] = {"edge_impulse_mosquito": EDGE_IMPULSE_MOSQUITO}
    artifacts.write_json(build / "profile.json", doc)
    artifacts.write_model_card(project)
    return doc
