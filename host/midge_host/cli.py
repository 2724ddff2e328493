"""The `midge` command: ``main(argv) -> int`` with one handler per command.

Each module in ``midge_host.commands`` registers its sub-command with
``register(subparsers)`` and sets ``func`` to a handler ``(args) -> int``.
Handlers raise ``MidgeError`` for user errors; anything else is a bug and
keeps its traceback.
"""

import argparse
import importlib
import os
import sys

from midge_host import __version__
from midge_host.errors import MidgeError

COMMANDS = ["boards", "sim", "features", "plot", "inspect", "infer", "new", "data", "train", "quantize", "eval", "profile",
            "deploy", "verify", "monitor", "collect", "pull", "replay", "mip-index", "models", "doctor", "hub"]


def build_parser(only=None):
    """The argument parser; with ``only`` (a command name) just that command is
    imported and registered, so running one command does not import them all."""
    parser = argparse.ArgumentParser(
        prog="midge",
        description="TinyML for stock MicroPython boards.",
    )
    parser.add_argument("--version", action="version", version=f"midge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [only] if only else COMMANDS:
        importlib.import_module(f"midge_host.commands.{name.replace('-', '_')}").register(sub)
    return parser


def main(argv=None):
    """Run the command line ``argv`` (without the program name); return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args) or 0
    except MidgeError as err:
        print(f"midge: {err.message}", file=sys.stderr)
        if err.hint:
            print(f"midge: hint: {err.hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("midge: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone():
    """The program reading our output has exited (``midge ... | head``): stop
    quietly, as a shell tool does on SIGPIPE; stdout goes to /dev/null so the
    interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE


def entry():
    sys.exit(main(sys.argv[1:]))
