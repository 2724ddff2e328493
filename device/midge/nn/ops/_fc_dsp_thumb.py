"""FULLY_CONNECTED's int8 matrix product in ARM Thumb-2 assembler with the DSP
extension (Cortex-M4, M7, M33: ``midge.fast.ASM == "armv7emsp"``); imported only
there. Also runs 1x1 stride-1 unpadded CONV_2D (rows = pixels).

``matmul(x, w, out, g)``: for each row r < rows and unit u < units,
``out[r * units + u] = clamp(requant(const[u] + sum(x[r * depth + d] * w[u * depth + d])))``
with x, w and out signed bytes. ``g = params(depth, units, rows, const, mult,
shift, ooff, amin, amax)`` (an ``array('i')``, None when a shift is outside
-31..31): a header of 11 ints (depth rounded down to 8 and the rest, units,
rows, ooff, amin, amax, three words the kernel writes, and the offset in
``out`` of the first row's outputs, 0) and per unit its const, multiplier, left
shift, right shift and its mask and half mask.

The requantization is TFLM's MultiplyByQuantizedMultiplier: the accumulator
shifted left (wrapping to int32), SMULL by the multiplier, (product + 2**30) >> 31,
then RoundingDivideByPOT as ``(h >> e) + ((h & mask) > (mask >> 1) - (h >> 31))``;
plus the output offset, clamped. Eight MACs are 20 instructions: two word loads
each of x and w, SXTB16 (twice per word: the even and, rotated by 8, the odd
bytes as two int16 each) and SMLAD (two 16x16 products added to the
accumulator), the pointer steps and the loop branch. The inline assembler has
no SXTB16, SMLAD, SMULL or SXTB, so ``data`` emits them (ARMv7-M ARM: SXTB16 T1
``FA2F F0<Rd><rot|Rm>``, SMLAD T1 ``FB2<Rn> <Ra><Rd>0<Rm>``, SMULL T1
``FB8<Rn> <RdLo><RdHi>0<Rm>``, SXTB T1 ``B240 | Rm << 3 | Rd``). Word loads may
be unaligned, which ARMv7-M allows. r8-r11 hold loop state and are restored.
"""

import micropython

from midge.nn.ops._pack_viper import ints

ROWS, OUT_OFFSET = 3, 10
"""Header slots a caller may rewrite between calls: the rows, and where in ``out`` they go."""


def params(depth, units, rows, const, mult, shift, ooff, amin, amax):
    values = [depth & ~7, depth & 7, units, rows, ooff, amin, amax, 0, 0, 0, 0]
    for u in range(units):
        m, s = mult[u], shift[u]
        right = -s if s < 0 else 0
        if s > 31 or right > 31 or not 0 <= m < 1 << 31:
            return None
        mask = (1 << right) - 1
        values += [const[u], m, s if s > 0 else 0, right, mask, mask >> 1]
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
    mov(r10, r0)          # this row of x
    str(r1, [r3, 32])     # g[8]: w
    ldr(r4, [r3, 12])
    str(r4, [r3, 28])     # g[7]: rows left
    ldr(r4, [r3, 8])
    mov(r5, 24)
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
    ldr(r3, [r3, 0])
    add(r3, r3, r0)       # the end of x's multiple of 8
    cmp(r0, r3)
    bge(TAIL)
    label(EIGHT)
    ldr(r4, [r0, 0])
    ldr(r5, [r1, 0])
    data(2, 0xFA2F, 0xF684)  # sxtb16 r6, r4
    data(2, 0xFA2F, 0xF494)  # sxtb16 r4, r4, ror #8
    data(2, 0xFA2F, 0xF785)  # sxtb16 r7, r5
    data(2, 0xFA2F, 0xF595)  # sxtb16 r5, r5, ror #8
    data(2, 0xFB26, 0x2207)  # smlad r2, r6, r7, r2
    data(2, 0xFB24, 0x2205)  # smlad r2, r4, r5, r2
    ldr(r4, [r0, 4])
    ldr(r5, [r1, 4])
    data(2, 0xFA2F, 0xF684)  # sxtb16 r6, r4
    data(2, 0xFA2F, 0xF494)  # sxtb16 r4, r4, ror #8
    data(2, 0xFA2F, 0xF785)  # sxtb16 r7, r5
    data(2, 0xFA2F, 0xF595)  # sxtb16 r5, r5, ror #8
    data(2, 0xFB26, 0x2207)  # smlad r2, r6, r7, r2
    data(2, 0xFB24, 0x2205)  # smlad r2, r4, r5, r2
    add(r0, 8)
    add(r1, 8)
    cmp(r0, r3)
    blt(EIGHT)
    label(TAIL)
    mov(r3, r8)
    ldr(r3, [r3, 4])
    add(r3, r3, r0)       # the end of x's row
    cmp(r0, r3)
    bge(REQUANT)
    label(ONE)
    ldrb(r4, [r0, 0])
    ldrb(r5, [r1, 0])
    data(2, 0xB264)          # sxtb r4, r4
    data(2, 0xB26D)          # sxtb r5, r5
    mul(r4, r5)
    add(r2, r2, r4)
    add(r0, 1)
    add(r1, 1)
    cmp(r0, r3)
    blt(ONE)
    label(REQUANT)
    mov(r7, r11)
    ldr(r4, [r7, 8])
    lsl(r2, r4)           # left shift (wraps)
    ldr(r4, [r7, 4])
    data(2, 0xFB82, 0x5604)  # smull r5, r6, r2, r4
    mov(r4, 1)
    lsl(r4, r4, 30)
    add(r5, r5, r4)       # + 2**30, carry into the high word
    mov(r4, 0)
    adc(r6, r4)
    lsl(r6, r6, 1)
    lsr(r5, r5, 31)
    orr(r6, r5)           # h = (a * m + 2**30) >> 31
    ldr(r4, [r7, 12])
    mov(r5, r6)
    asr(r5, r4)           # h >> e
    ldr(r3, [r7, 16])
    and_(r3, r6)          # h & mask
    ldr(r4, [r7, 20])
    asr(r6, r6, 31)
    sub(r4, r4, r6)       # (mask >> 1) + (h < 0)
    sub(r4, r4, r3)
    asr(r4, r4, 31)
    sub(r5, r5, r4)       # + 1 when the remainder is above it
    mov(r3, r8)
    ldr(r4, [r3, 16])
    add(r5, r5, r4)       # + the output offset
    ldr(r4, [r3, 20])
    cmp(r5, r4)
    bge(ABOVE_MIN)
    mov(r5, r4)
    label(ABOVE_MIN)
    ldr(r4, [r3, 24])
    cmp(r5, r4)
    ble(BELOW_MAX)
    mov(r5, r4)
    label(BELOW_MAX)
    mov(r4, r9)
    strb(r5, [r4, 0])
    add(r4, 1)
    mov(r9, r4)
    add(r7, 24)
    mov(r11, r7)
    ldr(r4, [r3, 36])
    cmp(r7, r4)
    bge(NEXT_ROW)
    b(UNIT)
    label(NEXT_ROW)
    ldr(r1, [r3, 32])     # w again
    ldr(r4, [r3, 0])
    ldr(r5, [r3, 4])
    add(r4, r4, r5)
    mov(r5, r10)
    add(r5, r5, r4)
    mov(r10, r5)          # the next row of x
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
