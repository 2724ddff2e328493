"""ARM Thumb benchmark: instructions per MAC of midge's int8 interpreter on a Cortex-M's code.

    python tools/bench_thumb.py [--quick] [--out out/bench/thumb.md]

In the ARM Thumb test bed (midge's 32-bit MicroPython port built for ARM Thumb-2 and run
under qemu-arm, where viper and asm_thumb code are Thumb-2 instructions) it counts, with
our qemu plugin (tools/unix32/insn_count.c, via midge_host.thumbcount), the instructions
per multiply-accumulate of three whole models from midge_host.modelgen, micro_speech_like,
person_detect_like and ds_cnn_like (MLPerf Tiny's keyword spotter's shape), and of the
single-op specs dense, conv and depthwise (per-kernel figures; dense ends in a SOFTMAX).
Each four ways: viper kernels only (MIDGE_ASM=off) and the device package's asm_thumb
kernels (MIDGE_ASM unset: the DSP extension's, as on a Cortex-M4/M7/M33), both as the test
bed compiles them (armv7emdp), then the package cross-compiled for armv6m as deploy writes
it for a Pico (its viper code a Cortex-M0+'s Thumb-1) with viper kernels only and with its
armv6m asm kernels (MIDGE_ASM=armv6m). Where the package has no asm kernel for an op the
figures of a pair agree.

Method (midge_host.permac, as tools/bench_nn.py's callgrind count on x86): a run loads
the model, puts one random record in its inputs, collects garbage and invokes it N times;
the same run with 0 invokes is subtracted, which removes start-up, compiling midge and
loading; the difference is divided by N x MACs (CONV_2D, DEPTHWISE_CONV_2D and
FULLY_CONNECTED, every filter tap counted), so every other op of a model is spread over
its MACs. N makes N x MACs about 20 M (2 M with --quick), at least 3 invokes (1).
Limits: qemu counts executed guest instructions, one per instruction whatever its
cycles (a multiply, a load or a taken branch costs different cycles on a Cortex-M0+, M4 or
M7, and an M7 issues two at a time; an IT block's skipped instructions count too), so
the figures compare code, not time. The kernels' code is what a board runs: the test bed
reports mpy arch armv7emdp, so viper emits Thumb-2 as for a Cortex-M4/M7 unless the
package is the armv6m one, and asm_thumb code runs as written. Everything around them, the MicroPython VM that dispatches the ops and the C
library, is the port's, compiled for Thumb-2 by arm-linux-gnueabihf-gcc, not a board's
firmware. Counts are deterministic: a rerun gives the same figures.

The asm ways' runs also record the instruction mix (the plugin's ``mix=``), which
midge_host.thumbcycles costs with each core's instruction timings into estimated cycles
per MAC: Cortex-M4, M33 and M7 from the DSP kernels' mix, Cortex-M0+ from the armv6m
package's; `midge profile` reads them for its latency estimates.

Prints a Markdown table (model, MACs, invokes, instructions per MAC each way and the
asm/viper ratio of each arch) and one of estimated cycles per MAC per core, writes them
to --out, and ends with the lines
``armv6m asm/viper instructions per MAC: R (model)`` and
``asm/viper instructions per MAC: R (model)``, R the largest ratio of the three whole
models (the last line the DSP kernels', against viper Thumb-2). The full run takes about
a minute on a 2-vCPU AMD EPYC, --quick about 40 s (mostly starting MicroPython and
compiling midge under qemu: eight runs per model).
Without the test bed or the plugin it says why and writes no figures (exit 0); exit 1
if a run fails.
"""

import argparse
import datetime
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from midge_host import modelgen, permac, thumbcount, thumbcycles
from midge_host.errors import MidgeError

REPO = Path(__file__).resolve().parents[1]
MODELS = ("micro_speech_like", "person_detect_like", "ds_cnn_like")
OPS = ("dense", "conv", "depthwise")
WAYS = (("viper", "off", None), ("asm", None, None), ("viper armv6m", "off", "armv6m"),
        ("asm armv6m", "armv6m", "armv6m"))
"""(column, MIDGE_ASM, package arch): MIDGE_ASM None leaves it unset; arch None runs the test
bed's own viper code (armv7emdp), "armv6m" the package compiled for a Cortex-M0+."""
CYCLES = {"asm": ("Cortex-M4", "Cortex-M33", "Cortex-M7"), "asm armv6m": ("Cortex-M0+",)}
"""The ways whose instruction mix is costed (midge_host.thumbcycles), and on which cores:
what a board of that core runs (the DSP asm kernels; a Pico's armv6m package)."""


