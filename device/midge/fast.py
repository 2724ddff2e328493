"""Choose, once at import, whether midge's viper fast paths are used.

``VIPER`` is True on MicroPython builds whose compiler emits viper code, unless
the environment variable ``MIDGE_NO_VIPER`` is set (the unix port honours it,
so tests can force the plain-Python paths). CPython and CircuitPython always
take the plain paths. Every fast path has a plain twin with identical results.
"""

_PROBE = """
import micropython
@micropython.viper
def _probe(x: int) -> int:
    return x + 1
ok = _probe(41) == 42
"""


def _disabled_by_env():
    try:
        import os
        getenv = getattr(os, "getenv", None)
        return bool(getenv and getenv("MIDGE_NO_VIPER"))
    except ImportError:
        return False


def _viper_works():
    scope = {}
    try:
        exec(_PROBE, scope)
    except Exception:
        return False
    return scope.get("ok", False)


VIPER = not _disabled_by_env() and _viper_works()
