"""On-board self-test: ``import midge.selftest; midge.selftest.run()``.

Prints one line per check (``ok``/``FAIL``) and a summary line
``selftest: N passed, M failed``; returns the number of failures. It uses only
what every supported firmware has, so the same check runs on a board, on the
emulated board and under CPython.
"""

import sys

import midge
from midge import crc, fast


def _lcg_bytes(n, seed):
    """Deterministic pseudo-random bytes without the `random` module."""
    out = bytearray(n)
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (x >> 16) & 0xFF
    return out


def _check_crc_known():
    got = crc.crc16(b"123456789")
    return got == 0x29B1, "crc16('123456789') = 0x%04x (want 0x29b1)" % got


def _check_crc_paths_agree():
    for seed in range(1, 9):
        data = _lcg_bytes(64 + seed * 7, seed)
        fast_crc = crc.crc16(data)
        plain_crc = crc._crc16_plain(data)
        if fast_crc != plain_crc:
            return False, "seed %d: fast 0x%04x != plain 0x%04x" % (seed, fast_crc, plain_crc)
    return True, "fast and plain paths agree on 8 buffers"


def _check_heap():
    try:
        import gc
        gc.collect()
        free = gc.mem_free()
        return free > 0, "heap free %d bytes" % free
    except AttributeError:
        return True, "heap size not reported by this Python"


CHECKS = (
    ("crc16 known answer", _check_crc_known),
    ("fast/plain parity", _check_crc_paths_agree),
    ("heap", _check_heap),
)


def run(out=None):
    """Run every check, print the results, return the number of failures."""
    write = (out or sys.stdout).write
    impl = sys.implementation
    write("midge %s on %s %s (%s)\n" % (
        midge.__version__, impl.name, ".".join(str(v) for v in impl.version[:3]), sys.platform))
    write("viper fast paths: %s\n" % ("on" if fast.VIPER else "off"))
    failed = 0
    for name, check in CHECKS:
        try:
            ok, detail = check()
        except Exception as err:  # a crashing check is a failed check
            ok, detail = False, "%s: %s" % (type(err).__name__, err)
        failed += not ok
        write("%s %s: %s\n" % ("ok  " if ok else "FAIL", name, detail))
    write("selftest: %d passed, %d failed\n" % (len(CHECKS) - failed, failed))
    return failed
