"""midge host companion: the `midge` command and its Python API."""

__version__ = "0.1.0"
