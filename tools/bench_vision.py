"""Benchmark the camera templates on the vision boards:
`python tools/bench_vision.py [--quick] [--out FILE] [--reuse]`.

For person and objects: `midge new`, `midge data synth`, a short `midge train`
and `midge quantize` (in out/bench/vision-projects/; --reuse keeps projects
already built there; the architecture, not the accuracy, sets the cost), then
`midge profile` on the OpenMV Cam H7 Plus, the XIAO ESP32S3 Sense and the Pico 2:
the heap the deployed app needs while it runs test images as its camera (by
bisection on the 32-bit port with the board's code: the ARM Thumb test bed
for Cortex-M boards, i386 otherwise), the model's MACs, and the latency
estimated from them (docs/training.md's cost model). Beside them, Edge
Impulse's published FOMO figures. Prints a Markdown table and writes it to
--out (default out/bench/vision.md). --quick: the objects template only.
"""

import argparse
import json
import sys
from pathlib import Path

from bench_heap import build_project, run  # tools/ is this script's folder

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = {"person": (60, ["training.epochs=3"]), "objects": (40, ["training.epochs=3"])}
BOARDS = ("openmv_h7_plus", "xiao_esp32s3_sense", "pico2")
EDGE_IMPULSE_FOMO = ("Edge Impulse FOMO 96x96 (published)", "about 30 fps on an Arduino Nicla Vision "
                     "(Cortex-M7 @ 480 MHz), under 200-245 KB of RAM; https://docs.edgeimpulse.com/docs/"
                     "edge-impulse-studio/learning-blocks/object-detection/fomo-object-detection-for-"
                     "constrained-devices")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the objects template only")
    parser.add_argument("--out", default=str(ROOT / "out/bench/vision.md"))
    parser.add_argument("--reuse", action="store_true", help="keep projects already built")
    args = parser.parse_args(argv)
    rows = ["| template | board | MACs | model | heap needed / board's | headroom | latency / frame (est.) "
            "| frames / s (est.) | heap measured with |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for template in (["objects"] if args.quick else list(TEMPLATES)):
        folder = ROOT / "out/bench/vision-projects" / template
        print(f"{template}: building", file=sys.stderr, flush=True)
        build_project(folder, template, args.reuse, TEMPLATES)
        print(f"{template}: profiling on {', '.join(BOARDS)}", file=sys.stderr, flush=True)
        run("profile", folder, *sum((["--board", b] for b in BOARDS), []))
        doc = json.loads((folder / "build/profile.json").read_text())
        for b in doc["boards"]:
            ms = b["latency_ms"]
            speed = "- | -" if ms is None else f"{ms:.0f} ms | {1000 / ms:.1f}"
            rows.append(f"| {template} | {b['board']} | {doc['macs'] / 1e6:.2f} M | {doc['model_bytes'] / 1024:.1f} KiB "
                        f"| {b['ram_bytes'] / 1024:.0f} / {b['heap_bytes'] / 1024:.0f} KiB | {b['headroom']:.0%} "
                        f"| {speed} | {b['measured_with']} |")
    name, figures = EDGE_IMPULSE_FOMO
    rows.append(f"| {name} | | | | | | | | {figures} |")
    table = "\n".join(rows) + "\n"
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
