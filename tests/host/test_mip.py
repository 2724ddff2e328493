"""`mpremote mip install` of the device package onto the emulated board, from the
index `midge mip-index` writes, served over HTTP on 127.0.0.1 by this test: the
compiled variant for the board's arch (installed from scratch), and the source
variant (`--no-mpy midge`, onto a board holding part of it already, so mip's
hash check and its downloads are both exercised). Then the board imports the
installed package and runs its viper CRC and FFT, compared with CPython.
"""

import contextlib
import functools
import io
import re
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import midge
from midge_host.cli import main
from midge_host.deploy.mip_index import boards_by_arch, build_index, package_name
from midge_host.deploy.plan import compile_package
from midge_host.deploy.target import ARCH_BY_ID, MPY_VERSION
from midge_host.paths import device_dir
from midge_host.sim import SimBoard
from midge_host.unixport import run_micropython

REPO = Path(__file__).resolve().parents[2]
MPREMOTE = Path(sys.executable).with_name("mpremote")
MPY_PROBE = "import sys; print(sys.implementation._mpy)"
CHECK = """
import midge, midge.fast, midge.crc
from array import array
from midge.dsp.fft import Rfft
x = array('i', [(i * 37) % 200 - 100 for i in range(64)])
out = array('i', [0] * 66)
shift = Rfft(64).compute(x, out)
print(repr((midge.__version__, midge.fast.VIPER, midge.crc.__file__, midge.crc.crc16(b'123456789'), shift,
            list(out))))
"""


def _emulated_arch():
    """The mpy arch of the emulated board's MicroPython (x86; x64 where no 32-bit port was built)."""
    return ARCH_BY_ID[int(run_micropython(code=MPY_PROBE, bits=32).check()) >> 10]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """(the URL of an index for the emulated board's arch, served on 127.0.0.1; the paths
    requested from it, in order; that arch)."""
    arch = _emulated_arch()
    out = tmp_path_factory.mktemp("mip-index")
    build_index(out, [arch])
    requests = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.path)

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests, arch
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def mpremote(board, *args, timeout=120):
    """Run `mpremote connect PORT args...`; return (exit code, stdout and stderr)."""
    proc = subprocess.run([str(MPREMOTE), "connect", str(board.port), *args],
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def lib_files(flash):
    lib = flash / "lib"
    return {p.relative_to(lib).as_posix(): p.read_bytes() for p in sorted(lib.rglob("*")) if p.is_file()}


def expected_check(board_file):
    """What CHECK prints, run by CPython on the device package (plain paths, no viper)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(CHECK, {})
    version, _, _, crc, shift, out = eval(printed.getvalue())
    return repr((version, True, board_file, crc, shift, out))


def run_check(sim):
    code, output = mpremote(sim, "exec", CHECK)
    assert code == 0, output
    return output.strip()


@pytest.mark.slow
def test_the_compiled_variant_installs_from_scratch_and_runs(index, tmp_path):
    url, requests, arch = index
    with SimBoard(flash_dir=tmp_path / "flash") as sim:
        code, output = mpremote(sim, "exec", MPY_PROBE)
        assert code == 0, output
        mpy = int(output)
        assert (ARCH_BY_ID[mpy >> 10], mpy & 0xFF) == (arch, MPY_VERSION[0])
        # no plain `midge` among the compiled packages (see mip_index's docstring)
        code, output = mpremote(sim, "mip", "install", "--index", url, "midge")
        assert code != 0 and f"package/{MPY_VERSION[0]}/midge/latest.json" in output, output

        del requests[:]
        code, output = mpremote(sim, "mip", "install", "--index", url, package_name(arch))
        assert code == 0 and output.rstrip().endswith("Done"), output
        assert requests[0] == f"/package/{MPY_VERSION[0]}/midge-{arch}/latest.json"
        assert len(requests) == 1 + len(compile_package(arch))
        assert lib_files(sim.flash_dir) == compile_package(arch)
        assert run_check(sim) == expected_check("/lib/midge/crc.mpy")


def test_the_source_variant_installs_what_is_missing_or_stale(index, tmp_path):
    url, requests, _ = index
    root = device_dir()
    sources = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "midge").rglob("*.py"))}
    flash = tmp_path / "flash"
    present = {path: data for path, data in sources.items() if not path.startswith("midge/boards/")}
    for path, data in present.items():
        (flash / "lib" / path).parent.mkdir(parents=True, exist_ok=True)
        (flash / "lib" / path).write_bytes(data)
    (flash / "lib" / "midge" / "crc.py").write_bytes(b"stale = True\n")
    with SimBoard(flash_dir=flash) as sim:
        del requests[:]
        code, output = mpremote(sim, "mip", "install", "--index", url, "--no-mpy", "midge")
        assert code == 0 and output.rstrip().endswith("Done"), output
        assert requests[0] == "/package/py/midge/latest.json"
        installed = sorted(re.findall(r"^Installing: /lib/(\S+)", output, re.M))
        assert installed == sorted(["midge/crc.py"] + [p for p in sources if p not in present])
        assert len(re.findall(r"^Exists: ", output, re.M)) == len(present) - 1
        assert lib_files(flash) == sources
        assert run_check(sim) == expected_check("/lib/midge/crc.py")


def test_mip_index_command_says_how_to_serve_and_install(tmp_path, capsys):
    arch = _emulated_arch()  # compiled for the index fixture already, in this process
    assert main(["mip-index", "--out", str(tmp_path), "--arch", arch]) == 0
    printed = capsys.readouterr().out
    assert f"python -m http.server 8000 --directory {tmp_path}" in printed
    needs = ", ".join(boards_by_arch().get(arch, ["no board profile"]))
    assert re.search(rf"mpremote mip install --index http://localhost:8000 midge-{arch} +# {needs}$", printed, re.M)
    assert "--no-mpy midge" in printed
    names = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "package").rglob("*.json"))
    assert names == [f"package/{d}/{n}/{v}.json" for d, n in ((str(MPY_VERSION[0]), f"midge-{arch}"), ("py", "midge"))
                     for v in (midge.__version__, "latest")]
    assert main(["mip-index", "--out", str(tmp_path), "--arch", "armv9"]) == 1
    assert "unknown mpy arch 'armv9'" in capsys.readouterr().err


def test_docs_name_the_package_of_every_board():
    docs = (REPO / "docs" / "deploy.md").read_text()
    rows = [f"| {arch} | `{package_name(arch)}` | {', '.join(boards)} |" for arch, boards in boards_by_arch().items()]
    table = re.findall(r"^\| [a-z0-9]+ \| `midge-.*$", docs, re.M)
    assert table == rows
