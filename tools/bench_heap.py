"""Benchmark the heap each template's deployed app needs on a 32-bit board:
`python tools/bench_heap.py [--quick] [--out FILE] [--template T ...]`.

For every audio and IMU template: `midge new`, `midge data synth`, a short
`midge train` and `midge quantize` (in out/bench/heap-projects/; --reuse
keeps projects already built there), then ``midge_host.deploy.heap.app_heap`` (the smallest heap in which
the deployed app loads, and runs 12 s of a test recording, by bisection on
a 32-bit port with the board's code: the ARM Thumb test bed for Cortex-M
boards, i386 otherwise) and the deployed files' bytes for the board's arch.
Headroom is given on the template's own board and on the Pico and the Pico W
(armv6m code), the smallest heaps of all profiles. Prints a Markdown table
and writes it to --out (default out/bench/heap.md).
"""

import argparse
import contextlib
import io
import shutil
import sys
from pathlib import Path

from midge_host.boards import load_board
from midge_host.cli import main as midge
from midge_host.deploy.artifacts import load_build
from midge_host.deploy.heap import app_heap, files_bytes, measured_with
from midge_host.project import load_project
from midge_host.train.profile import default_clip

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = {  # template: (files per class, settings for a short training run)
    "mosquito": (40, ["training.epochs=20"]),
    "rainfall": (15, ["training.epochs=10"]),
    "kws": (12, ["training.epochs=10"]),
    "motion": (40, ["training.epochs=30"]),
    "anomaly": (15, ["training.epochs=10"]),
}
SMALL_BOARDS = ("pico", "pico_w")


def run(*argv):
    """Run a midge command quietly; raise with its output when it fails."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = midge([str(a) for a in argv])
    if code != 0:
        raise SystemExit(f"midge {' '.join(map(str, argv))} failed:\n{out.getvalue()}")


def build_project(folder, template, reuse, templates=TEMPLATES):
    """The project of ``template`` in ``folder``: made, synthesized, trained and quantized
    with ``templates[template]``'s (files per class, settings), or kept with ``reuse``."""
    count, settings = templates[template]
    if reuse and (folder / "build/model.tflite").is_file():
        return load_project(folder)
    shutil.rmtree(folder, ignore_errors=True)
    run("new", folder, "--template", template, *sum((["--set", s] for s in settings), []))
    run("data", "synth", folder, "--count", count)
    run("train", folder)
    run("quantize", folder)
    return load_project(folder)


def kib(n):
    return f"{n / 1024:,.0f} KiB" if n % 1024 == 0 else f"{n / 1024:,.1f} KiB"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted for make bench; changes nothing")
    parser.add_argument("--out", default=str(ROOT / "out/bench/heap.md"))
    parser.add_argument("--template", action="append", choices=sorted(TEMPLATES))
    parser.add_argument("--reuse", action="store_true", help="reuse projects already trained under out/bench")
    args = parser.parse_args(argv)
    rows = ["| template | board | app heap, own board | load peak | headroom | app heap, Pico (armv6m) "
            "| headroom: pico | pico_w | deployed files (own arch): code + model |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    notes = set()
    for template in args.template or list(TEMPLATES):
        folder = ROOT / "out/bench/heap-projects" / template
        folder.parent.mkdir(parents=True, exist_ok=True)
        print(f"== {template}", flush=True)
        project = build_project(folder, template, args.reuse)
        own, pico = load_board(project.board), load_board(SMALL_BOARDS[0])
        build = load_build(folder)
        clip = default_clip(project)
        heap = app_heap(build, own, clip)
        small = heap if measured_with(pico)[2] == heap["measured_with"] else app_heap(build, pico, clip)
        notes.update((heap["measured_with"], small["measured_with"]))
        needed, small_needed = heap["run_bytes"], small["run_bytes"]
        room = [f"{100 * (1 - small_needed / load_board(b).heap_bytes):.1f} %" for b in SMALL_BOARDS]
        files = files_bytes(build, own.mpy_arch)
        rows.append(f"| {template} | {own.name} ({own.mpy_arch}) | {kib(needed)} | {kib(heap['load_bytes'])} | "
                    f"{100 * (1 - needed / own.heap_bytes):.1f} % | {kib(small_needed)} | " + " | ".join(room)
                    + f" | {kib(files['code'])} + {kib(files['model'])} |")
    heaps = ", ".join(f"{b} {kib(load_board(b).heap_bytes)}" for b in SMALL_BOARDS)
    table = "\n".join(rows) + (f"\n\nHeaps: {heaps}. A board fits with >= 15 % headroom "
                               "(`midge profile`); the issue's goal on the Picos is 25 %. Measured on: "
                               + "; ".join(sorted(notes)) + ".\n")
    print(table)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
