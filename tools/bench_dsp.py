"""Benchmark midge's feature extractors: `python tools/bench_dsp.py [--quick] [--out FILE]`.

For each extractor (default config of each kind): time per window and per
frame under the MicroPython unix port with viper and without (plain), heap
growth per window (gc.mem_alloc; goal 0), real-time factor (processing time /
audio time; goal < 0.1), instructions per window from valgrind's callgrind
where valgrind is installed (viper; the difference between runs of 1 and 3
windows, so start-up and construction cancel out), and the host's throughput
in clips per second for each engine of midge_host.features.extract. Prints a
Markdown table and writes it to --out (default out/bench/dsp.md). Timings on a
shared machine vary by tens of percent from run to run.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from midge_host.features import extract, extractor
from midge_host.unixport import micropython_executable, run_micropython, unixport_env

CONFIGS = [
    {"kind": "micro_speech"},
    {"kind": "spectrogram"},
    {"kind": "mfe"},
    {"kind": "mfcc"},
    {"kind": "motion"},
    {"kind": "motion", "filter": "high", "cutoff": 0.5, "output": "int8"},
]

DEVICE_CODE = """
import gc, json, time
from array import array
from midge.features import build


def bench(fx, window, out, rounds):
    fx.process(window, out)
    gc.collect()
    before = gc.mem_alloc()
    t0 = time.ticks_us()
    for _ in range(rounds):
        fx.process(window, out)
    t1 = time.ticks_us()
    grown = gc.mem_alloc() - before
    print("alloc", grown // rounds, "us", time.ticks_diff(t1, t0) / rounds)


def main():
    fx = build(json.loads({config!r}))
    window = array("h", bytearray(2 * fx.window_samples))
    seed = 1
    for i in range(len(window)):
        seed = (seed * 75 + 74) % 65537
        window[i] = seed - 32768
    bench(fx, window, fx.new_output(), {rounds})


main()
"""


def device_run(config, rounds, viper):
    """(heap bytes per window, microseconds per window) under the unix port."""
    code = DEVICE_CODE.format(config=json.dumps(config), rounds=rounds)
    fields = run_micropython(code=code, viper=viper, timeout=600).check().split()
    return int(fields[1]), float(fields[3])


def callgrind_instructions(config):
    """Instructions per window (viper) from callgrind, or None without valgrind."""
    valgrind = shutil.which("valgrind")
    if not valgrind:
        return None
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        for rounds in (1, 3):
            out = Path(tmp) / f"cg.{rounds}"
            code = DEVICE_CODE.format(config=json.dumps(config), rounds=rounds)
            subprocess.run([valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
                            micropython_executable(), "-c", code],
                           capture_output=True, check=True, timeout=600, env=unixport_env(viper=True))
            summary = [line for line in out.read_text().splitlines() if line.startswith("summary:")]
            totals.append(int(summary[0].split()[1]))
    return (totals[1] - totals[0]) // 2


def host_throughput(config, count, engine):
    """Clips per second through midge_host.features.extract."""
    fx = extractor(config)
    rng = np.random.default_rng(0)
    clips = [rng.integers(-20000, 20000, fx.window_samples) for _ in range(count)]
    extract(config, clips[:2], engine=engine)  # warm-up (imports, tables)
    t0 = time.perf_counter()
    extract(config, clips, engine=engine)
    return count / (time.perf_counter() - t0)


def describe(config):
    extra = {k: v for k, v in config.items() if k != "kind"}
    return config["kind"] + (" " + ", ".join(f"{k}={v}" for k, v in extra.items()) if extra else "")


def bench(quick):
    rounds, plain_rounds, clips = (5, 1, 50) if quick else (30, 3, 400)
    rows = []
    for config in CONFIGS:
        fx = extractor(config)
        frames = fx.window_frames if config["kind"] == "motion" else fx.window_samples
        seconds = frames / fx.config["sample_rate"]
        alloc_v, us_v = device_run(config, rounds, True)
        alloc_p, us_p = device_run(config, plain_rounds, False)
        slow = config["kind"] == "micro_speech"  # its "host" engine is CPython running device code
        host = {"micropython": host_throughput(config, clips, "micropython"),
                "host": host_throughput(config, max(4, clips // 20) if slow else clips, "host")}
        rows.append({
            "extractor": describe(config), "shape": "x".join(map(str, fx.shape)),
            "audio_s": seconds, "viper_us": us_v, "plain_us": us_p, "frames": fx.frame_count,
            "alloc": max(alloc_v, alloc_p), "rtf": us_v / 1e6 / seconds,
            "ir": None if quick else callgrind_instructions(config), **host,
        })
    return rows


def markdown(rows, quick):
    head = ("| extractor | output | window | viper /window | viper /frame | plain /window | "
            "heap /window | RTF (viper) | instructions /window | host engine | micropython engine |")
    lines = [
        f"Unix port (x64) on {platform.processor() or platform.machine()}, "
        f"{'quick run' if quick else 'full run'}; host throughput in clips per second.",
        "",
        head,
        "|" + "---|" * (head.count("|") - 1),
    ]
    for r in rows:
        ir = f"{r['ir'] / 1e6:.2f} M" if r["ir"] else "-"
        lines.append(
            f"| {r['extractor']} | {r['shape']} | {r['audio_s']:g} s | {r['viper_us'] / 1000:.2f} ms | "
            f"{r['viper_us'] / r['frames']:.1f} us | {r['plain_us'] / 1000:.1f} ms | {r['alloc']} B | "
            f"{r['rtf']:.4f} | {ir} | {r['host']:.0f} | {r['micropython']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, no callgrind")
    parser.add_argument("--out", default="out/bench/dsp.md", help="Markdown file to write")
    args = parser.parse_args(argv)
    os.environ.pop("MIDGE_NO_VIPER", None)
    table = markdown(bench(args.quick), args.quick)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    print(table)
    print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
