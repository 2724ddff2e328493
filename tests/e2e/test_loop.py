"""The whole loop, as a user walks it, for every template, on the emulated board
of the template's own board profile, and mosquito (the flagship) on the emulated
Pico W (`--set board=pico_w`: the smallest heap of all profiles, the Pico's armv6m
code; 32-bit, as every emulated board), with the CLI and real mpremote. Every
template's app heap on the Pico and Pico W is measured by tools/bench_heap.py; the
camera models also run on the other camera board, the XIAO ESP32S3 Sense
(tests/e2e/test_ready_models.py).
Each case walks:

new -> data synth (small) -> train (short) -> quantize -> eval -> deploy without
--board (the project's board; the board says what it is) -> verify -> monitor ->
collect a few seconds into a label (a camera's: frames as images) -> data stats (no
warning about the collected files) -> train again (the collected files join the split) -> pull, with the
detections in the pulled log equal to `midge replay` of the same recording on the
host (the app's pipeline and decision code). A camera model's recording is an image
recording of test images, one frame per window.
"""

import json
import re

import pytest

from midge_host.dataset import showcase
from midge_host.cli import main
from midge_host.project import load_project
from midge_host.sim import SimBoard

pytestmark = pytest.mark.slow

# template: (files per class, midge.toml settings for a short run)
def short(epochs):
    return [f"training.epochs={epochs}", "training.patience=0"]


LOOP = {"mosquito": (40, short(40)), "rainfall": (15, short(15)), "kws": (80, short(60)),
        "motion": (40, short(60)), "anomaly": (15, short(10)), "person": (150, short(25)),
        "objects": (60, short(15))}
# the Pico has 41 KiB more heap than the Pico W (headroom on both: tools/bench_heap.py)
CASES = [(t, None) for t in sorted(LOOP)] + [("mosquito", "pico_w")]


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, f"midge {' '.join(map(str, argv))} failed:\n{err}"
    return out, err


@pytest.mark.parametrize("template, board", CASES, ids=[f"{t}-{b or 'own'}" for t, b in CASES])
def test_the_loop_on_the_emulated_board(template, board, tmp_path, capsys):
    count, settings = LOOP[template]
    if board:
        settings = settings + [f"board={board}"]
    folder = tmp_path / template
    cli(capsys, "new", folder, "--template", template, *sum((["--set", s] for s in settings), []))
    cli(capsys, "data", "synth", folder, "--count", count)
    cli(capsys, "train", folder)
    cli(capsys, "quantize", folder)
    cli(capsys, "eval", folder)
    project = load_project(folder)
    clip, frames = showcase.recording(project, tmp_path / "replayed")
    meta = json.loads((folder / "build/meta.json").read_text())
    assert meta["board"] == project.board

    with SimBoard(board=project.board, flash_dir=tmp_path / "flash") as sim:
        port = sim.port
        _, err = cli(capsys, "deploy", folder, "--port", port, "--replay", clip, "--fast")
        assert f"an emulated {project.board}" in err and f"deployed for {project.board}" in err
        assert "vectors bit-exact" in err

        out, _ = cli(capsys, "monitor", "--port", port, "--seconds", 120)
        windows = frames if project.sensor == "camera" else \
            (frames - meta["window_samples"]) // meta["stride_samples"] + 1
        assert "the app ended" in out and re.search(rf"windows\s+│\s+{windows}\s+│", out), out
        if project.task == "detection":  # objects with their centroids, counted per class
            assert re.search(r"at \(\d+, \d+\)", out) and re.search(r"(circle|square|triangle)\s+│\s+\d+", out), out

        # a detection project's images need boxes: frames collected into a class folder would
        # train as background until labelled, so the loop collects background frames
        label = project.labels[0] if project.task == "detection" else project.labels[-1]
        before = {p.name for p in (project.data_dir / label).iterdir()}
        seconds = max(2.0, 2 * project.input.get("window_ms", 0) / 1000)
        cli(capsys, "collect", folder, "--port", port, "--label", label, "--seconds", seconds)
        collected = sorted({p.name for p in (project.data_dir / label).iterdir()} - before)
        assert collected, "collect wrote nothing into data/"

        _, err = cli(capsys, "data", "stats", folder)
        stamp = collected[0].split("__")[0]
        assert stamp not in err and "unreadable" not in err and "not in dataset format" not in err, err

        _, err = cli(capsys, "train", folder)
        assert "are not in splits.json yet" in err
        listed = json.loads(project.splits_path.read_text())["sides"]
        assert all(any(f"data/{label}/{name}" in s["files"] for s in listed.values()) for name in collected)

        cli(capsys, "pull", folder, "--port", port)
    pulled = (folder / "pulled/detections.csv").read_text().splitlines()
    replayed, err = cli(capsys, "replay", folder, clip)
    # replay prints pull's columns but the board's (boot, seq): one boot, its detections numbered from 0
    assert [",".join(line.split(",")[:3]) for line in pulled] == replayed.splitlines(), (pulled, replayed)
    numbered = [line.split(",")[3:] for line in pulled[1:]]
    assert numbered == [[numbered[0][0], str(seq)] for seq in range(len(numbered))], numbered
    assert len(pulled) > 1, "no detections to compare: the loop proves nothing"
    assert f"{windows} windows" in err
    if project.task == "detection":  # the same frames, their objects drawn
        out, _ = cli(capsys, "plot", "detections", clip, "--project", folder, "--out", tmp_path / "found.png")
        assert f"{windows} image(s)" in out and (tmp_path / "found.png").stat().st_size > 10000, out
