"""midge's optional dependencies: ``require_tensorflow(command)`` raises a MidgeError
that says how to install TensorFlow (the ``midge[train]`` extra) when it is missing."""

import importlib.util

from midge_host.errors import MidgeError


def require_tensorflow(command):
    """Return quietly when TensorFlow can be imported; else MidgeError naming ``command``."""
    if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("keras") is None:
        raise MidgeError(f"`midge {command}` needs TensorFlow, which is not installed here",
                         hint="pip install 'midge[train]' (with pipx: pipx install 'midge[train]', "
                              "or pipx inject midge tensorflow-cpu)")