def invokes(macs, quick):
    """N: about 20 M MACs in all (2 M quick), at least 3 invokes (1 quick)."""
    return max(1 if quick else 3, (2_000_000 if quick else 20_000_000) // macs)


def bench(quick):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in MODELS + OPS:
            print(f"bench_thumb: {name} ...", file=sys.stderr, flush=True)
            path = Path(tmp) / f"{name}.tflite"
            path.write_bytes(modelgen.build_model(name))
            macs = permac.macs(path)
            n = invokes(macs, quick)
            figures, cycles, kinds = {}, {}, {}
            for column, asm, arch in WAYS:
                if column in CYCLES:
                    figures[column], costs, kinds[column] = thumbcount.per_mac_cycles(path, n, asm, arch)
                    cycles.update({core: costs[core] for core in CYCLES[column]})
                else:
                    figures[column] = thumbcount.per_mac(path, n, asm, arch)
            rows.append(dict(name=name, whole=name in MODELS, macs=macs, n=n, cycles=cycles, kinds=kinds,
                             **figures))
    return rows


def machine():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return re.search(r"Model name:\s*(.+)", out).group(1).strip()
    except (OSError, AttributeError):
        return "unknown CPU"


def qemu_version():
    out = subprocess.run(["qemu-arm", "--version"], capture_output=True, text=True).stdout
    found = re.search(r"version (\S+)", out)
    return found.group(1) if found else "unknown"


def table(rows, quick):
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {machine()} ({os.cpu_count()} CPUs), "
        f"qemu-arm {qemu_version()}, midge's ARM Thumb MicroPython port, "
        f"`tools/bench_thumb.py{' --quick' if quick else ''}`. Instructions per MAC: N invokes "
        "minus 0, over N x MACs.",
        "",
        "| model | MACs | invokes | viper instr/MAC | asm instr/MAC | asm / viper | "
        "armv6m: viper instr/MAC | armv6m: asm instr/MAC | armv6m: asm / viper |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        name = r["name"] if r["whole"] else f"op spec: {r['name']}"
        lines.append(f"| {name} | {r['macs']:,} | {r['n']} | {r['viper']:.2f} | {r['asm']:.2f} | "
                     f"{r['asm'] / r['viper']:.2f} | {r['viper armv6m']:.2f} | {r['asm armv6m']:.2f} | "
                     f"{r['asm armv6m'] / r['viper armv6m']:.2f} |")
    cores = [core for column in CYCLES.values() for core in column]
    lines += ["", "Estimated cycles per MAC (midge_host.thumbcycles: the asm ways' instruction mixes "
              "costed with each core's instruction timings; Cortex-M0+: the armv6m package):", "",
              "| model | MACs | " + " | ".join(f"{core} cycles/MAC" for core in cores) + " |",
              "|---|---:|" + "---:|" * len(cores)]
    for r in rows:
        name = r["name"] if r["whole"] else f"op spec: {r['name']}"
        lines.append(f"| {name} | {r['macs']:,} | " + " | ".join(f"{r['cycles'][c]:.2f}" for c in cores) + " |")
    if all("kinds" in r for r in rows):
        kinds = thumbcycles.KINDS
        lines += ["", "The asm ways' instruction mix, instructions per MAC by kind (branch: any "
                  "instruction that can change the PC; taken ones cost the refill):", "",
                  "| model | asm | " + " | ".join(kinds) + " |", "|---|---|" + "---:|" * len(kinds)]
        for r in rows:
            name = r["name"] if r["whole"] else f"op spec: {r['name']}"
            for way in CYCLES:
                lines.append(f"| {name} | {way} | " + " | ".join(f"{r['kinds'][way][k]:.2f}" for k in kinds) + " |")
    whole = [r for r in rows if r["whole"]]
    m0 = max(whole, key=lambda r: r["asm armv6m"] / r["viper armv6m"])
    worst = max(whole, key=lambda r: r["asm"] / r["viper"])
    lines += ["", f"armv6m asm/viper instructions per MAC: {m0['asm armv6m'] / m0['viper armv6m']:.2f} ({m0['name']})",
              f"asm/viper instructions per MAC: {worst['asm'] / worst['viper']:.2f} ({worst['name']})"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench_thumb", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer invokes")
    parser.add_argument("--out", default=str(REPO / "out" / "bench" / "thumb.md"), help="Markdown output file")
    args = parser.parse_args(argv)
    problem = thumbcount.missing()
    if problem:
        text = f"No ARM Thumb instruction counts: {problem}.\n"
    else:
        try:
            text = table(bench(args.quick), args.quick)
        except MidgeError as exc:
            print(f"bench_thumb: {exc}", file=sys.stderr)
            return 1
    print(text, end="")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
