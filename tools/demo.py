"""`make demo`: the main job, as far as midge goes today.

Part 1 (`--sim-only` runs just this): starts an emulated board (`midge sim`),
copies the device package onto its flash with the real `mpremote` CLI, runs
the device self-test there and prints what happened, step by step.

Part 2: the mosquito template end to end on synthetic data, with the real
`midge` CLI in out/demo/: `midge new` -> `midge data synth` -> `midge train`
-> `midge quantize` -> `midge eval` (float, int8 under TFLM, the device
pipeline under the unix port) -> `midge profile` for xiao_esp32s3_sense and
pico; then a short results table and the paths of the report and the model.

Part 3: the trained model in the field, emulated: an emulated board with the
XIAO ESP32S3 Sense's heap whose microphone replays held-out test clips;
`midge deploy` (then verify on the board), `midge monitor`, `midge pull`.
Exits non-zero if any step fails.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from midge_host.paths import device_dir
from midge_host.sim import SimBoard

console = Console()
MPREMOTE = str(Path(sys.executable).with_name("mpremote"))


def mpremote(port, *args, timeout=120):
    """Run the real mpremote CLI against ``port``; return (exit code, output)."""
    proc = subprocess.run([MPREMOTE, "connect", str(port), *args],
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, (proc.stdout + proc.stderr).replace("\r\n", "\n")


def step(title, port, *args):
    console.rule(f"[bold]{title}")
    console.print(f"[dim]$ mpremote connect {port} {' '.join(args)}")
    started = time.monotonic()
    code, out = mpremote(port, *args)
    console.print(out.rstrip() or "[dim](no output)")
    console.print(f"[dim]exit {code} in {time.monotonic() - started:.1f} s")
    if code != 0:
        raise SystemExit(f"demo: step '{title}' failed (mpremote exit {code})")
    return out


def sim_part():
    """Part 1: the emulated board and the on-board self-test."""
    with SimBoard(board="sim") as board:
        console.rule("[bold]Emulated board")
        console.print(board.banner)
        step("Board identity", board.port, "exec",
             "import sys, gc; print(sys.implementation.name, sys.version, sys.platform);"
             " gc.collect(); print('heap free', gc.mem_free(), 'bytes')")
        step("Copy the device package to /lib/midge", board.port,
             "fs", "mkdir", ":/lib", "+", "fs", "cp", "-r", str(device_dir() / "midge"), ":/lib/")
        step("Files on the board", board.port, "fs", "ls", "/lib/midge")
        out = step("Device self-test on the board", board.port, "exec",
                   "import midge.selftest; midge.selftest.run()")
    if "0 failed" not in out:
        raise SystemExit("demo: the device self-test reported failures")
    console.rule("[bold green]demo: the emulated board runs midge; self-test passed")


MIDGE = str(Path(sys.executable).with_name("midge"))
DEMO_DIR = Path(__file__).resolve().parents[1] / "out" / "demo"


def midge(title, *args):
    """Run the real midge CLI; raise SystemExit when it fails."""
    console.rule(f"[bold]{title}")
    console.print(f"[dim]$ midge {' '.join(args)}")
    started = time.monotonic()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([MIDGE, *args], capture_output=True, text=True, env=env)
    noise = ("WARNING: All log messages", "I0000", "E0000", "W0000", "fully_quantize")
    shown = [line for line in (proc.stdout + proc.stderr).splitlines() if not line.startswith(noise)]
    console.print("\n".join(shown) or "[dim](no output)", markup=False, highlight=False)
    console.print(f"[dim]exit {proc.returncode} in {time.monotonic() - started:.1f} s")
    if proc.returncode != 0:
        raise SystemExit(f"demo: step '{title}' failed (midge exit {proc.returncode})")


def training_part():
    """Part 2: the mosquito template from `midge new` to a profiled int8 model."""
    started = time.monotonic()
    project = DEMO_DIR / "mosquito"
    if project.exists():
        shutil.rmtree(project)
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    midge("New project from the mosquito template", "new", str(project), "--template", "mosquito")
    midge("Synthetic wingbeat recordings", "data", "synth", str(project))
    midge("Train the 1D CNN", "train", str(project))
    midge("Quantize to int8", "quantize", str(project))
    midge("Evaluate: float, int8 (TFLM), device pipeline (unix port)", "eval", str(project))
    midge("Profile on boards", "profile", str(project), "--board", "xiao_esp32s3_sense", "--board", "pico")
    build = project / "build"
    metrics = json.loads((build / "metrics.json").read_text())
    profile = json.loads((build / "profile.json").read_text())
    console.rule("[bold green]demo: results (synthetic data)")
    for engine in ("float", "int8", "device"):
        console.print(f"  {engine:7s} test accuracy {100 * metrics['engines'][engine]['accuracy']:6.2f} %")
    for b in profile["boards"]:
        rtf = "-" if b["rtf"] is None else f"{b['rtf']:.2f}"
        console.print(f"  {b['board']:20s} the app needs {b['ram_bytes']:,} of {b['heap_bytes']:,} B of heap "
                      f"({b['headroom']:.0%} to spare), "
                      f"~{b['latency_ms']:.0f} ms per window, real-time factor {rtf}: {b['verdict']}")
    console.print(f"  report: {build / 'report.md'}")
    console.print(f"  model:  {build / 'model.tflite'} (+ meta.json, labels.txt, vectors.bin, model_card.md)")
    console.print(f"  training part took {time.monotonic() - started:.0f} s")


def replay_wav(project, out, per_label=3):
    """A WAV of held-out test clips (``per_label`` of each label, interleaved), for the
    emulated board's microphone; returns the labels in play order."""
    import wave

    test = json.loads((project / "splits.json").read_text())["sides"]["test"]["files"]
    by_label = {}
    for name in test:
        by_label.setdefault(Path(name).parent.name, []).append(name)
    order = [(label, files[i]) for i in range(per_label) for label, files in sorted(by_label.items())
             if i < len(files)]
    with wave.open(str(out), "wb") as dst:
        dst.setnchannels(1)
        dst.setsampwidth(2)
        dst.setframerate(16000)
        for _, name in order:
            with wave.open(str(project / name)) as src:
                dst.writeframes(src.readframes(src.getnframes()))
    return [label for label, _ in order]


def field_part():
    """Part 3: the trained model on an emulated board with the XIAO ESP32S3 Sense's heap,
    its microphone replaying held-out clips: deploy, verify, monitor, pull."""
    project = DEMO_DIR / "mosquito"
    wav = DEMO_DIR / "replay.wav"
    labels = replay_wav(project, wav)
    console.rule("[bold]Field test on an emulated board")
    console.print(f"replaying {len(labels)} held-out clips: {' '.join(labels)}")
    with SimBoard(board="xiao_esp32s3_sense") as board:
        console.print(board.banner)
        port = str(board.port)
        midge("Deploy (cross-compiled for the sim's 32-bit x86, atomic, then verify on the board)",
              "deploy", str(project), "--port", port, "--replay", str(wav), "--fast")
        midge("Monitor the running app", "monitor", "--port", port, "--seconds", "60")
        midge("Pull the detection log", "pull", str(project), "--port", port)
    detections = (project / "pulled" / "detections.csv").read_text().splitlines()[1:]
    console.print(f"  {len(detections)} detections logged on the board, in {project / 'pulled'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="midge demo")
    parser.add_argument("--sim-only", action="store_true", help="only the emulated-board self-test")
    args = parser.parse_args(argv)
    started = time.monotonic()
    sim_part()
    if not args.sim_only:
        training_part()
        field_part()
    console.print(f"[dim]demo finished in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
