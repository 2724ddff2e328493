"""`midge sim`: run an emulated board (the MicroPython unix port) on a
pseudo-terminal that mpremote drives like a real board, until SIGTERM,
SIGINT (Ctrl-C) or `midge sim --port PATH --stop`."""

import os
import signal
import sys
from pathlib import Path

from midge_host.sim import DEFAULT_BOARD, board_heap_bytes, default_flash_dir, portfile
from midge_host.sim.bridge import Bridge

DEFAULT_PORT = "vb"


def register(subparsers):
    p = subparsers.add_parser(
        "sim",
        help="run an emulated board on a pseudo-terminal",
        description="Run an emulated MicroPython board (the unix port) on a pseudo-terminal. "
                    "`mpremote connect PORT ...` drives it like a board: exec, run, fs, mount, repl.",
    )
    p.add_argument("--board", default=DEFAULT_BOARD, metavar="NAME",
                   help="board profile from boards/NAME.json; sets the heap (default: %(default)s)")
    p.add_argument("--port", default=os.environ.get("MIDGE_SIM_PORT", DEFAULT_PORT), metavar="PATH",
                   help="path of the port to create, a symlink to the pty "
                        "(default: $MIDGE_SIM_PORT or %(default)s)")
    p.add_argument("--dir", dest="flash_dir", metavar="DIR",
                   help="folder holding the board's flash, mounted at / "
                        "(default: one per board and port under ~/.cache/midge/sim)")
    p.add_argument("--bits", type=int, choices=(32, 64), default=32,
                   help="word size of the MicroPython it runs: 32, as boards (default), or 64")
    p.add_argument("--stop", action="store_true", help="stop the emulated board running on --port")
    p.set_defaults(func=handler)


def handler(args):
    port = Path(args.port)
    if args.stop:
        pid = portfile.stop(port)
        print(f"midge sim: stopped the emulated board on {port} (pid {pid})")
        return 0
    heap = board_heap_bytes(args.board)
    flash = Path(args.flash_dir) if args.flash_dir else default_flash_dir(args.board, port)
    machine = "midge sim" if args.board == DEFAULT_BOARD else f"midge sim of {args.board}"
    bridge = Bridge(port, flash, heap, machine=f"{machine} with {args.bits}-bit unix port", board=args.board,
                    bits=args.bits)

    def ready():
        print(f"midge sim: board {args.board} on {port} ({bridge.pts}), flash {flash}, "
              f"heap {heap // 1024} KiB ({heap} bytes), {args.bits}-bit; stop with Ctrl-C or "
              f"`midge sim --port {port} --stop`", flush=True)

    def stop(signum, frame):
        bridge.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with bridge:
            bridge.serve(on_ready=ready)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    print(f"midge sim: stopped the emulated board on {port}", file=sys.stderr)
    return 0
