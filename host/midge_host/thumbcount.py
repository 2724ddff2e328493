"""Count the ARM Thumb instructions device code executes in the Thumb test bed.

The test bed (``unixport.thumb_executable()``, a launcher beside its ``.bin``) is midge's
32-bit MicroPython port built for ARM Thumb-2 and run under qemu-arm, so viper and
asm_thumb code run as a Cortex-M's Thumb-2 instructions. ``make setup`` builds beside it
``micropython-thumb-insns.so`` (tools/unix32/insn_count.c), a qemu plugin that counts
every guest instruction executed, one per instruction whatever its cycles.

- ``missing()``: why counting is impossible here (a sentence), or None.
- ``instructions(code, args=(), asm=None, arch=None)``: instructions a run of the
  snippet ``code`` (``args`` in ``sys.argv[1:]``) executes, start-up and exit included,
  with the device package on MICROPYPATH (``unixport.unixport_env``, viper on) and
  MIDGE_ASM set to ``asm`` (None: unset, the device package's asm_thumb kernels where it
  has them; ``"off"``: viper kernels only; ``"armv6m"``: the Cortex-M0+ asm variant).
  The test bed compiles viper for its own arch (armv7emdp: a Cortex-M4/M7's Thumb-2);
  ``arch`` ("armv6m") runs the package cross-compiled for that arch instead, as deploy
  writes it, so viper code is that core's.
- ``per_mac(model, n, asm=None, arch=None)``: instructions per multiply-accumulate of
  the model at ``model`` (a path) by the difference of two runs (midge_host.permac),
  ``n`` invokes against 0.

Runs are deterministic: the same run counts the same. MidgeError when a run fails.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from midge_host import permac
from midge_host.errors import MidgeError
from midge_host.unixport import thumb_executable, unixport_env


def _paths():
    """(qemu-arm, the test bed's ARM binary, the plugin); None for what is missing."""
    launcher = thumb_executable()
    binary = plugin = None
    if launcher:
        binary = Path(launcher + ".bin")
        plugin = Path(launcher + "-insns.so")
    return (shutil.which("qemu-arm"),
            binary if binary and binary.is_file() else None,
            plugin if plugin and plugin.is_file() else None)


def missing():
    """Why instructions cannot be counted here, or None."""
    qemu, binary, plugin = _paths()
    if not qemu or not binary:
        return ("no ARM Thumb test bed (micropython-thumb.bin under qemu-arm): install Debian's "
                "gcc-arm-linux-gnueabihf and qemu-user, then `make setup`")
    if not plugin:
        return (f"no instruction-counting plugin beside {binary.with_suffix('')} "
                "(micropython-thumb-insns.so, built by `make setup` with the host gcc)")
    return None


def _package(tmp, arch):
    """The device package compiled for ``arch`` under ``tmp`` (deploy's .mpy files); its folder."""
    from midge_host.deploy.plan import compile_package
    for rel, data in compile_package(arch).items():
        path = Path(tmp) / "mpy" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return Path(tmp) / "mpy"


def instructions(code, args=(), asm=None, arch=None, timeout=600):
    """Guest instructions a Thumb test bed run of ``code`` executes (see the module docstring)."""
    problem = missing()
    if problem:
        raise MidgeError(f"cannot count Thumb instructions: {problem}")
    qemu, binary, plugin = _paths()
    with tempfile.TemporaryDirectory(prefix="midge-count-") as tmp:
        env = unixport_env(viper=True, extra_path=[_package(tmp, arch)] if arch else ())
        env.pop("MIDGE_ASM", None)
        if asm is not None:
            env["MIDGE_ASM"] = asm
        out = Path(tmp) / "count"
        proc = subprocess.run([qemu, "-plugin", f"{plugin},out={out}", str(binary), "-c", code,
                               *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)
        if proc.returncode != 0 or not out.is_file():
            raise MidgeError(f"the Thumb test bed run failed (exit status {proc.returncode}):\n"
                             f"{(proc.stdout + proc.stderr)[-3000:]}")
        return int(out.read_text())


def per_mac(model, n, asm=None, arch=None):
    """Instructions per MAC of the model at ``model``: ``n`` invokes minus 0, over ``n`` x MACs."""
    macs = permac.macs(model)
    if not macs:
        raise MidgeError(f"{model} has no CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED multiply-accumulates")
    with tempfile.TemporaryDirectory(prefix="midge-permac-") as tmp:
        record = permac.record_file(model, tmp)
        return permac.per_mac(
            lambda k: instructions(permac.INVOKE_SCRIPT, (model, record, k), asm=asm, arch=arch), macs, n)
