"""A static mip package index of the device package: ``build_index(out, archs)``.

Layout, as `mpremote mip install --index URL NAME` (and the board-side ``mip``) reads it::

    package/py/midge/<version>.json, latest.json          the source: every device .py file
    package/<mpy>/midge-<arch>/<version>.json, latest.json  compiled for <arch> (deploy's compile_package)
    file/<h[:2]>/<h>                                       a file's bytes; h: its sha256's first HASH_LEN hex digits

``<mpy>`` is the .mpy major version mip asks for (``sys.implementation._mpy & 0xFF``),
MPY_VERSION's first number. A package JSON is ``{"hashes": [[path under lib, h], ...],
"deps": [], "version": midge.__version__}``; mip installs each file at ``<lib>/<path>``.

mip's path carries the .mpy version, not the arch, so each arch is its own package
name. There is no plain ``midge`` under ``package/<mpy>/``: the ``_*_viper`` device modules
are viper code, which mpy-cross rejects without an arch ("invalid arch"), and leaving them out
breaks ``import midge.crc`` and the rest on every firmware with a native emitter
(``fast.VIPER`` is true there, so they import their ``_*_viper`` twin). The arch-free
variant is the source (``--no-mpy midge``): the board compiles it itself.

Files are written atomically, files before package JSONs and ``latest.json`` last, so an
index rebuilt while it is served never names a file it lacks. A file already present is
kept: its name is its hash.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from midge import __version__
from midge_host.boards import MPY_ARCHS, list_boards
from midge_host.crosscompile import BOARD_ARCHS, device_sources
from midge_host.deploy.plan import compile_package
from midge_host.deploy.target import MPY_VERSION
from midge_host.errors import MidgeError
from midge_host.files import write_atomic
from midge_host.paths import device_dir

SOURCE_NAME = "midge"
HASH_LEN = 16
MPY = str(MPY_VERSION[0])


@dataclass(frozen=True)
class Package:
    name: str  # what `mip install` is given
    mpy: str  # the index folder mip looks in: "py", or the .mpy version
    files: dict  # {path under lib: bytes}


def package_name(arch):
    """The index name of the device package compiled for ``arch``: midge-<arch>."""
    return f"{SOURCE_NAME}-{arch}"


def boards_by_arch():
    """{mpy arch: [board profile names]} over boards/*.json, archs and names sorted."""
    found = {}
    for board in list_boards():
        found.setdefault(board.mpy_arch, []).append(board.name)
    return dict(sorted(found.items()))


def default_archs():
    """Every arch a board profile names, plus the archs the tests cross-compile for (x64:
    the 64-bit emulated board), sorted."""
    return sorted(set(boards_by_arch()) | set(BOARD_ARCHS))


def check_archs(archs):
    """``archs`` without repeats, in order; an arch mpy-cross does not know is a MidgeError."""
    unknown = [arch for arch in archs if arch not in MPY_ARCHS]
    if unknown:
        raise MidgeError(f"unknown mpy arch {unknown[0]!r}", hint=f"archs: {', '.join(MPY_ARCHS)}")
    return list(dict.fromkeys(archs))


def packages(archs):
    """The source package, then one compiled package per arch."""
    root = device_dir()
    source = {path.relative_to(root).as_posix(): path.read_bytes() for path in device_sources(root / "midge")}
    yield Package(SOURCE_NAME, "py", source)
    for arch in archs:
        yield Package(package_name(arch), MPY, compile_package(arch))


def short_hash(data):
    return hashlib.sha256(data).hexdigest()[:HASH_LEN]


def package_json(package, version):
    """The package JSON text mip reads for ``package``."""
    hashes = [[path, short_hash(data)] for path, data in sorted(package.files.items())]
    return json.dumps({"hashes": hashes, "deps": [], "version": version}, separators=(",", ":"))


def build_index(out, archs=None):
    """Write the index of the device package into the folder ``out`` (see the module);
    ``archs``: the compiled variants (default ``default_archs()``). Returns the Packages."""
    out = Path(out)
    built = list(packages(check_archs(default_archs() if archs is None else archs)))
    for package in built:
        for data in package.files.values():
            h = short_hash(data)
            path = out / "file" / h[:2] / h
            if not (path.is_file() and path.read_bytes() == data):
                write_atomic(path, data)
    for name in (f"{__version__}.json", "latest.json"):
        for package in built:
            write_atomic(out / "package" / package.mpy / package.name / name, package_json(package, __version__))
    return built
