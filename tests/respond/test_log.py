"""The detection log: records with CRC, (boot, seq) beside each detection, older
logs without them still read, rotation within a size bound, and a file cut at
every byte offset (a power cut mid-write) never loses or corrupts an earlier
record."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "device"))

from midge.respond.log import parse, unpack_detection  # noqa: E402


def write_log(runner, path, count, max_bytes=4096):
    code = f"""
from midge.respond.log import DetectionLog
log = DetectionLog({str(path)!r}, max_bytes={max_bytes})
for i in range({count}):
    log.detection(1000 + i, i % 4, (i * 37) % 300, 1 << 31 | i, i * 100003)
print(log._size)
"""
    return runner(code).check()


def test_records_round_trip_on_every_runner(sensor_python, tmp_path):
    path = tmp_path / "det.log"
    write_log(sensor_python, path, 20)
    recs = [unpack_detection(p) for p in parse(path.read_bytes())]
    assert recs == [(1000 + i, i % 4, min((i * 37) % 300, 255), 1 << 31 | i, i * 100003) for i in range(20)]
    code = f"from midge.respond.log import records, unpack_detection\nprint(len(records({str(path)!r})))"
    assert sensor_python(code).check().strip() == "20"


def test_truncation_at_every_offset_keeps_earlier_records(sensor_python, tmp_path):
    path = tmp_path / "det.log"
    write_log(sensor_python, path, 6)
    data = path.read_bytes()
    full = parse(data)
    record = len(data) // 6
    for cut in range(len(data) + 1):
        got = parse(data[:cut])
        assert got == full[:cut // record], cut


def test_garbage_tail_and_flipped_bits_are_skipped(tmp_path):
    from midge.respond.log import DetectionLog
    path = tmp_path / "det.log"
    log = DetectionLog(str(path))
    for i in range(5):
        log.detection(i, 1, 2, 0, i)
    data = bytearray(path.read_bytes())
    data[20 * 2 + 5] ^= 0x10  # corrupt record 2's payload
    good = parse(bytes(data) + b"\xa5\x08\x01")  # plus a torn record start
    assert [unpack_detection(p)[0] for p in good] == [0, 1, 3, 4]


def test_rotation_bounds_the_size_and_keeps_the_newest(sensor_python, tmp_path):
    path = tmp_path / "det.log"
    write_log(sensor_python, path, 100, max_bytes=400)
    assert path.stat().st_size <= 400
    assert Path(str(path) + ".1").stat().st_size <= 400
    code = f"""
from midge.respond.log import records, unpack_detection
r = [unpack_detection(p)[0] for p in records({str(path)!r})]
print(r[-1], len(r), r == list(range(r[0], 1100)))
"""
    last, n, contiguous = sensor_python(code).check().split()
    assert last == "1099" and contiguous == "True" and int(n) >= 20


def test_reopening_appends_after_a_reset(sensor_python, tmp_path):
    path = tmp_path / "det.log"
    write_log(sensor_python, path, 3)
    write_log(sensor_python, path, 2)  # a new DetectionLog after a (watchdog) reset
    assert [unpack_detection(p)[0] for p in parse(path.read_bytes())] == [1000, 1001, 1002, 1000, 1001]


def test_a_log_from_before_boot_and_seq_reads_with_none(tmp_path):
    from midge.respond.log import DetectionLog
    path = tmp_path / "old.log"
    log = DetectionLog(str(path))
    log.append(bytes([0x10, 0x27, 0, 0, 3, 200, 0, 0]))  # the 8-byte payload older midge wrote
    log.detection(10001, 1, 90, 7, 0)
    assert [unpack_detection(p) for p in parse(path.read_bytes())] == [(10000, 3, 200, None, None),
                                                                        (10001, 1, 90, 7, 0)]
