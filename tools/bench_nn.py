"""Interpreter benchmark: midge.nn on the MicroPython unix port against TFLM's C kernels.

    python tools/bench_nn.py [--quick] [--no-valgrind] [--out out/bench/nn.md]

For each model (the reference hello_world_int8, micro_speech_quantized and person_detect
from ../shared/reference, and two of midge_host.modelgen's suite) it measures, on this
machine in one run:

- microseconds per inference of midge's engine under the unix port, viper kernels on and
  off (MIDGE_NO_VIPER=1), and of TFLM's reference C kernels through the `tflite-micro`
  runtime (``runtime.Interpreter.invoke`` from Python). Each is the best of several
  rounds of many back-to-back invokes of one loaded model on one random input, so the
  per-call cost of the Python loop (well under a microsecond) is included in both;
- MACs per inference (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, nominal: every tap)
  and, where valgrind is installed, instructions per MAC: callgrind's instruction count
  of a process that loads the model and invokes it N times, minus that of the same
  process invoking it 0 times, over N x MACs (midge_host.permac; the micropython process
  for midge with viper, the Python process for TFLM);
- heap bytes allocated during one invoke (``gc.mem_alloc()`` after minus before, with
  the collector disabled so temporaries count);
- arena bytes: midge's planned arena, and the smallest arena TFLM runs the model in
  (``tflm_arena_bytes``, which also holds TFLM's tensor and node structs).

It prints a Markdown table and writes it to --out. Exit status 1 if a step fails.
"""

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from midge_host import modelgen, permac
from midge_host.tflm import load_model, read_model, tflm_arena_bytes
from midge_host.unixport import micropython_executable, unixport_env

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference" / "tflm"
REFERENCE_MODELS = ("hello_world/hello_world_int8.tflite", "micro_speech/micro_speech_quantized.tflite",
                    "person_detection/person_detect.tflite")
SUITE_MODELS = ("keras_kws", "depthwise")

DEVICE_SCRIPT = permac.LOAD_SCRIPT + r"""
import time

def main(path, src, n, min_us, rounds):
    m = loaded(path, src)
    m.invoke()
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    m.invoke()
    grown = gc.mem_alloc() - before
    gc.enable()
    while True:
        t = time.ticks_us()
        for _ in range(n):
            m.invoke()
        if time.ticks_diff(time.ticks_us(), t) >= min_us:
            break
        n *= 2
    best = None
    for _ in range(rounds):
        t = time.ticks_us()
        for _ in range(n):
            m.invoke()
        dt = time.ticks_diff(time.ticks_us(), t)
        if best is None or dt < best:
            best = dt
    print("RESULT", best / n, grown, m.arena_size)

main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
"""

TFLM_SCRIPT = r"""
import sys
sys.path.insert(0, sys.argv[4])
from bench_nn import tflm_interpreter
it = tflm_interpreter(sys.argv[1], sys.argv[2])
for _ in range(int(sys.argv[3])):
    it.invoke()
"""


class BenchError(Exception):
    pass


def models(tmp):
    """(name, path) of every benchmarked model; suite models are built (cached) by modelgen."""
    found = []
    for rel in REFERENCE_MODELS:
        path = REFERENCE / rel
        if not path.exists():
            raise BenchError(f"reference model {path} not found (clone ../shared beside the repo)")
        found.append((path.stem, path))
    for name in SUITE_MODELS:
        path = tmp / f"{name}.tflite"
        path.write_bytes(modelgen.build_model(name, 0))
        found.append((f"suite: {name}", path))
    return found


def run_midge(path, src, viper, n=1, min_us=200000, rounds=5, wrap=()):
    cmd = list(wrap) + [micropython_executable(), "-c", DEVICE_SCRIPT, str(path), str(src),
                        str(n), str(min_us), str(rounds)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=unixport_env(viper=viper))
    if proc.returncode != 0:
        raise BenchError(f"midge on {path.name} failed:\n{proc.stdout}{proc.stderr}")
    us, grown, arena = re.search(r"RESULT (\S+) (\S+) (\S+)", proc.stdout).groups()
    return float(us), int(grown), int(arena)


def tflm_interpreter(path, src):
    """A tflite-micro runtime interpreter of the model at ``path`` with the record ``src`` set."""
    from tflite_micro import runtime
    data = load_model(path)
    it = runtime.Interpreter.from_bytes(data, arena_size=4 << 20)
    raw = Path(src).read_bytes()
    k = 0
    for i in range(len(read_model(data).subgraphs[0].inputs)):
        d = it.get_input_details(i)
        size = int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize
        it.set_input(np.frombuffer(raw[k:k + size], d["dtype"]).reshape(d["shape"]), i)
        k += size
    return it


