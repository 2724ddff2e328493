"""A small, steady heap while something big loads.

``with loading(): ...`` collects the heap after every ``THRESHOLD`` bytes
allocated (``gc.threshold``), then restores the previous setting.
``forget(name, ...)`` unloads modules that only loading needs (the config and
meta.json checks, the arena planner, the feature and op registries), so the
next collection frees their code before the big buffers are allocated; a
later import loads them again. On CPython it does nothing (host code keeps its
own references to these modules).

Without it MicroPython collects only when an allocation fails, so when the
garbage of imports and table building is freed depends on the heap's size:
long-lived objects land between different holes, and an app that loads in a
heap can fail in a slightly bigger one. Collecting at fixed intervals frees
garbage at the same points whatever the heap, packs what stays low, and
leaves the big buffers room: the smallest heap the deployed app needs on a
32-bit board dropped 13 %, and a heap that fits once fits above too
(docs/benchmarks.md). Where ``gc.threshold`` is missing (CPython) it does
nothing.
"""

import gc
import sys

THRESHOLD = 1024


class loading:
    def __enter__(self):
        self._set = getattr(gc, "threshold", None)
        if self._set is not None:
            self._previous = self._set()
            self._set(THRESHOLD)
        return self

    def __exit__(self, *exc):
        if self._set is not None:
            self._set(self._previous)
        return False


def forget(*names):
    """Drop the modules ``names`` from ``sys.modules`` and their packages (see above)."""
    if sys.implementation.name == "cpython":
        return
    for name in names:
        module = sys.modules.pop(name, None)
        dot = name.rfind(".")
        package = sys.modules.get(name[:dot]) if dot > 0 else None
        if module is not None and package is not None and getattr(package, name[dot + 1:], None) is module:
            delattr(package, name[dot + 1:])
