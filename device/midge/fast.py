"""Choose, once at import, whether midge's viper fast paths are used, and which
ARM Thumb assembler kernels.

``VIPER`` is True on MicroPython builds whose compiler emits viper code, unless
the environment variable ``MIDGE_NO_VIPER`` is set (the unix port honours it,
so tests can force the plain-Python paths). CPython and CircuitPython always
take the plain paths. Every fast path has a plain twin with identical results.

``ASM`` names the asm_thumb kernels (``*_thumb`` modules) for this board, from
its native arch (``sys.implementation._mpy >> 10``): "armv7emsp" on Cortex-M4,
M7 and M33 (armv7em, armv7emsp, armv7emdp: the DSP extension's SMLAD and
SXTB16), "armv6m" on Cortex-M0+ and M3 (armv6m, armv7m: Thumb-1 instructions
only), None elsewhere (ESP32-S3, x86, x64) or without viper. ``MIDGE_ASM``
overrides it: "off" (viper kernels only), "armv6m" (the Thumb-1 kernels on any
ARM core, as the tests run them).
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

_ARCHS = {4: "armv6m", 5: "armv6m", 6: "armv7emsp", 7: "armv7emsp", 8: "armv7emsp"}


def asm_variant(arch):
    """The asm_thumb kernels for native arch number ``arch`` (``sys.implementation._mpy
    >> 10``; 4 armv6m ... 8 armv7emdp), or None where there are none."""
    return _ARCHS.get(arch)


def _asm_kernels():
    import sys
    arch = asm_variant(getattr(sys.implementation, "_mpy", 0) >> 10)
    if not VIPER or arch is None:
        return None
    try:
        import os
        wanted = getattr(os, "getenv", lambda name: None)("MIDGE_ASM")
    except ImportError:
        wanted = None
    if wanted == "off":
        return None
    return "armv6m" if wanted == "armv6m" else arch


ASM = _asm_kernels()
