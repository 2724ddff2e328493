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
- ``mix(code, ...)``: the same run's instruction mix, {disassembly: (count, taken)}
  (the plugin's ``mix=`` output summed by text; a few times slower to count).
- ``per_mac(model, n, asm=None, arch=None)``: instructions per multiply-accumulate of
  the model at ``model`` (a path) by the difference of two runs (midge_host.permac),
  ``n`` invokes against 0.
- ``per_mac_cycles(model, n, asm=None, arch=None)``: the same from two mixes, with the
  estimated cycles per MAC on each core of ``midge_host.thumbcycles`` and the
  instructions per MAC of each kind (loads, multiplies, ...).

Runs are deterministic: the same run counts the same. MidgeError when a run fails.
"""

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

from midge_host import permac, thumbcycles
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


@functools.lru_cache(maxsize=None)
def _compiled(arch):
    """{path: .mpy bytes} of the device package for ``arch``, compiled once per process."""
    from midge_host.deploy.plan import compile_package
    return compile_package(arch)


def _package(tmp, arch):
    """The device package compiled for ``arch`` under ``tmp`` (deploy's .mpy files); its folder."""
    for rel, data in _compiled(arch).items():
        path = Path(tmp) / "mpy" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return Path(tmp) / "mpy"


def instructions(code, args=(), asm=None, arch=None, timeout=600):
    """Guest instructions a Thumb test bed run of ``code`` executes (see the module docstring)."""
    return _run(code, args, asm, arch, timeout, False)


def mix(code, args=(), asm=None, arch=None, timeout=600):
    """The instruction mix of a run as ``instructions`` makes it: {qemu's disassembly of an
    instruction: (times it ran, times control then went elsewhere than the next one)}."""
    return _run(code, args, asm, arch, timeout, True)


def _read_mix(path):
    found = {}
    for line in path.read_text().splitlines():
        count, taken, disas = line.split("\t", 2)
        old = found.get(disas, (0, 0))
        found[disas] = (old[0] + int(count), old[1] + int(taken))
    return found


def _run(code, args, asm, arch, timeout, with_mix):
    problem = missing()
    if problem:
        raise MidgeError(f"cannot count Thumb instructions: {problem}")
    qemu, binary, plugin = _paths()
    with tempfile.TemporaryDirectory(prefix="midge-count-") as tmp:
        env = unixport_env(viper=True, extra_path=[_package(tmp, arch)] if arch else ())
        env.pop("MIDGE_ASM", None)
        env["MICROPY_EXEC_PAGES"] = "1"  # code off the heap: no qemu write faults (tools/unix32/exec.c)
        if asm is not None:
            env["MIDGE_ASM"] = asm
        out, mix_out = Path(tmp) / "count", Path(tmp) / "mix"
        options = f"{plugin},out={out}" + (f",mix={mix_out}" if with_mix else "")
        proc = subprocess.run([qemu, "-plugin", options, str(binary), "-c", code,
                               *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)
        if proc.returncode != 0 or not out.is_file():
            raise MidgeError(f"the Thumb test bed run failed (exit status {proc.returncode}):\n"
                             f"{(proc.stdout + proc.stderr)[-3000:]}")
        return _read_mix(mix_out) if with_mix else int(out.read_text())


def _model_macs(model):
    macs = permac.macs(model)
    if not macs:
        raise MidgeError(f"{model} has no CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED multiply-accumulates")
    return macs


def per_mac(model, n, asm=None, arch=None):
    """Instructions per MAC of the model at ``model``: ``n`` invokes minus 0, over ``n`` x MACs."""
    macs = _model_macs(model)
    with tempfile.TemporaryDirectory(prefix="midge-permac-") as tmp:
        record = permac.record_file(model, tmp)
        return permac.per_mac(
            lambda k: instructions(permac.INVOKE_SCRIPT, (model, record, k), asm=asm, arch=arch), macs, n)


def per_mac_cycles(model, n, asm=None, arch=None):
    """(instructions per MAC, {core: estimated cycles per MAC}, {kind: instructions per MAC})
    of the model at ``model``, from the instruction mixes of ``n`` invokes and of 0
    (``midge_host.thumbcycles``: its cores and its kinds of instruction)."""
    macs = _model_macs(model)
    with tempfile.TemporaryDirectory(prefix="midge-permac-") as tmp:
        record = permac.record_file(model, tmp)
        runs = [mix(permac.INVOKE_SCRIPT, (model, record, k), asm=asm, arch=arch) for k in (n, 0)]
    totals = [sum(count for count, _ in run.values()) for run in runs]
    cycles = {core: (thumbcycles.cycles(runs[0], core) - thumbcycles.cycles(runs[1], core)) / (n * macs)
              for core in thumbcycles.CORES}
    kinds = dict.fromkeys(thumbcycles.KINDS, 0)
    for sign, run in zip((1, -1), runs):
        for disas, (count, _) in run.items():
            kinds[thumbcycles.kind(disas)] += sign * count
    return (totals[0] - totals[1]) / (n * macs), cycles, {k: v / (n * macs) for k, v in kinds.items()}