def time_tflm(path, src, min_s, rounds):
    """Best microseconds per ``invoke`` of the tflite-micro runtime, in this process."""
    it = tflm_interpreter(path, src)
    it.invoke()
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            it.invoke()
        if time.perf_counter() - t >= min_s:
            break
        n *= 2
    best = min(_timed(it, n) for _ in range(rounds))
    return best / n * 1e6


def _timed(it, n):
    t = time.perf_counter()
    for _ in range(n):
        it.invoke()
    return time.perf_counter() - t


def callgrind_instructions(cmd, env):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd,
                              capture_output=True, text=True, timeout=3600, env=env)
        if proc.returncode != 0:
            raise BenchError(f"valgrind failed: {proc.stderr[-2000:]}")
        match = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.M)
        return int(match.group(1))


def instructions_per_mac(path, src, macs, n):
    """(midge viper, TFLM) instructions per MAC: N invokes minus 0 invokes, over N x MACs."""
    def midge(k):
        cmd = [micropython_executable(), "-c", permac.INVOKE_SCRIPT, str(path), str(src), str(k)]
        return callgrind_instructions(cmd, unixport_env(viper=True))

    def tflm(k):
        cmd = [sys.executable, "-c", TFLM_SCRIPT, str(path), str(src), str(k), str(Path(__file__).parent)]
        return callgrind_instructions(cmd, dict(os.environ, PYTHONHASHSEED="0"))

    return permac.per_mac(midge, macs, n), permac.per_mac(tflm, macs, n)


def machine():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return re.search(r"Model name:\s*(.+)", out).group(1).strip()
    except (OSError, AttributeError):
        return "unknown CPU"


def fmt_us(us):
    return f"{us:,.0f}" if us >= 100 else f"{us:.1f}"


def bench(args):
    rows = []
    valgrind = not args.no_valgrind and shutil.which("valgrind")
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in models(Path(tmp)):
            print(f"bench_nn: {name} ...", file=sys.stderr, flush=True)
            src = permac.record_file(path, tmp)
            macs = permac.macs(path)
            rounds = 2 if args.quick else 5
            viper_us, grown, arena = run_midge(path, src, True, min_us=50000 if args.quick else 200000,
                                               rounds=rounds)
            plain_us, plain_grown, _ = run_midge(path, src, False, min_us=50000 if args.quick else 200000,
                                                 rounds=1 if macs > 1000000 else rounds)
            tflm_us = time_tflm(path, src, 0.05 if args.quick else 0.2, rounds)
            ipm = None
            if valgrind and macs:
                # enough invokes that they dwarf run-to-run noise of the 0-invoke baseline
                n = max(2, (8000000 if args.quick else 30000000) // (macs + 2000))
                ipm = instructions_per_mac(path, src, macs, n)
            rows.append(dict(name=name, macs=macs, viper=viper_us, plain=plain_us, tflm=tflm_us,
                             ipm=ipm, grown=grown, plain_grown=plain_grown, arena=arena,
                             tflm_arena=tflm_arena_bytes(path)))
    return rows, bool(valgrind)


def table(rows, valgrind, quick):
    mp = subprocess.run([micropython_executable(), "-c", "import sys; print(sys.version)"],
                        capture_output=True, text=True).stdout.strip()
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {machine()} ({os.cpu_count()} CPUs), "
        f"MicroPython unix port {mp}, `tools/bench_nn.py{' --quick' if quick else ''}`.",
        "",
        "| model | MACs | midge viper µs | midge plain µs | TFLM µs | viper / TFLM | "
        "instr/MAC midge | instr/MAC TFLM | heap per invoke (viper, plain) | arena midge | arena TFLM | arena ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ipm = ("%.1f" % r["ipm"][0], "%.1f" % r["ipm"][1]) if r["ipm"] else ("n/a", "n/a")
        lines.append(
            f"| {r['name']} | {r['macs']:,} | {fmt_us(r['viper'])} | {fmt_us(r['plain'])} | {fmt_us(r['tflm'])} | "
            f"{r['viper'] / r['tflm']:.2f} | {ipm[0]} | {ipm[1]} | {r['grown']} B, {r['plain_grown']} B | "
            f"{r['arena']:,} B | {r['tflm_arena']:,} B | {r['arena'] / r['tflm_arena']:.2f} |")
    if not valgrind:
        lines += ["", "valgrind is not installed (or --no-valgrind): no instruction counts."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench_nn", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter repetitions")
    parser.add_argument("--no-valgrind", action="store_true", help="skip the instruction counts")
    parser.add_argument("--out", default=str(REPO / "out" / "bench" / "nn.md"), help="Markdown output file")
    args = parser.parse_args(argv)
    try:
        rows, valgrind = bench(args)
    except BenchError as exc:
        print(f"bench_nn: {exc}", file=sys.stderr)
        return 1
    text = table(rows, valgrind, args.quick)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
