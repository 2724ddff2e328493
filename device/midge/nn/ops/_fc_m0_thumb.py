"""FULLY_CONNECTED's int8 matrix product in Thumb-1 assembler for cores without
the DSP extension (Cortex-M0+, M3: ``midge.fast.ASM == "armv6m"``); imported only
on ARM. ``matmul(x, w, out, g)`` and ``params(...)`` as ``_fc_dsp_thumb``'s (the
parameters differ: a header of depth, units, rows, ooff, amin, amax, a spare
word, three words the kernel writes and the output offset; per unit the
multiplier as its 16-bit halves).

Byte loads only (ARMv6-M faults on unaligned words): LDRSB with a register offset
counting up from -depth to 0 against the ends of x's row and of the unit's
weights, so two MACs are 10 instructions (four loads, two MULS, two ADDS, the
index step and the branch on its flags). ARMv6-M has no 64-bit product: the
requantization's high multiply is summed from four 16x16-bit products as
``midge.nn.ops._pack_viper`` describes. The inline assembler has no LDRSB or
UXTH, so ``data`` emits them (ARMv6-M ARM, T1: LDRSB register
``5600 | Rm << 6 | Rn << 3 | Rt``, UXTH ``B280 | Rm << 3 | Rd``). r8-r11 hold
loop state and are restored.
"""

import micropython

from midge.nn.ops._pack_viper import ints

ROWS, OUT_OFFSET = 2, 10
"""Header slots a caller may rewrite between calls: the rows, and where in ``out`` they go."""


def params(depth, units, rows, const, mult, shift, ooff, amin, amax):
    values = [depth, units, rows, ooff, amin, amax, 0, 0, 0, 0, 0]
    for u in range(units):
        m, s = mult[u], shift[u]
        right = -s if s < 0 else 0
        if s > 31 or right > 31 or not 0 <= m < 1 << 31:
            return None
        mask = (1 << right) - 1
        values += [const[u], m & 0xFFFF, m >> 16, s if s > 0 else 0, right, mask, mask >> 1]
    return ints(values)


@micropython.asm_thumb
def matmul(r0, r1, r2, r3):
    mov(r4, r8)
    mov(r5, r9)
    mov(r6, r10)
    mov(r7, r11)
    push({r4, r5, r6, r7})
    mov(r8, r3)           # g
    ldr(r4, [r3, 40])
    add(r2, r2, r4)       # out + offset
    mov(r9, r2)           # the next output
    ldr(r4, [r3, 0])
    add(r0, r0, r4)
    mov(r10, r0)          # the end of this row of x
    str(r1, [r3, 32])     # g[8]: w
    ldr(r4, [r3, 8])
    str(r4, [r3, 28])     # g[7]: rows left
    ldr(r4, [r3, 4])
    mov(r5, 28)
    mul(r4, r5)
    add(r4, 44)
    add(r4, r4, r3)
    str(r4, [r3, 36])     # g[9]: the end of the unit parameters
    label(ROW)
    mov(r4, r8)
    add(r4, 44)
    mov(r11, r4)          # this unit's parameters
    label(UNIT)
    mov(r4, r11)
    ldr(r2, [r4, 0])      # acc = const
    mov(r0, r10)
    mov(r3, r8)
    ldr(r3, [r3, 0])      # depth
    add(r1, r1, r3)       # the end of this unit's weights
    mov(r5, 0)
    sub(r5, r5, r3)       # index: -depth up to 0
    beq(REQUANT)
    mov(r4, 1)
    tst(r3, r4)
    beq(PAIRS)
    data(2, 0x5744)          # ldrsb r4, [r0, r5]
    data(2, 0x574E)          # ldrsb r6, [r1, r5]
    mul(r4, r6)
    add(r2, r2, r4)
    add(r5, 1)
    beq(REQUANT)
    label(PAIRS)
    add(r3, r0, 1)        # x's end + 1: the odd byte of a pair
    add(r7, r1, 1)
    label(PAIR)
    data(2, 0x5744)          # ldrsb r4, [r0, r5]
    data(2, 0x574E)          # ldrsb r6, [r1, r5]
    mul(r4, r6)
    add(r2, r2, r4)
    data(2, 0x575C)          # ldrsb r4, [r3, r5]
    data(2, 0x577E)          # ldrsb r6, [r7, r5]
    mul(r4, r6)
    add(r2, r2, r4)
    add(r5, 2)
    bne(PAIR)
    label(REQUANT)
    mov(r7, r11)
    ldr(r4, [r7, 12])
    lsl(r2, r4)           # left shift (wraps)
    ldr(r4, [r7, 8])      # the multiplier's high half
    asr(r5, r2, 16)       # the accumulator's high half
    data(2, 0xB292)          # uxth r2, r2: its low half
    mov(r6, r5)
    mul(r6, r4)
    lsl(r6, r6, 1)        # (a1 * m1) << 1
    ldr(r3, [r7, 4])      # the multiplier's low half
    mul(r5, r3)           # hi = a1 * m0
    mul(r4, r2)           # lo = m1 * a0
    mul(r3, r2)           # a0 * m0, unsigned
    lsr(r3, r3, 16)
    asr(r0, r5, 15)
    add(r6, r6, r0)
    asr(r0, r4, 15)
    add(r6, r6, r0)
    lsl(r5, r5, 17)
    lsr(r5, r5, 17)
    lsl(r4, r4, 17)
    lsr(r4, r4, 17)
    add(r3, r3, r5)
    add(r3, r3, r4)
    mov(r0, 1)
    lsl(r0, r0, 14)
    add(r3, r3, r0)
    asr(r3, r3, 15)
    add(r6, r6, r3)       # h = (a * m + 2**30) >> 31
    ldr(r4, [r7, 16])
    mov(r5, r6)
    asr(r5, r4)           # h >> e
    ldr(r3, [r7, 20])
    and_(r3, r6)          # h & mask
    ldr(r4, [r7, 24])
    asr(r6, r6, 31)
    sub(r4, r4, r6)       # (mask >> 1) + (h < 0)
    sub(r4, r4, r3)
    asr(r4, r4, 31)
    sub(r5, r5, r4)       # + 1 when the remainder is above it
    mov(r3, r8)
    ldr(r4, [r3, 12])
    add(r5, r5, r4)       # + the output offset
    ldr(r4, [r3, 16])
    cmp(r5, r4)
    bge(ABOVE_MIN)
    mov(r5, r4)
    label(ABOVE_MIN)
    ldr(r4, [r3, 20])
    cmp(r5, r4)
    ble(BELOW_MAX)
    mov(r5, r4)
    label(BELOW_MAX)
    mov(r4, r9)
    strb(r5, [r4, 0])
    add(r4, 1)
    mov(r9, r4)
    add(r7, 28)
    mov(r11, r7)
    ldr(r4, [r3, 36])
    cmp(r7, r4)
    bge(NEXT_ROW)
    b(UNIT)
    label(NEXT_ROW)
    ldr(r1, [r3, 32])     # w again
    ldr(r4, [r3, 0])
    mov(r5, r10)
    add(r5, r5, r4)
    mov(r10, r5)          # the end of the next row of x
    ldr(r4, [r3, 28])
    sub(r4, 1)
    str(r4, [r3, 28])
    beq(DONE)
    b(ROW)
    label(DONE)
    pop({r4, r5, r6, r7})
    mov(r8, r4)
    mov(r9, r5)
    mov(r10, r6)
    mov(r11, r7)
    mov(r0, 0)            # no address back: a big int would allocate
