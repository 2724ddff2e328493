"""Arena planning: place buffers with lifetimes into one block of memory.

Like TFLM's GreedyMemoryPlanner: buffers are taken largest first and each
goes to the lowest offset (aligned to ``ALIGN``) where it overlaps no
already-placed buffer that is alive at the same time.
"""

ALIGN = 16


def _aligned(x):
    return (x + ALIGN - 1) // ALIGN * ALIGN


def plan(buffers):
    """``buffers``: list of (size, first_use, last_use). Returns (offsets, arena_size)."""
    order = sorted(range(len(buffers)), key=lambda i: (-buffers[i][0], buffers[i][1], i))
    offsets = [0] * len(buffers)
    placed = []
    arena = 0
    for i in order:
        size, first, last = buffers[i]
        live = sorted((offsets[j], offsets[j] + buffers[j][0]) for j in placed
                      if buffers[j][1] <= last and first <= buffers[j][2])
        offset = 0
        for start, end in live:
            if offset + size <= start:
                break
            if end > offset:
                offset = _aligned(end)
        offsets[i] = offset
        placed.append(i)
        if offset + size > arena:
            arena = offset + size
    return offsets, _aligned(arena)
