"""midge device runtime: capture, windows, integer features, int8 inference.

Runs unchanged on MicroPython boards, the MicroPython unix port and CPython.
"""

__version__ = "0.1.0"
