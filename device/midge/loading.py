"""A steady heap while something big loads: ``with loading(): ...`` collects
the heap after every ``THRESHOLD`` bytes allocated (``gc.threshold``), then
restores the previous setting.

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

THRESHOLD = 4096


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
