"""`midge collect --format ei-forwarder` end to end: the emulated board's main.py
prints Edge-Impulse-data-forwarder lines (comma-separated integers, one line
per sample) at a fixed rate; the host keeps the capture in the project's CSV
format and imports it into data/<label>/ (what `stats` and `train` read), and
malformed lines are counted, reported, and fail the command."""

import time

import pytest
import serial

from midge_host import recordings
from midge_host.cli import main
from midge_host.dataset.stats import compute
from midge_host.deploy.collect import receive_forwarder
from midge_host.project import create_project, load_project
from midge_host.sim import SimBoard

pytestmark = pytest.mark.slow

RATE = 100
PRINTER = """import time
RATE = %(rate)d
n = 0
due = time.ticks_ms()
while n < RATE * 12:
    if %(glitches)s and n %% 50 == 25:
        print('imu: fifo overrun')
        print('%%d,%%d' %% (n, n))
        print('%%d.5,1,2' %% n)
    print('%%d,%%d,%%d' %% (n %% 1000 - 500, -3 * n, 2 * n))
    n += 1
    due = time.ticks_add(due, 1000 // RATE)
    wait = time.ticks_diff(due, time.ticks_ms())
    if wait > 0:
        time.sleep_ms(wait)
"""


def _run_printer(sim, glitches):
    (sim.flash_dir / "main.py").write_text(PRINTER % {"rate": RATE, "glitches": glitches})
    with serial.Serial(str(sim.port), 115200, timeout=1) as link:
        link.write(b"\x04")  # soft reset at the friendly REPL: boot.py, then main.py
        link.read_until(b"soft reboot")
    time.sleep(0.3)


def _rows(project):
    (path,) = (project / "captures").glob("*__wave.csv")
    rec = recordings.read(path)
    assert rec.names == ["ax", "ay", "az"] and rec.rate == pytest.approx(RATE)
    return rec.samples.tolist()


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "proj"
    create_project(folder, "motion", ["input.columns=ax,ay,az"])
    return folder


def test_forwarder_lines_are_saved_as_csv_without_gaps(project, tmp_path, capsys):
    with SimBoard(flash_dir=tmp_path / "flash") as sim:
        _run_printer(sim, glitches=False)
        code = main(["collect", str(project), "--port", str(sim.port), "--label", "wave",
                     "--format", "ei-forwarder", "--rate", str(RATE), "--seconds", "3"])
    err = capsys.readouterr().err
    assert code == 0, err
    rows = _rows(project)
    assert 0.75 * 3 * RATE <= len(rows) <= 1.25 * 3 * RATE, (len(rows), err)
    first = rows[0][2] // 2
    assert rows == [[(n % 1000) - 500, -3 * n, 2 * n] for n in range(first, first + len(rows))]
    assert f"saved {len(rows)} frames x 3 ch at {RATE} Hz" in err
    windows = sorted((project / "data/wave").glob("*.csv"))
    assert len(windows) == (len(rows) - 200) // 50 + 1  # 2 s windows every 0.5 s, as `data import` cuts
    assert recordings.read(windows[1]).samples.tolist() == rows[50:250]
    assert not list(project.rglob("*.tmp"))
    stats = compute(load_project(project))
    # one recording is one group: the split needs more, but nothing is wrong with the files
    assert [w.split(":")[0] for w in stats.warnings] == [
        "empty classes", "classes with fewer than 3 groups (recordings) cannot be split"], stats.warnings


def test_malformed_lines_are_counted_reported_and_fail(project, tmp_path, capsys):
    with SimBoard(flash_dir=tmp_path / "flash") as sim:
        _run_printer(sim, glitches=True)
        code = main(["collect", str(project), "--port", str(sim.port), "--label", "wave",
                     "--format", "ei-forwarder", "--rate", str(RATE), "--seconds", "3"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1, err
    rows = _rows(project)
    first = rows[0][2] // 2
    assert rows == [[(n % 1000) - 500, -3 * n, 2 * n] for n in range(first, first + len(rows))]
    glitches = sum(1 for n in range(first, first + len(rows) + 1) if n % 50 == 25)
    assert glitches >= 4
    bad = int(err.split(" malformed lines")[0].rsplit(" ", 1)[1])
    assert 3 * glitches - 3 <= bad <= 3 * glitches + 3, err  # 3 bad lines per glitch; the ends may cut one
    fractional = int(err.split(" lines held fractional values")[0].rsplit(" ", 1)[1])
    assert glitches - 1 <= fractional <= glitches + 1, err


def test_receive_forwarder_counts_each_kind_of_bad_line():
    cap = receive_forwarder(["1,2,3\r\n", "garbage\n", "4,5\n", "6,7.25,8\n", "nan,1,2\n", "\n",
                             "40000,-40000,9\n"], RATE)
    assert cap.channels == 3 and cap.frames_received == 2
    assert cap.bad_lines == 4 and cap.fractional_lines == 1 and cap.lost == 4
    assert cap.samples.tolist() == [[1, 2, 3], [32767, -32768, 9]]
