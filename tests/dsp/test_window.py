"""midge.window under the unix port (viper and plain) and CPython: windows of
the right frames for overlap, tiling and gaps, chunks of any size, several
channels, raw bytes, overrun accounting, zero heap growth, clear errors."""

import random
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "device_scripts"


class ReferenceWindows:
    """The windowing contract as a list model: what the device must print."""

    def __init__(self, size, hop, depth):
        self.size, self.hop, self.capacity = size, hop, size + (depth - 1) * hop
        self.frames, self.skip, self.dropped, self.lost = [], 0, 0, False

    def feed(self, frames):
        drop = min(self.skip, len(frames))
        self.skip -= drop
        self.frames += frames[drop:]
        excess = len(self.frames) - self.capacity
        if excess > 0:
            self.dropped += excess
            self.lost = True
            self.frames = self.frames[excess:]

    def take(self):
        if len(self.frames) < self.size:
            return "N"
        first = self.frames[0]
        if self.hop <= len(self.frames):
            self.frames = self.frames[self.hop:]
        else:
            self.skip = self.hop - len(self.frames)
            self.frames = []
        gap, self.lost = self.lost, False
        return f"W {first} {int(gap)} 1"


def expected_output(size, hop, depth, ops):
    ref = ReferenceWindows(size, hop, depth)
    lines, t = [], 0
    for op in ops:
        if op:
            ref.feed(list(range(t, t + op)))
            t += op
        else:
            lines.append(ref.take())
    return lines + [f"D {ref.dropped}"]


def run_scenario(runner, size, hop, ops, channels=1, depth=2, raw=False):
    code = (
        f"import sys\nsys.path.append({str(SCRIPTS)!r})\nimport window_scenario\n"
        f"window_scenario.run({size}, {hop}, {channels}, {depth}, {ops!r}, {raw})\n"
    )
    return runner(code=code).check().splitlines()


def drain_after_each_feed(chunks, takes=3):
    ops = []
    for n in chunks:
        ops += [n] + [0] * takes
    return ops


@pytest.mark.parametrize("size,hop", [(480, 320), (64, 64), (100, 250), (7, 1)])
def test_windows_follow_the_hop_grid(device_python, size, hop):
    rng = random.Random(size * 1000 + hop)
    chunks = [rng.randint(1, 2 * size) for _ in range(25)]
    takes = size // hop + 3
    ops = drain_after_each_feed(chunks, takes)
    depth = 2 * size // hop + 3  # never overruns when drained after every feed
    assert run_scenario(device_python, size, hop, ops, depth=depth) == expected_output(size, hop, depth, ops)


def test_interleaved_channels_from_raw_bytes(device_python):
    ops = drain_after_each_feed([5, 17, 1, 40, 3, 64, 9], takes=4)
    got = run_scenario(device_python, 16, 12, ops, channels=3, depth=6, raw=True)
    assert got == expected_output(16, 12, 6, ops)
    assert sum(line.startswith("W") for line in got) >= 8


def test_overrun_drops_oldest_and_never_glues_across_the_loss(device_python):
    # Capacity 8 + 4 = 12 frames. 40 fed without taking: 28 dropped, the next
    # window starts at frame 28, flagged as following a gap. Then 36..39 are
    # kept, 10 + 3 more fed: 5 more dropped, windows resume at frame 41.
    ops = [40, 0, 0, 0, 10, 3, 0, 0]
    got = run_scenario(device_python, 8, 4, ops)
    assert got == ["W 28 1 1", "W 32 0 1", "N", "W 41 1 1", "W 45 0 1", "D 33"]
    assert got == expected_output(8, 4, 2, ops)


def test_random_producer_consumer_race(device_python):
    rng = random.Random(7)
    ops = [rng.choice([0, 0, rng.randint(1, 90)]) for _ in range(300)]
    ops = [op for op in ops if op or rng.random() < 0.7]
    got = run_scenario(device_python, 32, 20, ops, channels=2, depth=3)
    assert got == expected_output(32, 20, 3, ops)
    assert int(got[-1].split()[1]) > 0, "scenario meant to overrun"


@pytest.mark.parametrize("viper", [True, False])
def test_steady_state_allocates_nothing(run_mpy, viper):
    code = (
        "import gc\nfrom array import array\nfrom midge.window import Windows\n"
        "w = Windows(480, 320, channels=2, depth=3)\n"
        "chunk = array('h', range(-300, 300)); raw = bytearray(1000)\n"
        "def step():\n"
        "    w.feed(chunk, 600); w.feed(raw, 250); w.feed(chunk)\n"
        "    while w.take() is not None:\n"
        "        pass\n"
        "def measure(steps):\n"
        "    for _ in range(5):\n        step()\n"
        "    gc.collect()\n    before = gc.mem_alloc()\n"
        "    for _ in range(steps):\n        step()\n"
        "    return gc.mem_alloc() - before\n"
        "print(measure(2000), w.dropped > 0)\n"
    )
    assert run_mpy(code=code, viper=viper).check().split() == ["0", "True"]


@pytest.mark.parametrize("call,message", [
    ("Windows(0, 10)", "window size must be a positive int"),
    ("Windows(10, 10, channels=2).feed(array('h', [1, 2, 3]))", "not whole 2-channel frames"),
    ("Windows(10, 10).feed(array('h', [1, 2]), 3)", "feed count 3 outside 0..2"),
])
def test_errors_name_the_problem(device_python, call, message):
    code = (
        "from array import array\nfrom midge.window import Windows\n"
        f"try:\n    {call}\nexcept ValueError as e:\n    print(e)\n"
    )
    assert message in device_python(code=code).check()
