"""Byte copies for im2col in Thumb-1 assembler (any ARM core: ``midge.fast.ASM`` set);
a viper loop copies a byte in about 29 Thumb instructions, these in 5.

- ``copy_rows(dst, src, g)``: ``g[0]`` rows of ``g[1]`` bytes from ``src + g[4]``
  (rows ``g[2]`` bytes apart) to ``dst + g[5]`` (rows ``g[3]`` bytes apart);
- ``gather(dst, src, g)``: for each of ``g[0]`` pixels, its window's ``g[1]`` rows of
  ``g[6]`` taps of ``g[2]`` bytes (taps ``g[7]`` bytes apart, rows ``g[3]`` bytes
  apart in ``src``, the first pixel's window at ``src + g[5]``, each next pixel's
  ``g[4]`` bytes on), one after another into ``dst``. An undilated window row is one
  tap of all its bytes.

The inline assembler has no register-offset LDRB or STRB, so ``data`` emits them
(ARMv6-M ARM, T1: LDRB ``5C00 | Rm << 6 | Rn << 3 | Rt``, STRB ``5400 | ...``).
"""

import micropython


@micropython.asm_thumb
def copy_rows(r0, r1, r2):
    ldr(r4, [r2, 16])
    add(r1, r1, r4)
    ldr(r4, [r2, 20])
    add(r0, r0, r4)
    ldr(r3, [r2, 0])      # rows left
    cmp(r3, 0)
    beq(END)
    ldr(r6, [r2, 4])      # bytes a row
    label(ROW)
    mov(r5, 0)
    label(BYTE)
    data(2, 0x5D4C)          # ldrb r4, [r1, r5]
    data(2, 0x5544)          # strb r4, [r0, r5]
    add(r5, 1)
    cmp(r5, r6)
    blt(BYTE)
    ldr(r4, [r2, 8])
    add(r1, r1, r4)
    ldr(r4, [r2, 12])
    add(r0, r0, r4)
    sub(r3, 1)
    bne(ROW)
    label(END)
    mov(r0, 0)            # no address back: a big int would allocate


@micropython.asm_thumb
def gather(r0, r1, r2):
    mov(r4, r8)
    mov(r5, r9)
    mov(r6, r10)
    push({r4, r5, r6})
    ldr(r4, [r2, 20])
    add(r1, r1, r4)       # the first pixel's window
    ldr(r3, [r2, 0])      # pixels left
    cmp(r3, 0)
    beq(DONE)
    ldr(r6, [r2, 8])      # bytes a tap
    label(PIXEL)
    mov(r10, r1)          # this window row
    ldr(r4, [r2, 4])
    mov(r8, r4)           # window rows left
    label(ROW)
    mov(r7, r10)          # this tap
    ldr(r4, [r2, 24])
    mov(r9, r4)           # taps left in the row
    label(TAP)
    mov(r5, 0)
    label(BYTE)
    data(2, 0x5D7C)          # ldrb r4, [r7, r5]
    data(2, 0x5544)          # strb r4, [r0, r5]
    add(r5, 1)
    cmp(r5, r6)
    blt(BYTE)
    add(r0, r0, r6)
    ldr(r4, [r2, 28])
    add(r7, r7, r4)
    mov(r4, r9)
    sub(r4, 1)
    mov(r9, r4)
    bne(TAP)
    ldr(r4, [r2, 12])
    mov(r5, r10)
    add(r5, r5, r4)
    mov(r10, r5)
    mov(r4, r8)
    sub(r4, 1)
    mov(r8, r4)
    bne(ROW)
    ldr(r4, [r2, 16])
    add(r1, r1, r4)
    sub(r3, 1)
    bne(PIXEL)
    label(DONE)
    pop({r4, r5, r6})
    mov(r8, r4)
    mov(r9, r5)
    mov(r10, r6)
    mov(r0, 0)
