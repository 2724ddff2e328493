"""Console helpers shared by the training commands: rich progress bars on
stderr (hidden when stderr is not a terminal) and plain status lines."""

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def progress(description):
    """A transient progress bar with a description and a free-text field ``info``."""
    console = Console(stderr=True)
    return Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[info]}"), console=console, transient=True,
                    disable=not console.is_terminal)


def say(message):
    """A status line on stderr (``midge: message``)."""
    print(f"midge: {message}", file=sys.stderr)
