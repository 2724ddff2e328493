"""Console helpers shared by the commands: ``table_console`` for tables that must
not be cut when piped, rich progress bars on stderr (hidden when stderr is not a
terminal), plain status lines, and ``quiet_tensorflow`` to keep TensorFlow's
start-up logs off the terminal."""

import contextlib
import os
import sys
import tempfile

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


PIPE_WIDTH = 200
"""Console width when the output is not a terminal: wide enough that no table cell is cut."""


def table_console(stderr=False):
    """A rich Console for stdout (or stderr): the terminal's width, else PIPE_WIDTH."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=PIPE_WIDTH)


def progress(description):
    """A transient progress bar with a description and a free-text field ``info``."""
    console = Console(stderr=True)
    return Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[info]}"), console=console, transient=True,
                    disable=not console.is_terminal)


def say(message):
    """A status line on stderr (``midge: message``)."""
    print(f"midge: {message}", file=sys.stderr)


def add_verbose(parser):
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="show TensorFlow's own log lines (hidden by default)")


@contextlib.contextmanager
def quiet_tensorflow(verbose=False):
    """Run TensorFlow work with its C++ log lines (``I0000 ...``, ``W0000 ...``,
    absl's ``WARNING: All log messages before absl::InitializeLog()``) kept off
    the terminal: file descriptor 2 goes to a temporary file while Python's
    ``sys.stderr`` keeps writing to the terminal. On an unexpected error the
    captured lines are shown, as they may say why. ``verbose``: no change."""
    if verbose:
        yield
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    python_stderr = sys.stderr
    try:
        on_fd2 = python_stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # not a file: already captured elsewhere
        on_fd2 = False
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        if on_fd2:
            sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=python_stderr.encoding,
                                   errors=python_stderr.errors)
        try:
            yield
        except Exception as err:
            from midge_host.errors import MidgeError
            if not isinstance(err, MidgeError):
                log.seek(0)
                tail = log.read().decode(errors="replace").splitlines()[-20:]
                if tail:
                    print("midge: TensorFlow's last log lines:\n" + "\n".join(tail), file=sys.stderr)
            raise
        finally:
            if on_fd2:
                sys.stderr.flush()
                sys.stderr.close()
                sys.stderr = python_stderr
            os.dup2(saved, 2)
            os.close(saved)
