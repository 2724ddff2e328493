"""Arena planning: place buffers with lifetimes into one block of memory.

Like TFLM's GreedyMemoryPlanner: buffers are taken largest first and each
goes to the lowest offset (aligned to ``ALIGN``) where it overlaps no
already-placed buffer that is alive at the same time.
"""

from midge.nn.model import ModelError

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


def plan_model(m):
    """Place the non-constant tensors of ``model.Model`` ``m``, each alive from the op
    that writes it (-1 for graph inputs) to the last op that reads it (past the
    end for graph outputs). Returns ({tensor index: offset}, arena_size)."""
    n_ops = len(m.operators)
    first = {}
    last = {}
    for i in m.inputs:
        first[i] = -1
    for k, op in enumerate(m.operators):
        for i in op.inputs:
            if i < 0 or m.is_const(i):
                continue
            if i not in first:
                t = m.tensor(i)
                if t.variable:
                    raise ModelError("tensor '%s' is a variable tensor: midge runs stateless models only"
                                     % t.name)
                raise ModelError("tensor '%s' is read by operator %d before anything writes it" % (t.name, k))
            last[i] = k
        for i in op.outputs:
            if m.is_const(i):
                raise ModelError("operator %d writes constant tensor '%s'" % (k, m.tensor(i).name))
            first.setdefault(i, k)
            last[i] = max(last.get(i, k), k)
    for i in m.outputs:
        if i not in first:
            raise ModelError("output tensor '%s' is never written" % m.tensor(i).name)
        last[i] = n_ops
    for i in m.inputs:
        last.setdefault(i, -1)
    order = sorted(first)
    placed, size = plan([(m.nbytes[i], first[i], last[i]) for i in order])
    offsets = {}
    for i, off in zip(order, placed):
        offsets[i] = off
    return offsets, size
