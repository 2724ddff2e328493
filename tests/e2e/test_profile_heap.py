"""The heap `midge profile` reports (``midge_host.deploy.heap``: bisection on the
32-bit port) holds on the emulated board, checked the way a user would: deploy
to `midge sim` with a board profile whose heap is 5 % above that figure, and
the app runs its replay to the end; 10 % below, it runs out of memory. (Not 5 %:
the emulated board's REPL lays the heap out otherwise than the bisection's
runs, and the smallest heap moves by up to 5 % with the layout; measured in CI.)"""

import json
import shutil

import pytest

from midge_host.boards import load_board
from midge_host.deploy import deploy
from midge_host.deploy.artifacts import load_build
from midge_host.deploy.heap import RUN_SECONDS, app_heap
from midge_host.paths import boards_dir
from midge_host.sim import SimBoard
from midge_host.transport import open_board
from tests.app.project import fast_project

pytestmark = pytest.mark.slow

RUN_APP = "import midge.app\nstatus = midge.app.run('/midge.json')\nprint('windows', status['windows'])"


def _board_with_heap(folder, heap):
    """A copy of the sim profile named ``tight`` with ``heap`` bytes of heap."""
    profile = json.loads((boards_dir() / "sim.json").read_text())
    (folder / "tight.json").write_text(json.dumps(dict(profile, name="tight", heap_bytes=heap)))


def _runs_on_sim(project, heap, tmp_path, monkeypatch, name):
    boards = tmp_path / f"boards-{name}"
    shutil.copytree(boards_dir(), boards)
    _board_with_heap(boards, heap)
    monkeypatch.setenv("MIDGE_BOARDS_DIR", str(boards))
    sensor = {"source": "replay", "path": "/data/fast.wav", "realtime": False, "loop": True,
              "seconds": RUN_SECONDS}
    with SimBoard(board="tight", flash_dir=tmp_path / f"flash-{name}") as sim:
        deploy(project, str(sim.port), board="tight", replay=project / "fast.wav", realtime=False,
               config={"sensor": sensor})
        with open_board(str(sim.port), "mpremote", soft_reset=True) as dev:
            out, err = dev._exec_raw(RUN_APP, 120)
    return out.decode(), err.decode()


def test_profiles_heap_holds_on_the_emulated_board(tmp_path, monkeypatch):
    project = tmp_path / "proj"
    fast_project(project, seconds=4)
    figure = app_heap(load_build(project), load_board("sim"), project / "fast.wav")
    assert figure["windows"] > 20 and figure["load_bytes"] <= figure["run_bytes"]
    needed = figure["run_bytes"]

    out, err = _runs_on_sim(project, int(needed * 1.05), tmp_path, monkeypatch, "above")
    assert not err and f"windows {figure['windows']}" in out, (out, err)

    out, err = _runs_on_sim(project, int(needed * 0.90), tmp_path, monkeypatch, "below")
    assert "MemoryError" in err, (out, err)
